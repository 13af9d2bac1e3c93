import { join } from 'node:path'
import { defineAsset, type InputPartition, type JsonObject } from '../framework/definitions/index.js'
import { daily, previous, previousWeekOnMonday, sameDay, weekOf } from '../framework/partitions/index.js'
import { withConnection, type CdiResources } from './cdi-resources.js'
import type { CdiConfig } from './cdi-config.js'
import { fileOf, optional, single } from './input-files.js'
import { FEATURES_FILE } from './lib/features.js'
import { FEATURE_VALUES_FILE } from './lib/feature-stats.js'
import { buildDriftReport, DRIFT_REPORT_FILE, type SegmentsChurn } from './lib/drift.js'
import { driftStatusMetric } from './lib/operational-metrics.js'
import { SEGMENTS_FILE } from './lib/segments.js'
import { readModel } from './segments.js'

/** drift_report(D): PSI/KS/churn against yesterday and the model's training window (SPEC §7). */
export function driftReportAsset(config: CdiConfig) {
  return defineAsset<CdiResources>({
    key: 'drift_report',
    description: 'Drift of D: CDI PSI and segment churn against D-1, feature PSI/KS against the training window, a status, and a metrics record.',
    partitions: daily({ start: config.firstModelDay }),
    deps: {
      segments: sameDay(),
      yesterday: { asset: 'segments', mapping: previous() },
      features: sameDay(),
      // features(D)'s distinct values per model feature, already grouped once for segment_model.
      feature_stats: sameDay(),
      segment_model: weekOf(),
      // On Mondays the model the new one replaces, for retrain_churn.
      previous_model: { asset: 'segment_model', mapping: previousWeekOnMonday() },
    },
    codeVersion: 'drift-v3',
    freshness: { dueBy: '03:00Z' },
    async materialize({ partition, inputs, outputDir, resources }) {
      const yesterday = optional(inputs, 'yesterday')
      const previousModel = optional(inputs, 'previous_model')
      const modelInput = single(inputs, 'segment_model')
      const segments = single(inputs, 'segments')
      const churn = yesterday ? recordedChurn(segments, yesterday) : undefined
      const report = await withConnection(resources, async (db) =>
        buildDriftReport({
          db,
          day: partition,
          firstLandingDay: resources.config.firstDay,
          segmentsFile: fileOf(segments, SEGMENTS_FILE),
          ...(yesterday ? { previousSegmentsFile: fileOf(yesterday, SEGMENTS_FILE) } : {}),
          ...(churn ? { segmentsChurn: churn } : {}),
          featuresFile: fileOf(single(inputs, 'features'), FEATURES_FILE),
          featureValuesFile: fileOf(single(inputs, 'feature_stats'), FEATURE_VALUES_FILE),
          modelDir: modelInput.dir,
          model: await readModel(modelInput),
          ...(previousModel ? { previousModel: await readModel(previousModel) } : {}),
          outputDir,
        }),
      )
      // Published only when cloudwatch.enabled / STRATA_CLOUDWATCH=1 gave the resource; stamped D.
      await resources.metrics?.publish([...report.metrics, driftStatusMetric(report.status)], new Date(`${partition}T00:00:00Z`))
      return { metadata: report as unknown as JsonObject }
    },
    show: ({ dir }) => ({ kind: 'document', path: join(dir, DRIFT_REPORT_FILE) }),
  })
}

/**
 * The churn figures segments(D) recorded while it wrote (metadata `both_days`,
 * `changed_vs_yesterday`), if they were computed against the very segments(D-1) this report reads:
 * segments(D)'s lineage must name that partition with the same data version. Otherwise (an older
 * segments(D), or a segments(D-1) rebuilt since) undefined, and the report joins the two days.
 */
export function recordedChurn(segments: InputPartition, yesterday: InputPartition): SegmentsChurn | undefined {
  const read = segments.manifest.upstream.find((u) => u.asset === yesterday.asset && u.partition === yesterday.partition)
  if (read === undefined || read.dataVersion !== yesterday.manifest.dataVersion) return undefined
  const { both_days: both, changed_vs_yesterday: changed } = segments.manifest.metadata
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
  return count(both) && count(changed) && changed <= both ? { both, changed } : undefined
}
