// SQL text for the few places where a value cannot be a bound parameter (identifiers, file paths
// in COPY and read_*). Everything else is bound.

/**
 * Quote an identifier (a column or table name) for SQL text, doubling any `"` inside, for the
 * names a parameter cannot stand for.
 *
 * @example
 * const column = 'order id'
 * await db.all(`SELECT ${quoteIdent(column)} FROM ${readParquet(files)}`) // SELECT "order id" FROM …
 */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/**
 * A SQL string literal, for the few places the engine takes no parameter (file paths in COPY /
 * read_*): quotes doubled, and a NUL byte refused rather than passed to the engine.
 *
 * @example
 * await resources.sql.run(`COPY (SELECT * FROM read_csv(${sqlString(csv)}, header = true))
 *   TO ${sqlString(join(outputDir, 'orders.parquet'))} (FORMAT parquet)`)
 * sqlString("it's") // "'it''s'"
 */
export function sqlString(value: string): string {
  if (value.includes('\0')) throw new Error('NUL byte in SQL string literal')
  return `'${value.replace(/'/g, "''")}'`
}

/** A SQL list of string literals, e.g. for `read_parquet([...])`. */
export function sqlStringList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`
}

/**
 * `read_parquet([...])` over our own files. Hive partitioning is off: the `dt=` folder is the
 * partition, not a column of its rows. Columns are matched by name, so partitions written
 * before a column was added read together with newer ones.
 *
 * @example
 * const files = inputs.orders.flatMap((input) => input.parquetFiles)
 * await resources.sql.run(`COPY (SELECT customer, sum(amount) AS amount FROM ${readParquet(files)} GROUP BY customer ORDER BY customer)
 *   TO ${sqlString(join(outputDir, 'customer_totals.parquet'))} (FORMAT parquet)`)
 */
export function readParquet(files: readonly string[]): string {
  return `read_parquet(${sqlStringList(files)}, hive_partitioning = false, union_by_name = true)`
}
