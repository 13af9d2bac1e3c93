import { createHash, randomBytes } from 'node:crypto'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { isDateKey } from '../../framework/partitions/index.js'
import type { SourceFile } from '../../framework/sources/index.js'
import { hashFile } from '../../framework/storage/index.js'
import { cacheDirFor } from '../../framework/storage/cache-dir.js'
import type { ObjectInfo, ObjectStore } from '../../framework/storage/object-store.js'
import type { TableName } from '../lib/tables.js'
import { assertIngestDay } from './ingest-day.js'
import type { Landing, LandingFile } from './landing.js'
import { assertLandingFile, assertLandingRequest, isLandingFileName } from './landing-file-names.js'

const DAY_PREFIX = /^ingest_date=(\d{4}-\d{2}-\d{2})\/$/
const DAY_FILE = /^ingest_date=(\d{4}-\d{2}-\d{2})\/([^/]+)$/
/** Up to this many days are listed one prefix each; more, and one listing of the whole landing is fewer requests. */
const PER_DAY_LISTING_LIMIT = 8

/**
 * A landing in S3: `s3://bucket/prefix/ingest_date=YYYY-MM-DD/<table>.csv[.gz]`. Files are
 * downloaded into a local cache (`<cacheDir>/ingest_date=…/<etag hash>/<name>`) and reused
 * while the object's ETag and size are unchanged, so DuckDB reads them from disk.
 */
export class S3Landing implements Landing {
  readonly name = 'landing'
  readonly location: string

  constructor(
    private readonly store: ObjectStore,
    private readonly cacheDir: string,
  ) {
    this.location = store.location
  }

  async listDays(): Promise<string[]> {
    const days: string[] = []
    for await (const prefix of this.store.listPrefixes('')) {
      const day = DAY_PREFIX.exec(prefix)?.[1]
      if (day !== undefined && isDateKey(day)) days.push(day)
    }
    return days.sort()
  }

  /** ListObjectsV2 only: per day prefix for a few days, else the whole landing in pages of 1,000. */
  async list(days: readonly string[]): Promise<ReadonlyMap<string, readonly SourceFile[]>> {
    for (const day of days) assertIngestDay(day)
    const listed = new Map<string, SourceFile[]>(days.map((day) => [day, []]))
    const collect = async (prefix: string) => {
      for await (const object of this.store.list(prefix)) {
        const match = DAY_FILE.exec(object.key)
        const files = match ? listed.get(match[1] as string) : undefined
        if (files && isLandingFileName(match?.[2] as string)) files.push({ name: match?.[2] as string, bytes: object.size, modified: object.lastModified.toISOString(), etag: object.etag })
      }
    }
    if (days.length <= PER_DAY_LISTING_LIMIT) await Promise.all(days.map((day) => collect(`ingest_date=${day}/`)))
    else await collect('ingest_date=')
    return listed
  }

  /** The hash of the cached copy (downloaded once per ETag and size, then reused by raw). */
  async hash(day: string, name: string): Promise<string> {
    assertLandingFile(day, name)
    const key = `ingest_date=${day}/${name}`
    const object = await this.store.head(key)
    if (!object) throw new StrataError('input', `landing file ${this.store.location}/${key} disappeared while it was read`, 'Retry once the landing upload has finished.')
    return hashFile(await this.cached(`ingest_date=${day}`, name, object))
  }

  async file(day: string, table: TableName): Promise<LandingFile | undefined> {
    // Checked before any key is built, so a key like "../x" never reaches S3 or the disk.
    assertLandingRequest(day, table)
    const folder = `ingest_date=${day}`
    const plainKey = `${folder}/${table}.csv`
    const gzipKey = `${plainKey}.gz`
    const [plain, gzipped] = await Promise.all([this.store.head(plainKey), this.store.head(gzipKey)])
    if (plain && gzipped) {
      throw new StrataError(
        'input',
        `both ${this.store.location}/${plainKey} and ${this.store.location}/${gzipKey} are landed; which one holds ${table} is ambiguous`,
        `Remove one of the two files from ${this.store.location}/${folder}/, then rebuild the partition.`,
      )
    }
    const found = plain ?? gzipped
    if (!found) return undefined
    const name = plain ? `${table}.csv` : `${table}.csv.gz`
    return { name, localPath: await this.cached(folder, name, found), gzip: !plain }
  }

  /** The local copy of one landed object, downloaded unless an identical one is cached. */
  private async cached(folder: string, name: string, object: ObjectInfo): Promise<string> {
    const version = createHash('sha256').update(`${object.etag}\0${object.size}`).digest('hex').slice(0, 16)
    const dir = join(this.cacheDir, folder, version)
    const path = join(dir, name)
    const info = await stat(path).catch(() => undefined)
    if (info?.isFile() && info.size === object.size) return path
    const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`)
    try {
      await mkdir(dir, { recursive: true })
      const digest = await this.store.download(object.key, tmp)
      if (digest === undefined) {
        throw new StrataError('input', `landing file ${this.store.location}/${object.key} disappeared while it was read`, 'Retry once the landing upload has finished.')
      }
      // Whole file or nothing: a concurrent reader sees no file or the complete one.
      await rename(tmp, path)
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => undefined)
      if (error instanceof StrataError) throw error
      throw new StrataError('storage', `could not cache ${this.store.location}/${object.key} in ${dir}: ${(error as Error).message}`, 'Check that STRATA_CACHE_DIR is writable and has free space.', { cause: error })
    }
    return path
  }
}

/**
 * The landing at `s3://bucket/prefix`, with the S3 client and cache folder `env` configures.
 * The AWS SDK is loaded on first use, so commands that never read the landing do not pay for it.
 */
export function openS3Landing(location: string, options: { env: Readonly<Record<string, string | undefined>> }): Landing {
  let opened: Promise<S3Landing> | undefined
  const landing = (): Promise<S3Landing> =>
    (opened ??= import('../../resources/s3.js').then(({ openObjectStore }) => {
      const store = openObjectStore(location, { env: options.env })
      return new S3Landing(store, cacheDirFor(store.location, options.env))
    }))
  return {
    name: 'landing',
    location: location.replace(/\/+$/, ''),
    listDays: async () => (await landing()).listDays(),
    file: async (day, table) => (await landing()).file(day, table),
    list: async (days) => (await landing()).list(days),
    hash: async (day, name) => (await landing()).hash(day, name),
  }
}
