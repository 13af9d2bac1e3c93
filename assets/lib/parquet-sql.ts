import { sqlString } from '../../framework/sql/index.js'

/** A Parquet file as a SQL table expression. */
export function parquet(file: string): string {
  return `read_parquet(${sqlString(file)})`
}

/** One row, `rows`: the rows of a Parquet file. */
export function rowCountSql(file: string): string {
  return `SELECT count(*) AS rows FROM ${parquet(file)}`
}
