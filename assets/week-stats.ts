import { dirname } from 'node:path'
import { defineAsset, type JsonObject } from '../framework/definitions/index.js'
import { daysBeforeWeek, weekly } from '../framework/partitions/index.js'
import { withConnection, type CdiResources } from './cdi-resources.js'
import type { CdiConfig } from './cdi-config.js'
import { fileOf } from './input-files.js'
import { FEATURE_GROUPS_FILE, FEATURE_VALUES_FILE } from './lib/feature-stats.js'
import { computeWeekStats, WEEK_STATS_DAYS } from './lib/week-stats.js'

/**
 * week_stats(week): feature_stats of the 7 days before the week, summed, so that the weekly model
 * reads 12 weeks and 6 days of its 90-day window instead of 90 days (assets/lib/week-stats.ts).
 * Keyed like segment_model: the partition of Monday M sums M-7 … M-1 and runs on M.
 */
export function weekStatsAsset(config: CdiConfig) {
  return defineAsset<CdiResources>({
    key: 'week_stats',
    description: "The feature_stats of the 7 days before the week (Monday-7 … Monday-1), summed: the distinct (features, CDI) vectors and each feature's value counts, for the weekly model.",
    partitions: weekly({ start: config.firstModelDay }),
    deps: { feature_stats: daysBeforeWeek(WEEK_STATS_DAYS) },
    codeVersion: 'week-stats-v1',
    async materialize({ partition, inputs, outputDir, resources }) {
      const stats = (inputs.feature_stats ?? []).map((input) => {
        fileOf(input, FEATURE_VALUES_FILE)
        return { partition: input.partition, dir: dirname(fileOf(input, FEATURE_GROUPS_FILE)) }
      })
      const metadata = await withConnection(resources, (db) => computeWeekStats({ db, week: partition, stats, outputDir }))
      return { metadata: metadata as unknown as JsonObject }
    },
  })
}
