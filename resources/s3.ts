import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { open, rm, stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { StrataError } from '../framework/errors/index.js'
import { maxAttemptsOf, nonEmpty } from './aws-client-config.js'
import type { DownloadDigest, ObjectInfo, ObjectStore, ObjectStoreOptions, ServerSideEncryption } from '../framework/storage/object-store.js'

type Env = Readonly<Record<string, string | undefined>>

const MIB = 1024 * 1024
/** Files up to this size go up in one PUT; larger ones as a multipart upload. */
export const MULTIPART_THRESHOLD = 16 * MIB
/** Part size of multipart uploads (grown for files above 10 000 parts). */
export const PART_SIZE = 8 * MIB
const MAX_PARTS = 10_000
const PART_CONCURRENCY = 4
const DELETE_BATCH = 1000
/** Reads of a response body cut off mid-way, which the SDK does not retry. */
const BODY_ATTEMPTS = 3

// ── locations ─────────────────────────────────────────────────────────────────────────────

/** A parsed `s3://bucket/prefix`; `prefix` has no leading or trailing slash ('' for the bucket root). */
export interface S3Location {
  readonly bucket: string
  readonly prefix: string
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const PREFIX_SEGMENT = /^[A-Za-z0-9_.=-]+$/

/**
 * Parse `s3://bucket/prefix` strictly: a valid bucket name (not IP-like, no `..`), and a prefix
 * of plain segments (letters, digits, `_ . = -`, never `.` or `..`). StrataError('config') otherwise.
 *
 * @example
 * parseS3Url('s3://my-bucket/strata/prod/') // { bucket: 'my-bucket', prefix: 'strata/prod' }
 */
export function parseS3Url(url: string): S3Location {
  const bad = (why: string): StrataError =>
    new StrataError('config', `"${String(url).slice(0, 80)}" is not a valid S3 location: ${why}`, 'Use s3://bucket/prefix with a valid bucket name and a plain prefix (letters, digits, _ . = / -).')
  if (typeof url !== 'string' || !url.startsWith('s3://')) throw bad('it does not start with s3://')
  const rest = url.slice('s3://'.length)
  const slash = rest.indexOf('/')
  const bucket = slash === -1 ? rest : rest.slice(0, slash)
  if (!BUCKET.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) throw bad(`bucket name "${bucket.slice(0, 63)}" is invalid`)
  const segments = slash === -1 ? [] : rest.slice(slash + 1).split('/')
  while (segments.length > 0 && segments[segments.length - 1] === '') segments.pop()
  for (const segment of segments) {
    if (!PREFIX_SEGMENT.test(segment) || segment === '.' || segment === '..') throw bad(`prefix segment "${segment.slice(0, 40)}" is not plain`)
  }
  return { bucket, prefix: segments.join('/') }
}

/** `s3://bucket/prefix/key` for messages. */
export function s3Url(location: S3Location, key = ''): string {
  const path = [location.prefix, key].filter((part) => part !== '').join('/')
  return path === '' ? `s3://${location.bucket}` : `s3://${location.bucket}/${path}`
}

// ── client ────────────────────────────────────────────────────────────────────────────────

/** Options of {@link createS3Client}; anything not given comes from `env` and the SDK's own chain. */
export interface S3ClientOptions {
  /** The environment to read (the CLI passes its io env; the SDK also reads `process.env`). */
  readonly env: Env
  readonly region?: string
  /** An S3-compatible endpoint such as `http://127.0.0.1:9000`. */
  readonly endpoint?: string
  /** Bucket in the path (`http://host/bucket/key`), as most S3-compatible servers need. */
  readonly forcePathStyle?: boolean
}

function flag(env: Env, name: string): boolean | undefined {
  const value = env[name]
  if (value === undefined || value === '') return undefined
  if (/^(true|1|yes)$/i.test(value)) return true
  if (/^(false|0|no)$/i.test(value)) return false
  throw new StrataError('config', `${name}="${value.slice(0, 20)}" is not true or false`, `Set ${name}=true or ${name}=false.`)
}

/**
 * The only place an S3Client is created. Uses the SDK's standard configuration:
 * - credentials: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` from `env` when set
 *   there, otherwise the default provider chain (env, SSO, shared config/credentials files with
 *   `AWS_PROFILE`, web identity, ECS task role, EC2 instance role);
 * - region: option, `AWS_REGION`, `AWS_DEFAULT_REGION`, else the SDK (profile `region`);
 * - endpoint: option, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL` from `env` (the SDK itself also
 *   honours both from `process.env` and `endpoint_url` in the profile, unless
 *   `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`);
 * - `STRATA_S3_FORCE_PATH_STYLE=true` for S3-compatible servers;
 * - standard retry mode with `STRATA_S3_MAX_ATTEMPTS` attempts (default 5).
 * Credentials are never logged or put in error messages.
 */
export function createS3Client(options: S3ClientOptions): S3Client {
  const { env } = options
  const ignoreEndpoints = flag(env, 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS') === true
  const endpoint = options.endpoint ?? (ignoreEndpoints ? undefined : nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL))
  const region = options.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION)
  const forcePathStyle = options.forcePathStyle ?? flag(env, 'STRATA_S3_FORCE_PATH_STYLE')
  const config: S3ClientConfig = { maxAttempts: maxAttemptsOf(env, 'STRATA_S3_MAX_ATTEMPTS'), retryMode: 'standard' }
  if (endpoint !== undefined) {
    if (!/^https?:\/\/[^\s]+$/.test(endpoint)) {
      throw new StrataError('config', 'the S3 endpoint (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL) is not an http(s) URL', 'Use e.g. AWS_ENDPOINT_URL_S3=http://127.0.0.1:9000.')
    }
    config.endpoint = endpoint
  }
  // An S3-compatible server does not care about the region, but the SDK needs one to sign.
  if (region !== undefined) config.region = region
  else if (endpoint !== undefined) config.region = 'us-east-1'
  if (forcePathStyle !== undefined) config.forcePathStyle = forcePathStyle
  const profile = nonEmpty(env.AWS_PROFILE)
  if (profile !== undefined) config.profile = profile
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID)
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY)
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN)
    config.credentials = sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken }
  }
  return new S3Client(config)
}


