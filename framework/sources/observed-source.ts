/**
 * An observed source: data the engine does not build but reads, such as a landing zone of daily
 * files. Like Dagster's observable source assets, it has versions: the engine lists it cheaply
 * when it plans, and an asset that reads it records what it read, so a changed, added or removed
 * file makes that asset's partition stale.
 */

/**
 * One file of a source partition as listed, and (once read) its content hash. Size, time and
 * ETag are cheap to list, so planning compares those; a file is hashed when a step reads it, and
 * at planning only when it kept its size but its time or ETag changed, so a touched file with
 * the same bytes makes nothing stale.
 *
 * @example
 * const info = await stat(join(folder, 'trades.csv.gz'))
 * const file: SourceFile = { name: 'trades.csv.gz', bytes: info.size, modified: info.mtime.toISOString() }
 */
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
 * are the reading asset's keys (for the landing: the ingest day). Give it to the asset that
 * reads it as `source`; a re-delivered file then makes that partition stale.
 *
 * @example
 * // orders/<day>.csv, one file a day
 * const folder = join(import.meta.dirname, 'orders')
 * const ordersFolder: ObservedSource = {
 *   name: 'orders_csv',
 *   location: folder,
 *   async list(days) {
 *     const listed = new Map<string, SourceFile[]>()
 *     for (const day of days) {
 *       const info = await stat(join(folder, `${day}.csv`)).catch(() => undefined)
 *       listed.set(day, info ? [{ name: `${day}.csv`, bytes: info.size, modified: info.mtime.toISOString() }] : [])
 *     }
 *     return listed
 *   },
 *   async hash(day, name) {
 *     return createHash('sha256').update(await readFile(join(folder, name))).digest('hex')
 *   },
 * }
 * const orders = defineAsset({ key: 'orders', description: "The day's orders, typed", partitions, source: ordersFolder, codeVersion: '1', materialize: loadOrders })
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
