// SQL text for the few places where a value cannot be a bound parameter (identifiers, file paths
// in COPY and read_*). Everything else is bound.

/** Quote an identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** A SQL string literal, for the few places the engine takes no parameter (file paths in COPY / read_*). */
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
 * partition, not a column of its rows.
 */
export function readParquet(files: readonly string[]): string {
  return `read_parquet(${sqlStringList(files)}, hive_partitioning = false, union_by_name = true)`
}
