import { defineAsset, type JsonObject } from '../framework/definitions/index.js'
import { daily, sameDay } from '../framework/partitions/index.js'
import { notNull, uniqueKey, valuesBetween } from '../framework/checks/index.js'
import { withConnection, type CdiResources } from './cdi-resources.js'
import type { CdiConfig } from './cdi-config.js'
import { fileOf, single } from './input-files.js'
import { FEATURES_FILE } from './lib/features.js'
import { materializeCdiScores } from './lib/cdi.js'

/** cdi_scores(D): CDI 0..100 per customer with its four components (SPEC §4). */
export function cdiScoresAsset(config: CdiConfig) {
  return defineAsset<CdiResources>({
    key: 'cdi_scores',
    description: 'CDI 0..100 per customer, with its four components (SPEC §4).',
    partitions: daily({ start: config.firstDay }),
    deps: { features: sameDay() },
    codeVersion: 'cdi-v1',
    checks: [uniqueKey('customer_id'), notNull('cdi'), valuesBetween('cdi', 0, 100)],
    freshness: { dueBy: '03:00Z' },
    async materialize({ inputs, outputDir, resources }) {
      const features = fileOf(single(inputs, 'features'), FEATURES_FILE)
      const metadata = await withConnection(resources, (db) => materializeCdiScores({ db, featuresFile: features, outputDir }))
      return { metadata: metadata as unknown as JsonObject }
    },
  })
}
