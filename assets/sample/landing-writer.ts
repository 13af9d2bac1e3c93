import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { StrataError } from '../../framework/errors/index.js'

/**
 * Where `generateSample` puts its files. One call per file; `day` is the ingest day
 * (`YYYY-MM-DD`), `fileName` a bare name such as `trades.csv.gz`.
 */
export interface LandingWriter {
  write(day: string, fileName: string, content: Buffer | string): Promise<void>
  /** Shown in the summary, e.g. the landing root or an `s3://` prefix. */
  readonly location?: string
}

/**
 * Writes `<root>/ingest_date=YYYY-MM-DD/<fileName>`, creating folders as needed. Each file is
 * written to a temporary name and renamed, so a reader never sees half a file.
 */
export function localLandingWriter(root: string): LandingWriter {
  const absRoot = resolve(root)
  let sequence = 0
  return {
    location: absRoot,
    async write(day, fileName, content) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) {
        throw new StrataError('usage', `Landing day "${day}" is not YYYY-MM-DD`, 'Pass the ingest day as YYYY-MM-DD.')
      }
      if (fileName === '' || /[/\\]/.test(fileName) || fileName.startsWith('.')) {
        throw new StrataError('usage', `Landing file name "${fileName}" must be a plain file name`, 'Use a name such as trades.csv, without folders.')
      }
      const dir = join(absRoot, `ingest_date=${day}`)
      await mkdir(dir, { recursive: true })
      sequence += 1
      const target = join(dir, fileName)
      const temp = join(dir, `.${fileName}.${process.pid}.${sequence}.tmp`)
      try {
        await writeFile(temp, content)
        await rename(temp, target)
      } catch (error) {
        await rm(temp, { force: true })
        throw error
      }
    },
  }
}
