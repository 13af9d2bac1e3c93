import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { open, rm, stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { StrataError } from '../framework/errors/index.js'
import type { DownloadDigest, ObjectInfo, ObjectStore, ObjectStoreOptions } from '../framework/storage/object-store.js'
import { createS3Client, type S3ClientOptions } from './s3-client.js'
import { sseParameters, type SseParameters } from './s3-encryption.js'
import { isNotFound, s3Error, sdkError, statusOf } from './s3-errors.js'
import { parseS3Url, s3Url, type S3Location } from './s3-location.js'
import { MULTIPART_THRESHOLD, PART_SIZE, uploadMultipart } from './s3-multipart.js'

type Env = Readonly<Record<string, string | undefined>>

const DELETE_BATCH = 1000
/** Reads of a response body cut off mid-way, which the SDK does not retry. */
const BODY_ATTEMPTS = 3

/** Options of {@link S3ObjectStore}: the encryption of writes; the thresholds are for tests. */
export interface S3ObjectStoreOptions extends ObjectStoreOptions {
  readonly multipartThreshold?: number
  readonly partSize?: number
  /** Keys per ListObjectsV2 page (default 1000, the S3 maximum). */
  readonly pageSize?: number
}

const KEY_SEGMENT = /^[A-Za-z0-9_.=-]+$/

/** Last line of defence: keys the store builds must be plain relative segments. */
function assertKey(key: string, kind: 'key' | 'prefix'): void {
  const parts = key.split('/')
  if (kind === 'prefix') {
    if (key === '') return
    if (parts[parts.length - 1] === '') parts.pop()
  }
  if (key.length > 900 || parts.length === 0 || !parts.every((part, i) => (KEY_SEGMENT.test(part) && part !== '.' && part !== '..') || (kind === 'prefix' && i === parts.length - 1 && /^[A-Za-z0-9_.=-]*$/.test(part)))) {
    throw new StrataError('storage', `refusing to use the object ${kind} ${JSON.stringify(key.slice(0, 120))}: not a plain relative key`, 'This is a bug in Strata; please report it.')
  }
}

/**
 * {@link ObjectStore} over one S3 bucket and prefix.
 *
 * @example
 * const store = openObjectStore('s3://my-bucket/strata', { env: process.env })
 * await store.put('_strata/docs/hello.json', '{"hi":1}')
 */
export class S3ObjectStore implements ObjectStore {
  readonly location: string
  private readonly multipartThreshold: number
  private readonly partSize: number
  private readonly pageSize: number
  /** The SSE parameters of every PutObject and CreateMultipartUpload (UploadPart takes none for SSE-S3/KMS). */
  private readonly sse: SseParameters

  constructor(
    private readonly client: S3Client,
    readonly root: S3Location,
    options: S3ObjectStoreOptions = {},
  ) {
    this.location = s3Url(root)
    this.multipartThreshold = options.multipartThreshold ?? MULTIPART_THRESHOLD
    this.partSize = options.partSize ?? PART_SIZE
    this.pageSize = options.pageSize ?? 1000
    this.sse = sseParameters(options.encryption)
  }

  async get(key: string): Promise<Buffer | undefined> {
    const url = this.urlOf(key)
    // The SDK retries a request, not the reading of a body cut off mid-way: that is retried here.
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.client.send(new GetObjectCommand({ Bucket: this.root.bucket, Key: this.keyOf(key) }))
        if (response.Body === undefined) return Buffer.alloc(0)
        return Buffer.from(await response.Body.transformToByteArray())
      } catch (error) {
        if (isNotFound(error)) return undefined
        if (attempt < BODY_ATTEMPTS && statusOf(error) === undefined) continue
        throw this.error('read', url, error)
      }
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.root.bucket, Key: this.keyOf(key) }))
      return { key, size: response.ContentLength ?? 0, lastModified: response.LastModified ?? new Date(0), etag: response.ETag ?? '' }
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw this.error('inspect', this.urlOf(key), error)
    }
  }

  async download(key: string, localPath: string): Promise<DownloadDigest | undefined> {
    // A body cut off mid-way (the SDK does not retry those) is downloaded again from the start.
    for (let attempt = 1; ; attempt++) {
      const result = await this.downloadOnce(key, localPath)
      if (!(result instanceof StrataError)) return result
      if (attempt >= BODY_ATTEMPTS) throw result
    }
  }

  /** One download; a body that broke off is returned as its error (to retry), anything else is thrown. */
  private async downloadOnce(key: string, localPath: string): Promise<DownloadDigest | undefined | StrataError> {
    const url = this.urlOf(key)
    let body: Readable
    let expected: number | undefined
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.root.bucket, Key: this.keyOf(key) }))
      body = response.Body as Readable
      expected = response.ContentLength
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw this.error('download', url, error)
    }
    const hash = createHash('sha256')
    let bytes = 0
    try {
      await pipeline(
        body,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk)
            bytes += chunk.length
            yield chunk
          }
        },
        createWriteStream(localPath),
      )
    } catch (error) {
      await rm(localPath, { force: true }).catch(() => undefined)
      return this.error(`download to ${localPath}`, url, error)
    }
    if (expected !== undefined && bytes !== expected) {
      await rm(localPath, { force: true })
      return new StrataError('aws', `download of ${url} stopped after ${bytes} of ${expected} bytes`, 'Check the network, then retry.')
    }
    return { bytes, sha256: hash.digest('hex') }
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.root.bucket, Key: this.keyOf(key), Body: body, ...this.sse }))
    } catch (error) {
      throw this.error('write', this.urlOf(key), error)
    }
  }

  async putIfAbsent(key: string, body: Buffer | string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new PutObjectCommand({ Bucket: this.root.bucket, Key: this.keyOf(key), Body: body, IfNoneMatch: '*', ...this.sse }))
        return true
      } catch (error) {
        if (statusOf(error) === 412 || sdkError(error).name === 'PreconditionFailed') return false
        // 409 ConditionalRequestConflict: a concurrent conditional write; S3 asks to retry.
        if (statusOf(error) === 409 && attempt < 4) {
          await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt))
          continue
        }
        throw this.error('write', this.urlOf(key), error)
      }
    }
  }

  /**
   * Whether the server honours `If-None-Match: *` on PUT (real S3 does since 2024; s3rver 3 does
   * not). Probes with a throw-away object under `_strata/probe/`, which it deletes again.
   */
  async supportsConditionalWrites(): Promise<boolean> {
    const key = `_strata/probe/${Date.now()}-${randomBytes(4).toString('hex')}`
    try {
      await this.putIfAbsent(key, 'first')
      return !(await this.putIfAbsent(key, 'second'))
    } finally {
      await this.delete([key])
    }
  }

  async upload(key: string, localPath: string): Promise<{ bytes: number }> {
    const url = this.urlOf(key)
    let size: number
    try {
      size = (await stat(localPath)).size
    } catch (error) {
      throw new StrataError('storage', `could not read ${localPath} to upload it to ${url}: ${(error as Error).message}`, 'Check that the file exists and is readable.', { cause: error })
    }
    // Buffers, not streams: the SDK can only retry a request whose body it can replay.
    if (size <= this.multipartThreshold) {
      const handle = await open(localPath, 'r')
      try {
        const body = await handle.readFile()
        if (body.length !== size) throw new StrataError('storage', `${localPath} changed size while it was uploaded to ${url}`, 'Do not modify staged files during a commit.')
        await this.put(key, body)
      } finally {
        await handle.close()
      }
      return { bytes: size }
    }
    await uploadMultipart({ client: this.client, bucket: this.root.bucket, key: this.keyOf(key), url, sse: this.sse, partSize: this.partSize }, localPath, size)
    return { bytes: size }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for await (const page of this.pages(prefix)) {
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || !object.Key.startsWith(this.rootPrefix())) continue
        yield { key: object.Key.slice(this.rootPrefix().length), size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0), etag: object.ETag ?? '' }
      }
    }
  }

  async *listPrefixes(prefix: string): AsyncIterable<string> {
    for await (const page of this.pages(prefix, '/')) {
      for (const common of page.CommonPrefixes ?? []) {
        if (common.Prefix !== undefined && common.Prefix.startsWith(this.rootPrefix())) yield common.Prefix.slice(this.rootPrefix().length)
      }
    }
  }

  /** The ListObjectsV2 pages under a prefix, following continuation tokens. */
  private async *pages(prefix: string, delimiter?: string): AsyncIterable<ListObjectsV2CommandOutput> {
    assertKey(prefix, 'prefix')
    const fullPrefix = this.keyOf(prefix, true)
    let token: string | undefined
    do {
      let page: ListObjectsV2CommandOutput
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.root.bucket,
            Prefix: fullPrefix,
            MaxKeys: this.pageSize,
            ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        )
      } catch (error) {
        throw this.error('list', this.urlOf(prefix, true), error)
      }
      yield page
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined
    } while (token !== undefined)
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH)
      const objects = batch.map((key) => ({ Key: this.keyOf(key) }))
      let response
      try {
        response = await this.client.send(new DeleteObjectsCommand({ Bucket: this.root.bucket, Delete: { Objects: objects, Quiet: true } }))
      } catch (error) {
        throw this.error(`delete ${batch.length} objects under`, this.location, error)
      }
      const failed = (response.Errors ?? []).filter((entry) => entry.Code !== 'NoSuchKey')
      const first = failed[0]
      if (first !== undefined) {
        const cause = { name: first.Code ?? 'DeleteFailed', message: first.Message ?? 'not deleted' }
        throw this.error(`delete ${failed.length} objects, e.g.`, `s3://${this.root.bucket}/${first.Key ?? '?'}`, cause)
      }
    }
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────

  private rootPrefix(): string {
    return this.root.prefix === '' ? '' : `${this.root.prefix}/`
  }

  private keyOf(key: string, isPrefix = false): string {
    assertKey(key, isPrefix ? 'prefix' : 'key')
    return `${this.rootPrefix()}${key}`
  }

  private urlOf(key: string, isPrefix = false): string {
    return isPrefix && key === '' ? `${this.location}/` : s3Url(this.root, key)
  }

  private error(what: string, url: string, error: unknown): StrataError {
    return s3Error(what, url, error)
  }
}

/** An {@link S3ObjectStore} for `s3://bucket/prefix`, with a client from {@link createS3Client}. */
export function openObjectStore(url: string, options: Omit<S3ClientOptions, 'env'> & { env: Env } & S3ObjectStoreOptions): S3ObjectStore {
  return new S3ObjectStore(createS3Client(options), parseS3Url(url), options)
}
