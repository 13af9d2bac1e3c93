import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError } from '../framework/errors/index.js'
import { isDateKey } from '../framework/partitions/index.js'
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
export interface Landing {
  /** The root, as users write it (a folder or an `s3://` URL); used in messages. */
  readonly location: string
  /** The ingest days present, sorted ascending; folders that are not `ingest_date=<real date>` are ignored. */
  listDays(): Promise<string[]>
  /** The file of `table` for `day`, or undefined when neither `<table>.csv` nor `<table>.csv.gz` is there. */
  file(day: string, table: TableName): Promise<LandingFile | undefined>
}

const DAY_FOLDER = /^ingest_date=(\d{4}-\d{2}-\d{2})$/

/** A landing on local disk. */
export class LocalLanding implements Landing {
  constructor(readonly location: string) {}

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
  if (!isDateKey(day)) {
    throw new StrataError('partition', `ingest day "${day}" is not a real calendar date`, 'Use a UTC date written YYYY-MM-DD, e.g. 2026-03-01.')
  }
  if (!TABLE_NAMES.includes(table)) {
    throw new StrataError('input', `"${String(table)}" is not a landing table`, `Use one of ${TABLE_NAMES.join(', ')}.`)
  }
}
