import { join } from 'node:path'
import { defineAsset, type JsonObject } from '../framework/definitions/index.js'
import { daily, previous, sameDay, weekOf } from '../framework/partitions/index.js'
import { withConnection, type CdiResources } from './cdi-resources.js'
import type { CdiConfig } from './cdi-config.js'
import { fileOf, optional, single } from './input-files.js'
import { FEATURES_FILE } from './lib/features.js'
import { buildDriftReport, DRIFT_REPORT_FILE } from './lib/drift.js'
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
      segment_model: weekOf(),
    },
    codeVersion: 'drift-v1',
    freshness: { dueBy: '03:00Z' },
    async materialize({ partition, inputs, outputDir, resources }) {
      const yesterday = optional(inputs, 'yesterday')
      const modelInput = single(inputs, 'segment_model')
      const report = await withConnection(resources, async (db) =>
        buildDriftReport({
          db,
          day: partition,
          firstLandingDay: resources.config.firstDay,
          segmentsFile: fileOf(single(inputs, 'segments'), SEGMENTS_FILE),
          ...(yesterday ? { previousSegmentsFile: fileOf(yesterday, SEGMENTS_FILE) } : {}),
          featuresFile: fileOf(single(inputs, 'features'), FEATURES_FILE),
          modelDir: modelInput.dir,
          model: await readModel(modelInput),
          outputDir,
        }),
      )
      // Published only when cloudwatch.enabled / STRATA_CLOUDWATCH=1 gave the resource; stamped D.
      await resources.metrics?.publish(report.metrics, new Date(`${partition}T00:00:00Z`))
      return { metadata: report as unknown as JsonObject }
    },
    show: ({ dir }) => ({ kind: 'document', path: join(dir, DRIFT_REPORT_FILE) }),
  })
}
