import { existsSync } from 'node:fs'
import { StrataError } from '../../framework/errors/index.js'
import { sqlStringList, type SqlEngine } from '../../framework/sql/index.js'

export interface FeaturePartition {
  /** The daily partition key, YYYY-MM-DD. */
  readonly partition: string
  /** Its features.parquet. */
  readonly file: string
}

export interface FeatureStatsPartition {
  /** The daily partition key, YYYY-MM-DD. */
  readonly partition: string
  /** The feature_stats partition folder (stats.json, sample.parquet and groups.parquet are read). */
  readonly dir: string
}


export interface TrainingWindow {
  readonly from: string
  readonly to: string
}

/** The window's partitions, sorted; fails when there are none, or when the caller passed any outside the window. */
export function checkPartitions(features: readonly FeaturePartition[], window: TrainingWindow): FeaturePartition[] {
  const label = `${window.from} .. ${window.to}`
  if (features.length === 0) {
    throw new StrataError(
      'input',
      `segment_model: no features partitions in the training window ${label}`,
      `Materialize features for at least one day in ${label} (e.g. strata materialize features --from ${window.from} --to ${window.to}), then rerun segment_model.`,
    )
  }
  const sorted = [...features].sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0))
  sorted.forEach((p, i) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(p.partition) || p.partition < window.from || p.partition > window.to) {
      throw new StrataError('input', `segment_model: features partition "${p.partition}" is outside the training window ${label}`, 'Pass only the features partitions of the window.')
    }
    if (i > 0 && sorted[i - 1]!.partition === p.partition) {
      throw new StrataError('input', `segment_model: features partition ${p.partition} is given twice`, 'Pass each features partition of the window once.')
    }
    if (!p.file.includes('://') && !existsSync(p.file)) {
      throw new StrataError('input', `segment_model: features file ${p.file} (partition ${p.partition}) does not exist`, `Rebuild features for ${p.partition}.`)
    }
  })
  if (new Set(sorted.map((p) => p.file)).size !== sorted.length) {
    throw new StrataError('input', `segment_model: two features partitions of ${label} share a file`, 'Pass each partition with its own features.parquet.')
  }
  return sorted
}

/** The feature_stats partitions, sorted; they must be exactly the days of the features partitions. */
export function checkStats(stats: readonly FeatureStatsPartition[], features: readonly FeaturePartition[], window: TrainingWindow): FeatureStatsPartition[] {
  const sorted = [...stats].sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0))
  const want = features.map((p) => p.partition).join(',')
  if (sorted.map((p) => p.partition).join(',') !== want) {
    const have = new Set(sorted.map((p) => p.partition))
    const missing = features.filter((p) => !have.has(p.partition)).map((p) => p.partition)
    throw new StrataError(
      'input',
      `segment_model: the feature_stats partitions of ${window.from} .. ${window.to} do not match its features partitions${missing.length > 0 ? ` (missing ${missing.join(', ')})` : ''}`,
      `Materialize feature_stats for the window (strata materialize feature_stats --from ${window.from} --to ${window.to}), then rerun segment_model.`,
    )
  }
  return sorted
}

/**
 * The features files must hold the rows the feature_stats partitions describe (a feature_stats
 * partition left over from an older features file would otherwise go unnoticed, since the model
 * reads only feature_stats). Parquet row counts come from the file footers.
 */
export async function checkFeatureRows(conn: SqlEngine, partitions: readonly FeaturePartition[], n: number, window: TrainingWindow): Promise<void> {
  const [row] = await conn.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${sqlStringList(partitions.map((p) => p.file))})`)
  expectRows(row?.n ?? 0n, n, 'the features files', 'their feature_stats count', window)
}

/** Refuses a window whose files disagree with the row count of its feature_stats. */
export function expectRows(rows: bigint, n: number, what: string, counted: string, window: TrainingWindow): void {
  if (rows === BigInt(n)) return
  throw new StrataError(
    'corrupt',
    `segment_model: ${what} of ${window.from} .. ${window.to} hold ${rows} rows, but ${counted} ${n}`,
    `Rebuild feature_stats for the window (strata materialize feature_stats --from ${window.from} --to ${window.to} --force).`,
  )
}
