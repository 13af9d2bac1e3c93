import path from 'node:path'
import { quoteIdent, sqlStringList, type SqlEngine } from '../../framework/sql/index.js'
import { FEATURE_GROUPS_FILE } from './feature-stats.js'
import { MODEL_FEATURES } from './segment-model-types.js'
import { expectRows, type FeatureStatsPartition, type TrainingWindow } from './segment-model-inputs.js'

/** Days of groups per relation: about 0.6 s of the assignment pass each at 1M customers on 2 threads. */
const DAYS_PER_RELATION = 7

/**
 * The window's training vectors as a relation: each day's feature_stats groups (seven features,
 * CDI, row count), one day after another. They are not grouped again across days: on data shaped
 * like real exports `avg_notional_90d` is almost unique per customer, so a 90-day window at 1M
 * customers holds ~80M groups either way, and the hash table of that grouping took 20 s and
 * 4 GiB of a 45 s model. Every use weighs a vector by its count, so the sums are the same.
 * Their counts must add up to the n of the statistics.
 *
 * One relation per DAYS_PER_RELATION days, so that the pass over them is several statements: a
 * statement keeps the DuckDB threads it started with, and the Monday's model starts while the
 * day's other steps still hold half the cores (resources/thread-share.ts gives them back after).
 */
export async function windowGroups(conn: SqlEngine, stats: readonly FeatureStatsPartition[], n: number, window: TrainingWindow): Promise<string[]> {
  const columns = [...MODEL_FEATURES.map(quoteIdent), 'cdi'].join(', ')
  const files = sqlStringList(stats.map((s) => path.join(s.dir, FEATURE_GROUPS_FILE)))
  const [row] = await conn.all<{ n: bigint | null }>(`SELECT CAST(sum(n) AS BIGINT) AS n FROM read_parquet(${files})`)
  expectRows(row?.n ?? 0n, n, 'the feature_stats groups', 'their statistics count', window)
  const relations: string[] = []
  for (let i = 0; i < stats.length; i += DAYS_PER_RELATION) {
    const days = sqlStringList(stats.slice(i, i + DAYS_PER_RELATION).map((s) => path.join(s.dir, FEATURE_GROUPS_FILE)))
    relations.push(`(SELECT ${columns}, n FROM read_parquet(${days}))`)
  }
  return relations
}
