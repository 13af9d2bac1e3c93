import type { DateKey } from './date-key.js'

/**
 * A partition key: a date for daily and weekly assets (weekly: the Monday), `all` when
 * unpartitioned. What `--partition` names on the command line and `context.partition` holds.
 *
 * @example
 * async materialize({ partition, outputDir, resources }) {
 *   const key: PartitionKey = partition // '2026-11-02'
 *   const csv = join(import.meta.dirname, 'orders', `${key}.csv`)
 *   await resources.sql.run(`COPY (SELECT * FROM read_csv(${sqlString(csv)})) TO ${sqlString(join(outputDir, 'orders.parquet'))} (FORMAT parquet)`)
 *   return {}
 * }
 */
export type PartitionKey = string

/** The one key of an unpartitioned asset. */
export const UNPARTITIONED_KEY: PartitionKey = 'all'

/**
 * How an asset is split into partitions. Immutable; `kind` tags the variant.
 * Keys outside the definition are never produced by its methods. Build one with `daily`,
 * `weekly` or `unpartitioned`; share one value among the assets that are partitioned alike.
 *
 * @example
 * const partitions: PartitionsDefinition = daily({ start: '2026-11-01', end: '2026-11-02' })
 * partitions.keysInRange('2026-10-01', '2026-12-31') // ['2026-11-01', '2026-11-02']
 * partitions.pathSegment('2026-11-02') // 'dt=2026-11-02'
 * partitions.describe() // 'daily from 2026-11-01 to 2026-11-02'
 */
export interface PartitionsDefinition {
  readonly kind: 'daily' | 'weekly' | 'unpartitioned'
  /** First key (daily: a date; weekly: a Monday). Undefined for unpartitioned. */
  readonly start?: DateKey
  /** Last key allowed, inclusive, when the definition is bounded. */
  readonly end?: DateKey
  /** True when `key` is well formed and inside [start, end]. */
  contains(key: PartitionKey): boolean
  /**
   * Validate a user-supplied key: throws StrataError('partition') naming the key, the asset's
   * start/end and the fix. `asset` is used in the message.
   */
  validateKey(key: string, asset: string): PartitionKey
  /**
   * The keys of this definition that overlap the date range [from, to], clipped to start/end.
   * Weekly: every week (Monday key) whose seven days overlap the range.
   */
  keysInRange(from: DateKey, to: DateKey): PartitionKey[]
  /** The first day and last day a key covers (weekly: Monday..Sunday). */
  daysOf(key: PartitionKey): { from: DateKey; to: DateKey }
  /** The Hive-style path segment for a key: `dt=2026-03-01`, `week=2026-03-02`, `all`. */
  pathSegment(key: PartitionKey): string
  /** e.g. "daily from 2026-01-01", "weekly (Mondays) from 2026-01-05", "unpartitioned". */
  describe(): string
}
