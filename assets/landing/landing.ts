import type { ObservedSource } from '../../framework/sources/index.js'
import type { TableName } from '../lib/tables.js'

/** One landed file, readable on local disk (a remote landing downloads it first). */
export interface LandingFile {
  /** The file name as landed, e.g. `trades.csv.gz`. */
  readonly name: string
  readonly localPath: string
  readonly gzip: boolean
}

/**
 * Where the daily landing folders live (SPEC §1): `<location>/ingest_date=YYYY-MM-DD/<table>.csv[.gz]`.
 * `raw` sees only this surface, so local folders and S3 are interchangeable.
 */
export interface Landing extends ObservedSource {
  /** The root, as users write it (a folder or an `s3://` URL); used in messages. */
  readonly location: string
  /** The ingest days present, sorted ascending; folders that are not `ingest_date=<real date>` are ignored. */
  listDays(): Promise<string[]>
  /** The file of `table` for `day`, or undefined when neither `<table>.csv` nor `<table>.csv.gz` is there. */
  file(day: string, table: TableName): Promise<LandingFile | undefined>
}
