// The object storage the engine needs, rooted at one `s3://bucket/prefix`. Implemented in
// resources/s3-object-store.ts; the engine's S3 storage, locks and repair are written against this alone.

/** One listed object; `key` is relative to the store's root. */
export interface ObjectInfo {
  readonly key: string
  readonly size: number
  readonly lastModified: Date
  readonly etag: string
}

/** Size and sha256 of what was downloaded, computed while streaming. */
export interface DownloadDigest {
  readonly bytes: number
  readonly sha256: string
}

/**
 * The narrow object-storage surface Strata uses, rooted at `s3://bucket/prefix`: every key is
 * relative to that root and made of plain `/`-separated segments. Narrow on purpose: the
 * engine's S3 storage, locks and repair are written against these calls alone, so the SDK stays
 * in `resources/s3.ts` and the engine can be tested against any implementation.
 *
 * @example
 * const store: ObjectStore = await platform.openObjectStore('s3://my-bucket/exports', process.env)
 * await store.put('customer_totals/2026-11-02.json', JSON.stringify(totals))
 * for await (const object of store.list('customer_totals/')) log.info(`${object.key}: ${object.size} bytes`)
 * const first = await store.putIfAbsent('customer_totals/2026-11-02.done', runId) // false when another run wrote it
 */
export interface ObjectStore {
  /** `s3://bucket/prefix`. */
  readonly location: string
  /** The whole object (for small objects: manifests, documents), or undefined when missing. */
  get(key: string): Promise<Buffer | undefined>
  /** Size, time and ETag of an object, or undefined when missing. */
  head(key: string): Promise<ObjectInfo | undefined>
  /** Stream an object to `localPath` (overwritten); undefined when the object is missing. */
  download(key: string, localPath: string): Promise<DownloadDigest | undefined>
  /** One atomic PUT: readers see the old object or the new one. */
  put(key: string, body: Buffer | string): Promise<void>
  /** Upload a local file: one PUT up to 16 MiB, else multipart with 8 MiB parts (aborted on failure). */
  upload(key: string, localPath: string): Promise<{ bytes: number }>
  /** Every object whose key starts with `prefix` (`''` for all), in key order, paginated lazily. */
  list(prefix: string): AsyncIterable<ObjectInfo>
  /** The "folders" one level below `prefix` (which ends with `/` or is `''`), e.g. `ingest_date=2026-03-01/`. */
  listPrefixes(prefix: string): AsyncIterable<string>
  /** Delete objects (missing ones are fine), in batches of 1000. */
  delete(keys: readonly string[]): Promise<void>
  /**
   * Write only when no object has the key (`If-None-Match: *`); false when one exists. Real S3
   * honours this; some S3-compatible servers (s3rver) silently ignore it and always write; see
   * `supportsConditionalWrites` of the S3 implementation (resources/s3-object-store.ts).
   */
  putIfAbsent(key: string, body: Buffer | string): Promise<boolean>
}

/**
 * How S3 encrypts what Strata writes (`x-amz-server-side-encryption`): SSE-S3 (`AES256`) or
 * SSE-KMS (`aws:kms`, with the bucket's default key or `kmsKeyId`). Sent on every write, so a
 * bucket policy that denies unencrypted PutObject accepts Strata's commits.
 */
export interface ServerSideEncryption {
  readonly mode: 'AES256' | 'aws:kms'
  /** A KMS key id, ARN or alias; only with `aws:kms`. */
  readonly kmsKeyId?: string
}

/** How a store is opened beyond its location and environment. */
export interface ObjectStoreOptions {
  /** Applied to every PUT and multipart upload; none: the bucket's default encryption applies. */
  readonly encryption?: ServerSideEncryption
}