// ── object store ──────────────────────────────────────────────────────────────────────────

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

interface SdkError {
  readonly name?: string
  readonly message?: string
  readonly Code?: string
  readonly $metadata?: { readonly httpStatusCode?: number }
}

function sdkError(error: unknown): SdkError {
  return typeof error === 'object' && error !== null ? (error as SdkError) : {}
}

function statusOf(error: unknown): number | undefined {
  return sdkError(error).$metadata?.httpStatusCode
}

function isNotFound(error: unknown): boolean {
  const { name } = sdkError(error)
  return name === 'NoSuchKey' || name === 'NotFound' || (statusOf(error) === 404 && name !== 'NoSuchBucket')
}

const CREDENTIAL_ERRORS = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
  'AccountProblem',
])

/**
 * A StrataError for a failed S3 call. Built only from the error's name and message (which the
 * SDK never fills with credentials) and the object URL.
 */
export function s3Error(what: string, url: string, error: unknown, maxAttempts?: number): StrataError {
  if (error instanceof StrataError) return error
  const { name = 'Error', message = String(error) } = sdkError(error)
  const detail = `${name}: ${message}`.slice(0, 300)
  const text = `could not ${what} ${url}: ${detail}`
  if (name === 'NoSuchBucket') return new StrataError('config', text, 'Create the bucket, or fix the bucket name in the s3:// location.', { cause: error })
  if (CREDENTIAL_ERRORS.has(name) || statusOf(error) === 403) {
    return new StrataError(
      'config',
      text,
      'Check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, `aws sso login`, the task or instance role) and that their IAM policy allows this bucket and prefix.',
      { cause: error },
    )
  }
  if (/region is missing/i.test(message) || name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || name === 'IllegalLocationConstraintException') {
    return new StrataError('config', text, "Set AWS_REGION (or the profile's region) to the bucket's region.", { cause: error })
  }
  const retries = maxAttempts === undefined ? '' : ` (already tried ${maxAttempts} times; STRATA_S3_MAX_ATTEMPTS)`
  return new StrataError('aws', text, `Check the network and the S3 endpoint, then retry${retries}.`, { cause: error })
}

/** The request parameters behind `x-amz-server-side-encryption` and `…-aws-kms-key-id`. */
export interface SseParameters {
  readonly ServerSideEncryption?: ServerSideEncryption['mode']
  readonly SSEKMSKeyId?: string
}

/** The SSE parameters of a write request; none without `encryption` (the bucket default applies). */
export function sseParameters(encryption: ServerSideEncryption | undefined): SseParameters {
  if (encryption === undefined) return {}
  return encryption.kmsKeyId === undefined ? { ServerSideEncryption: encryption.mode } : { ServerSideEncryption: encryption.mode, SSEKMSKeyId: encryption.kmsKeyId }
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
    await this.uploadMultipart(key, localPath, size)
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

  private async uploadMultipart(key: string, localPath: string, size: number): Promise<void> {
    const url = this.urlOf(key)
    const Bucket = this.root.bucket
    const Key = this.keyOf(key)
    const partSize = Math.max(this.partSize, Math.ceil(size / MAX_PARTS))
    const partCount = Math.ceil(size / partSize)
    let uploadId: string | undefined
    try {
      uploadId = (await this.client.send(new CreateMultipartUploadCommand({ Bucket, Key, ...this.sse }))).UploadId
    } catch (error) {
      throw this.error('start a multipart upload of', url, error)
    }
    if (uploadId === undefined) throw new StrataError('aws', `S3 returned no upload id for ${url}`, 'Retry; if it persists the S3-compatible server does not support multipart uploads.')
    const UploadId = uploadId
    const handle = await open(localPath, 'r')
    const parts: CompletedPart[] = []
    try {
      let next = 0
      // A few parts in flight at once, each read into its own buffer: memory stays at
      // PART_CONCURRENCY × partSize whatever the file size.
      const worker = async (): Promise<void> => {
        while (next < partCount) {
          const index = next++
          const length = Math.min(partSize, size - index * partSize)
          const body = Buffer.alloc(length)
          const { bytesRead } = await handle.read(body, 0, length, index * partSize)
          if (bytesRead !== length) throw new StrataError('storage', `${localPath} changed size while it was uploaded to ${url}`, 'Do not modify staged files during a commit.')
          let etag: string | undefined
          try {
            etag = (await this.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: index + 1, Body: body }))).ETag
          } catch (error) {
            throw this.error(`upload part ${index + 1} of ${partCount} of`, url, error)
          }
          parts[index] = { PartNumber: index + 1, ETag: etag }
        }
      }
      await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, partCount) }, worker))
      try {
        await this.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }))
      } catch (error) {
        throw this.error('complete the multipart upload of', url, error)
      }
    } catch (error) {
      // Abandoned parts cost storage until aborted; a lifecycle rule catches what this misses.
      await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined)
      throw error
    } finally {
      await handle.close()
    }
  }

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
