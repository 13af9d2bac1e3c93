import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { isDateKey } from '../../framework/partitions/index.js'
import type { SourceFile } from '../../framework/sources/index.js'
import { hashFile } from '../../framework/storage/index.js'
import type { TableName } from '../lib/tables.js'
import { assertIngestDay, DAY_FOLDER } from './ingest-day.js'
import type { Landing, LandingFile } from './landing.js'
import { assertLandingFile, assertLandingRequest, isLandingFileName } from './landing-file-names.js'

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
