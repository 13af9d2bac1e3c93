/**
 * COPY options of a table file raw or curated writes, for a file of `rows` rows. On a large file a
 * column with more than 4096 distinct values is written PLAIN rather than dictionary-encoded:
 * DuckDB's default gives up on a unique id column (customers' and statements' customer_id, ~100k
 * values a day) only after hashing far more of it into a dictionary, a sixth of the COPY's CPU; at
 * 100k customers those files are byte-for-byte the same as with the default. A small file keeps the
 * default: an explicit limit also drops DuckDB's check that a dictionary pays off, so every column
 * of a day's trades would be dictionary-encoded (larger files). Values never depend on it.
 */
export function tableParquet(rows: number): string {
  return rows >= 50_000 ? 'FORMAT parquet, DICTIONARY_SIZE_LIMIT 4096' : 'FORMAT parquet'
}
