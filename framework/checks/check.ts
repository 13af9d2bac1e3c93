import type { JsonObject } from '../definitions/json.js'
import type { SqlEngine } from '../sql/index.js'

/**
 * What a check sees: the partition's committed or staged output, its metadata, and a DuckDB to
 * query it. The same context serves a check run after `materialize` and one `strata check`
 * re-runs on a committed partition, so a check does not need to know which.
 *
 * @example
 * async run({ parquetFiles, duckdb }: CheckContext) {
 *   const [row] = await duckdb.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${readParquet(parquetFiles)} WHERE amount < 0`)
 *   const n = Number(row?.n ?? 0)
 *   return n === 0 ? { passed: true, message: 'no negative amounts' } : { passed: false, failingCount: n, message: `${n} orders have a negative amount` }
 * }
 */
export interface CheckContext {
  readonly asset: string
  readonly partition: string
  /** Local folder holding the partition's files (Parquet files and/or JSON documents). */
  readonly dir: string
  /** Parquet files of the partition, in that folder, for `read_parquet([...])`. */
  readonly parquetFiles: readonly string[]
  readonly metadata: JsonObject
  readonly duckdb: SqlEngine
}

/**
 * The outcome of one check on one partition, as recorded in the manifest and printed by
 * `strata check`: passed or not, a sentence on what was found, and for a
 * failure how many rows failed and a few of them to look at. A check's `run` returns it without
 * `name`, `severity` and `blocking`, which the engine copies from the check.
 *
 * @example
 * const result: CheckResult = {
 *   name: 'not_null_order_id',
 *   passed: false,
 *   severity: 'error',
 *   blocking: true,
 *   message: '2 rows have a null order_id',
 *   failingCount: 2,
 *   sample: [{ order_id: null, customer: 'alice', amount: 12.5 }],
 * }
 */
export interface CheckResult {
  readonly name: string
  readonly passed: boolean
  readonly severity: 'warn' | 'error'
  readonly blocking: boolean
  /** One sentence: what was checked and what was found. */
  readonly message: string
  /** How many rows (or items) failed, when that is meaningful. */
  readonly failingCount?: number
  /** A few failing rows or values, for the user to look at. */
  readonly sample?: JsonObject[]
}

/**
 * An asset check. Blocking checks at severity `error` that fail stop the partition's downstream
 * steps, in this run and later ones, until the partition is rebuilt and passes. The built-in
 * ones (`notNull`, `uniqueKey`, `acceptedValues`, `valuesBetween`, `rowCountAtLeast`,
 * `customSql`, `jsonSchema`, `reconciliation`) are factories of this; write one by hand when a
 * rule reads the metadata rather than the rows.
 *
 * @example
 * // raw: at most 5% of a day's rows may be quarantined
 * const quarantineRate: AssetCheck = {
 *   name: 'quarantine_rate',
 *   description: 'quarantined / rows read ≤ 0.05',
 *   severity: 'error',
 *   blocking: true,
 *   async run({ metadata }) {
 *     const rate = Number(metadata.quarantined) / Math.max(1, Number(metadata.rows_read))
 *     return rate <= 0.05 ? { passed: true, message: `${(rate * 100).toFixed(2)}% quarantined` } : { passed: false, failingCount: 1, message: `${(rate * 100).toFixed(2)}% quarantined, over 5%` }
 *   },
 * }
 */
export interface AssetCheck {
  readonly name: string
  readonly severity: 'warn' | 'error'
  readonly blocking: boolean
  readonly description: string
  run(context: CheckContext): Promise<Omit<CheckResult, 'name' | 'severity' | 'blocking'>>
}

/** True when a result must stop downstream work. */
export function blocks(result: CheckResult): boolean {
  return !result.passed && result.blocking && result.severity === 'error'
}
