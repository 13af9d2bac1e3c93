import { readFile } from 'node:fs/promises'
import { defineAsset, type JsonObject } from '../framework/definitions/index.js'
import { daily, previous, sameDay, weekOf } from '../framework/partitions/index.js'
import { uniqueKey, acceptedValues } from '../framework/checks/index.js'
import { withConnection, type CdiResources } from './cdi-resources.js'
import type { CdiConfig } from './cdi-config.js'
import { fileOf, optional, single } from './input-files.js'
import { FEATURES_FILE } from './lib/features.js'
import { CDI_SCORES_FILE } from './lib/cdi.js'
import { assignSegments, SEGMENTS_FILE } from './lib/segments.js'
import { SEGMENT_NAMES, type SegmentModel } from './lib/segment-model-types.js'
import type { InputPartition } from '../framework/definitions/index.js'

/** Read the week's model document from a segment_model input partition. */
export async function readModel(input: InputPartition): Promise<SegmentModel> {
  return JSON.parse(await readFile(fileOf(input, 'model.json'), 'utf8')) as SegmentModel
}

/** segments(D): nearest centroid of the week's model, with hysteresis against segments(D-1) (SPEC §6). */
export function segmentsAsset(config: CdiConfig) {
  return defineAsset<CdiResources>({
    key: 'segments',
    description: "Each customer's segment on D: nearest centroid of the week's model, kept at yesterday's when the CDI moved less than HYSTERESIS_DELTA.",
    partitions: daily({ start: config.firstModelDay }),
    deps: {
      cdi_scores: sameDay(),
      features: sameDay(),
      segment_model: weekOf(),
      yesterday: { asset: 'segments', mapping: previous() },
    },
    codeVersion: 'segments-v2',
    checks: [uniqueKey('customer_id'), acceptedValues('segment', SEGMENT_NAMES)],
    freshness: { dueBy: '03:00Z' },
    async materialize({ inputs, outputDir, resources }) {
      const yesterday = optional(inputs, 'yesterday')
      const model = await readModel(single(inputs, 'segment_model'))
      const metadata = await withConnection(resources, (db) =>
        assignSegments({
          db,
          cdiFile: fileOf(single(inputs, 'cdi_scores'), CDI_SCORES_FILE),
          featuresFile: fileOf(single(inputs, 'features'), FEATURES_FILE),
          model,
          ...(yesterday ? { previousSegmentsFile: fileOf(yesterday, SEGMENTS_FILE) } : {}),
          hysteresisDelta: resources.config.hysteresisDelta,
          outputDir,
        }),
      )
      return { metadata: { ...(metadata as unknown as JsonObject), hysteresis_delta: resources.config.hysteresisDelta } }
    },
  })
}
