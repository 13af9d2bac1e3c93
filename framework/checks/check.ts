import type { JsonObject } from '../definitions/json.js'
import type { SqlEngine } from '../sql/index.js'

/** What a check sees: the partition's committed or staged output, and a DuckDB to query it. */
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
 * steps, in this run and later ones, until the partition is rebuilt and passes.
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
