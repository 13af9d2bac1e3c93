import { quoteIdent, readParquet, type SqlParams } from '../../sql/index.js'
import type { AssetCheck, CheckContext } from '../check.js'
import type { JsonObject } from '../../definitions/json.js'
import { StrataError } from '../../errors/index.js'

/**
 * Options every built-in check takes. By default a check is severity `error` and blocking: the
 * partition is still committed (nothing is lost), but its downstream steps wait until it is
 * rebuilt and passes. `severity: 'warn'` or `blocking: false` makes it a report that lets the
 * data through.
 *
 * @example
 * const advisory: CheckOptions = { severity: 'warn', blocking: false }
 * checks: [notNull('customer', advisory), uniqueKey('trade_id', { file: 'trades.parquet' })]
 */
export interface CheckOptions {
  /** `error` (default) or `warn`: how a failure is reported. */
  readonly severity?: 'warn' | 'error'
  /** Default true: with severity `error`, a failure stops the partition's downstream steps. */
  readonly blocking?: boolean
  /** Which Parquet file of a multi-table partition, e.g. `trades.parquet`; default: all of them. */
  readonly file?: string
}

/** The partition's rows as a SQL relation (a `read_parquet` over its files). */
export function relationOf(context: CheckContext, file?: string): string {
  const files = file ? context.parquetFiles.filter((path) => path.endsWith(`/${file}`)) : context.parquetFiles
  if (files.length === 0) {
    throw new StrataError('check', `no Parquet file${file ? ` named ${file}` : ''} in ${context.asset}(${context.partition})`, file ? `Check the file option of the check: the partition holds ${context.parquetFiles.map((path) => path.split('/').pop()).join(', ') || 'no Parquet files'}.` : 'A SQL check needs Parquet output; use jsonSchema or reconciliation for JSON-only assets.')
  }
  return readParquet(files)
}

/**
 * A check whose SQL selects the failing rows: it passes when there are none. Set-based in
 * DuckDB, never row by row in JavaScript; `sample` keeps five failing rows for the user.
 */
export function failingRowsCheck(
  name: string,
  description: string,
  options: CheckOptions,
  buildSql: (relation: string) => { sql: string; params?: SqlParams },
  passMessage: string,
  failMessage: (count: number) => string,
): AssetCheck {
  return {
    name,
    description,
    severity: options.severity ?? 'error',
    blocking: options.blocking ?? true,
    async run(context) {
      const { sql, params } = buildSql(relationOf(context, options.file))
      const [count] = await context.duckdb.all<{ n: bigint }>(`SELECT count(*) AS n FROM (${sql}) failing`, params)
      const n = Number(count?.n ?? 0)
      if (n === 0) return { passed: true, message: passMessage }
      const sample = await context.duckdb.json<JsonObject>(`SELECT * FROM (${sql}) failing LIMIT 5`, params)
      return { passed: false, failingCount: n, sample, message: failMessage(n) }
    },
  }
}

export { quoteIdent }
