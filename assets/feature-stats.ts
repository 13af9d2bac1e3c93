import { defineAsset, type JsonObject } from '../framework/definitions/index.js'
import { daily, sameDay } from '../framework/partitions/index.js'
import { withConnection, type CdiResources } from './cdi-resources.js'
import type { CdiConfig } from './cdi-config.js'
import { fileOf, single } from './input-files.js'
import { FEATURES_FILE } from './lib/features.js'
import { computeFeatureStats, FEATURE_GROUPS_FILE, FEATURE_SAMPLE_FILE, FEATURE_STATS_FILE, FEATURE_VALUES_FILE } from './lib/feature-stats.js'

/**
 * feature_stats(D): what the weekly segment model needs from features(D) that adds up over days
 * (exact moments, distinct-value counts, md5-first sample candidates, distinct model vectors), computed once per day
 * instead of once for each of the ~13 model weeks whose window holds D.
 */
export function featureStatsAsset(config: CdiConfig) {
  return defineAsset<CdiResources>({
    key: 'feature_stats',
    description: 'Per features partition: exact sufficient statistics of the 7 model features, their distinct-value counts, the md5-first k-means sample candidates and the distinct (features, CDI) vectors.',
    partitions: daily({ start: config.firstDay }),
    deps: { features: sameDay() },
    codeVersion: 'feature-stats-v2',
    async materialize({ partition, inputs, outputDir, resources }) {
      const features = single(inputs, 'features')
      const metadata = await withConnection(resources, (db) => computeFeatureStats({ db, partition, featuresFile: fileOf(features, FEATURES_FILE), outputDir }))
      return { metadata: metadata as unknown as JsonObject }
    },
  })
}

export { FEATURE_GROUPS_FILE, FEATURE_SAMPLE_FILE, FEATURE_STATS_FILE, FEATURE_VALUES_FILE }
