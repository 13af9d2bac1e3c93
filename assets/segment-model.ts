import { dirname, join } from 'node:path'
import { defineAsset, type JsonObject } from '../framework/definitions/index.js'
import { addDays, daysBeforeWeek, weekly, weeksEndingOn } from '../framework/partitions/index.js'
import { withConnection, type CdiResources } from './cdi-resources.js'
import type { CdiConfig } from './cdi-config.js'
import { fileOf } from './input-files.js'
import { FEATURES_FILE } from './lib/features.js'
import { FEATURE_GROUPS_FILE, FEATURE_SAMPLE_FILE, FEATURE_STATS_FILE, FEATURE_VALUES_FILE } from './lib/feature-stats.js'
import { trainSegmentModel } from './lib/segment-model.js'
import { WEEK_STATS_DAYS, WEEK_STATS_FILE } from './lib/week-stats.js'

/** SPEC §5: the model trains on the 90 days before its week. */
const WINDOW_DAYS = 90

/** segment_model(week): standardise → PCA → mini-batch k-means (each run refined by Lloyd) on the 90 days before the week (SPEC §5), or the stable segmentation (setting `segmentation`). */
export function segmentModelAsset(config: CdiConfig) {
  return defineAsset<CdiResources>({
    key: 'segment_model',
    description:
      config.segmentation === 'stable'
        ? "Weekly segment model, stable segmentation: full k-means on ln(1 + x) of the counts and amount and the shares shrunk by their event counts, standardised, one row per customer of the window's last day (Monday-1); the drift baseline is still the 90-day window's, from feature_stats."
        : 'Weekly segment model trained on every feature row of the 90 days before the week (Monday-90 … Monday-1), as JSON; moments and sample come from feature_stats, the distinct vectors and value counts behind the assignment and the baseline from week_stats (12 weeks) and feature_stats (the 6 days left).',
    partitions: weekly({ start: config.firstModelDay }),
    // The whole weeks of the window come from week_stats (12 of the 90 days' 7-day spans), the rest from feature_stats.
    deps: { features: daysBeforeWeek(WINDOW_DAYS), feature_stats: daysBeforeWeek(WINDOW_DAYS), week_stats: weeksEndingOn(Math.floor(WINDOW_DAYS / WEEK_STATS_DAYS)) },
    // The stable segmentation is another computation: switching rebuilds the models (and what reads them).
    // v9: the SPEC method's k-means refines each initialisation's run (refined-kmeans.ts).
    codeVersion: config.segmentation === 'stable' ? 'segment-model-v8-stable' : 'segment-model-v9',
    async materialize({ partition, inputs, outputDir, resources }) {
      const features = (inputs.features ?? []).map((input) => ({ partition: input.partition, file: fileOf(input, FEATURES_FILE) }))
      // fileOf checks that each file is in the partition's manifest; the model reads these three.
      const stats = (inputs.feature_stats ?? []).map((input) => {
        fileOf(input, FEATURE_SAMPLE_FILE)
        fileOf(input, FEATURE_GROUPS_FILE)
        return { partition: input.partition, dir: dirname(fileOf(input, FEATURE_STATS_FILE)) }
      })
      const weeks = (inputs.week_stats ?? []).map((input) => {
        fileOf(input, FEATURE_GROUPS_FILE)
        fileOf(input, FEATURE_VALUES_FILE)
        return { week: input.partition, dir: dirname(fileOf(input, WEEK_STATS_FILE)) }
      })
      const window = { from: addDays(partition, -WINDOW_DAYS), to: addDays(partition, -1) }
      const metadata = await withConnection(resources, (db) => trainSegmentModel({ db, features, stats, weeks, window, outputDir, segmentation: config.segmentation }))
      return { metadata: metadata as unknown as JsonObject }
    },
    show: ({ dir }) => ({ kind: 'document', path: join(dir, 'model.json') }),
  })
}
