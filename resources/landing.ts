import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError } from '../framework/errors/index.js'
import { isDateKey } from '../framework/partitions/index.js'
import { hashFile } from '../framework/storage/index.js'
import type { ObservedSource, SourceFile } from '../framework/sources/index.js'
import { TABLE_NAMES, type TableName } from '../assets/lib/tables.js'

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

const DAY_FOLDER = /^ingest_date=(\d{4}-\d{2}-\d{2})$/
const TABLE_FILES: ReadonlySet<string> = new Set(TABLE_NAMES.flatMap((table) => [`${table}.csv`, `${table}.csv.gz`]))

/** True for the names raw reads (`<table>.csv` or `<table>.csv.gz`): the files a landing day's version is made of. */
export function isLandingFileName(name: string): boolean {
  return TABLE_FILES.has(name)
}

/** Check a source request before any path or key is built from it. */
export function assertLandingFile(day: string, name: string): void {
  assertIngestDay(day)
  if (!isLandingFileName(name)) throw new StrataError('input', `"${name.slice(0, 80)}" is not a landing file`, `Landing files are <table>.csv or <table>.csv.gz for ${TABLE_NAMES.join(', ')}.`)
}

/** A landing on local disk. */
export class LocalLanding implements Landing {
  readonly name = 'landing'

  constructor(readonly location: string) {}

  /** One readdir per day folder and a stat per table file; a missing folder is a day with no files. */
  async list(days: readonly string[]): Promise<ReadonlyMap<string, readonly SourceFile[]>> {
    const listed = new Map<string, readonly SourceFile[]>()
    await Promise.all(
      days.map(async (day) => {
        assertIngestDay(day)
        const folder = join(this.location, `ingest_date=${day}`)
        const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return []
          throw new StrataError('config', `landing folder ${folder} cannot be read: ${error.message}`, 'Check the permissions of the landing folder.', { cause: error })
        })
        const files = await Promise.all(
          names.filter(isLandingFileName).map(async (name) => {
            const info = await stat(join(folder, name)).catch(() => undefined)
            return info?.isFile() ? { name, bytes: info.size, modified: info.mtime.toISOString() } : undefined
          }),
        )
        listed.set(day, files.filter((file): file is SourceFile => file !== undefined))
      }),
    )
    return listed
  }

  async hash(day: string, name: string): Promise<string> {
    assertLandingFile(day, name)
    return hashFile(join(this.location, `ingest_date=${day}`, name))
  }

  async listDays(): Promise<string[]> {
    let entries
    try {
      entries = await readdir(this.location, { withFileTypes: true })
    } catch (error) {
      throw new StrataError(
        'config',
        `landing folder ${this.location} cannot be read: ${(error as Error).message}`,
        'Point the landing location at the folder that holds the ingest_date=YYYY-MM-DD folders.',
        { cause: error },
      )
    }
    const days: string[] = []
    for (const entry of entries) {
      const day = DAY_FOLDER.exec(entry.name)?.[1]
      if (day !== undefined && entry.isDirectory() && isDateKey(day)) days.push(day)
    }
    return days.sort()
  }

  async file(day: string, table: TableName): Promise<LandingFile | undefined> {
    // Checked before any path is built, so a key like "../x" never reaches the file system.
    assertLandingRequest(day, table)
    const folder = join(this.location, `ingest_date=${day}`)
    const plain = join(folder, `${table}.csv`)
    const gzipped = `${plain}.gz`
    const [hasPlain, hasGzip] = await Promise.all([isFile(plain), isFile(gzipped)])
    if (hasPlain && hasGzip) {
      throw new StrataError(
        'input',
        `both ${plain} and ${gzipped} are landed; which one holds ${table} is ambiguous`,
        `Remove one of the two files from ${folder}, then rebuild the partition.`,
      )
    }
    if (hasPlain) return { name: `${table}.csv`, localPath: plain, gzip: false }
    if (hasGzip) return { name: `${table}.csv.gz`, localPath: gzipped, gzip: true }
    return undefined
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false
    throw new StrataError('input', `landing file ${path} cannot be read: ${(error as Error).message}`, 'Check the permissions of the landing folder.', {
      cause: error,
    })
  }
}

/** Validate a landing file request before any path or object key is built from it. */
export function assertLandingRequest(day: string, table: TableName): void {
  assertIngestDay(day)
  if (!TABLE_NAMES.includes(table)) {
    throw new StrataError('input', `"${String(table)}" is not a landing table`, `Use one of ${TABLE_NAMES.join(', ')}.`)
  }
}

/** An ingest day is checked before any path or object key is built from it. */
export function assertIngestDay(day: string): void {
  if (!isDateKey(day)) throw new StrataError('partition', `ingest day "${day.slice(0, 40)}" is not a real calendar date`, 'Use a UTC date written YYYY-MM-DD, e.g. 2026-03-01.')
}
