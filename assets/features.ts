import { defineAsset, type JsonObject } from '../framework/definitions/index.js'
import { daily, sameDay } from '../framework/partitions/index.js'
import { uniqueKey } from '../framework/checks/index.js'
import { withConnection, type CdiResources } from './cdi-resources.js'
import type { CdiConfig } from './cdi-config.js'
import { fileOf, single } from './input-files.js'
import { WINDOW_FILE } from './lib/activity-window.js'
import { FEATURES_FILE, materializeFeatures } from './lib/features.js'

/** features(D): one row per customer of the snapshot of D, windows of 30 and 90 days (SPEC §3). */
export function featuresAsset(config: CdiConfig) {
  return defineAsset<CdiResources>({
    key: 'features',
    description: 'One row per customer in the snapshot of D with the SPEC §3 features (30/90-day windows by event date).',
    partitions: daily({ start: config.firstDay }),
    deps: {
      window: { asset: 'activity_window', mapping: sameDay() },
      curated: sameDay(),
    },
    codeVersion: 'features-v4',
    checks: [uniqueKey('customer_id')],
    freshness: { dueBy: '03:00Z' },
    async materialize({ partition, inputs, outputDir, resources }) {
      const curated = single(inputs, 'curated')
      const windowFile = fileOf(single(inputs, 'window'), WINDOW_FILE)
      const metadata = await withConnection(resources, (db) =>
        materializeFeatures({ db, day: partition, windowFile, customersFile: fileOf(curated, 'customers.parquet'), statementsFile: fileOf(curated, 'statements.parquet'), outputDir }),
      )
      return { metadata: metadata as unknown as JsonObject }
    },
  })
}

export { FEATURES_FILE }
