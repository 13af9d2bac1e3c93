import path from 'node:path'
import { sqlString, type SqlEngine } from '../../framework/sql/index.js'

export type Cell = string | number | boolean | null
export type Column = readonly [name: string, type: string]

/** customer_id and the seven model features, typed as features.parquet has them. */
export const FEATURE_COLUMNS: readonly Column[] = [
  ['customer_id', 'VARCHAR'],
  ['pct_trades_digital_90d', 'DOUBLE'],
  ['app_logins_30d', 'BIGINT'],
  ['e_statement_flag', 'INTEGER'],
  ['robo_advice_flag', 'INTEGER'],
  ['webinars_90d', 'BIGINT'],
  ['pct_tickets_resolved_digital_90d', 'DOUBLE'],
  ['avg_notional_90d', 'DOUBLE'],
]

/**
 * A writer of small typed Parquet files (through DuckDB COPY with bound values) into `dir`,
 * named f0.parquet, f1.parquet, … unless a file is given.
 */
export function parquetWriter(db: () => SqlEngine, dir: () => string) {
  let fileNo = 0
  return async function writeParquet(columns: readonly Column[], rows: readonly (readonly Cell[])[], file = path.join(dir(), `f${fileNo++}.parquet`)): Promise<string> {
    const params: Cell[] = []
    const select =
      rows.length === 0
        ? `SELECT ${columns.map(([n, t]) => `CAST(NULL AS ${t}) AS ${n}`).join(', ')} WHERE FALSE`
        : rows
            .map((row) => `SELECT ${columns.map(([n, t], i) => { params.push(row[i] ?? null); return `CAST($${params.length} AS ${t}) AS ${n}` }).join(', ')}`)
            .join(' UNION ALL ')
    await db().run(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet)`, params)
    return file
  }
}
