/** One column of a catalog table, in Glue/Hive types. */
export interface CatalogColumn {
  readonly name: string
  readonly type: string
}

/**
 * How the table's files are found. `parquet`: every Parquet file in the (partition) location.
 * `parquet-symlink`: the location holds a text manifest listing the Parquet files, so one
 * table of a multi-table partition folder reads only its own file.
 */
export type CatalogFormat = 'parquet' | 'parquet-symlink'

/** A table the catalog should hold, described without any SDK types. */
export interface CatalogTable {
  readonly name: string
  readonly description: string
  readonly columns: readonly CatalogColumn[]
  /** `dt` (daily), `week` (weekly), or none for an unpartitioned asset. */
  readonly partitionKey?: 'dt' | 'week'
  /** `s3://…/` folder; for an unpartitioned table the committed folder itself. */
  readonly location: string
  readonly format: CatalogFormat
  readonly parameters: Readonly<Record<string, string>>
}

/** One partition of a partitioned table. */
export interface CatalogPartition {
  /** The partition key, e.g. `2026-03-01`. */
  readonly value: string
  /** `s3://…/` folder holding the partition's files (or its symlink manifest). */
  readonly location: string
  readonly columns: readonly CatalogColumn[]
  readonly format: CatalogFormat
}

export type CatalogOutcome = 'created' | 'updated' | 'unchanged'

/**
 * The narrow surface the engine needs from a metadata catalog (the Glue implementation is
 * `resources/glue-catalog.ts`). Every call is idempotent: it creates what is missing, updates
 * what differs and leaves equal entries alone.
 */
export interface CatalogClient {
  /** The catalog's database, for messages. */
  readonly database: string
  ensureTable(table: CatalogTable): Promise<CatalogOutcome>
  /** Per partition, in order. */
  ensurePartitions(table: CatalogTable, partitions: readonly CatalogPartition[]): Promise<CatalogOutcome[]>
  /** Write a small text object (a symlink manifest) at an `s3://` URI. */
  writeText(uri: string, body: string): Promise<void>
}
