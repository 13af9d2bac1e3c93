import path from 'node:path'
import { quoteIdent, sqlStringList, type SqlEngine } from '../../framework/sql/index.js'
import { FEATURE_GROUPS_FILE } from './feature-stats.js'
import { MODEL_FEATURES } from './segment-model-types.js'
import { expectRows, type FeatureStatsPartition, type TrainingWindow } from './segment-model-inputs.js'

/** The temp table of the window's distinct vectors: the seven features, cdi, n (training rows). */
export const WINDOW_GROUPS = 'segment_model_groups'

/**
 * The window's feature_stats groups (seven features, CDI, row count) summed again over the days,
 * into WINDOW_GROUPS; their counts must add up to the n of the statistics.
 */
export async function createWindowGroups(conn: SqlEngine, stats: readonly FeatureStatsPartition[], n: number, window: TrainingWindow): Promise<void> {
  const columns = [...MODEL_FEATURES.map(quoteIdent), 'cdi'].join(', ')
  const files = sqlStringList(stats.map((s) => path.join(s.dir, FEATURE_GROUPS_FILE)))
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${WINDOW_GROUPS} AS SELECT ${columns}, CAST(sum(n) AS BIGINT) AS n FROM read_parquet(${files}) GROUP BY ALL`)
  const [row] = await conn.all<{ n: bigint | null }>(`SELECT CAST(sum(n) AS BIGINT) AS n FROM ${WINDOW_GROUPS}`)
  expectRows(row?.n ?? 0n, n, 'the feature_stats groups', 'their statistics count', window)
}
