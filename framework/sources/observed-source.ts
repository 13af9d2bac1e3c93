/**
 * An observed source: data the engine does not build but reads, such as a landing zone of daily
 * files. Like Dagster's observable source assets, it has versions: the engine lists it cheaply
 * when it plans, and an asset that reads it records what it read, so a changed, added or removed
 * file makes that asset's partition stale.
 */

/** One file of a source partition as listed, and (once read) its content hash. */
export interface SourceFile {
  /** The file name within the partition, e.g. `trades.csv.gz`. */
  readonly name: string
  readonly bytes: number
  /** Last modification time (ISO), from the file system or S3's LastModified. */
  readonly modified: string
  /** S3's ETag, when the source is on S3. */
  readonly etag?: string
  /** Lowercase hex sha256 of the content; absent when only listed. */
  readonly sha256?: string
}

/** What a source partition held: its files, sorted by name. Recorded in the manifest of the asset that read it. */
export interface SourceVersion {
  /** The source's name, e.g. `landing`. */
  readonly source: string
  readonly files: readonly SourceFile[]
}

/**
 * The port a source implements (resources fill it: a local folder, an S3 prefix). Partition keys
 * are the reading asset's keys (for the landing: the ingest day).
 */
export interface ObservedSource {
  readonly name: string
  /** For messages: the folder or `s3://` URL. */
  readonly location: string
  /**
   * The files of each partition, without reading them: one listing per partition locally, a few
   * ListObjectsV2 pages on S3. A partition with no files maps to an empty list.
   */
  list(partitions: readonly string[]): Promise<ReadonlyMap<string, readonly SourceFile[]>>
  /** The sha256 of one listed file's content. */
  hash(partition: string, name: string): Promise<string>
}
