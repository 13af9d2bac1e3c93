import { quoteIdent, sqlStringList, type SqlEngine } from '../../framework/sql/index.js'
import { MODEL_FEATURES } from './segment-model-types.js'
import { expectRows, type TrainingWindow } from './segment-model-inputs.js'
import type { WindowFiles } from './segment-model-window-files.js'

/**
 * The window's training vectors as relations (seven features, CDI, row count), one per list of
 * groups files: each week_stats or day of feature_stats as it is. They are not grouped again
 * across the window: on data shaped like real exports `avg_notional_90d` is almost unique per
 * customer, so a 90-day window at 1M customers holds ~50M groups either way, and the hash table of
 * that grouping took 20 s and 4 GiB of a 45 s model. Every use weighs a vector by its count, so the
 * sums are the same. Their counts must add up to the n of the statistics.
 */
export async function windowGroups(conn: SqlEngine, files: WindowFiles, n: number, window: TrainingWindow): Promise<string[]> {
  const columns = [...MODEL_FEATURES.map(quoteIdent), 'cdi'].join(', ')
  const [row] = await conn.all<{ n: bigint | null }>(`SELECT CAST(sum(n) AS BIGINT) AS n FROM read_parquet(${sqlStringList(files.groups.flat())})`)
  expectRows(row?.n ?? 0n, n, files.weeks > 0 ? 'the week_stats and feature_stats groups' : 'the feature_stats groups', 'their statistics count', window)
  return files.groups.map((list) => `(SELECT ${columns}, n FROM read_parquet(${sqlStringList(list)}))`)
}
