import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { StrataError } from '../errors/index.js'

/** Size and content hash of one file. */
export interface FileDigest {
  readonly bytes: number
  /** Lowercase hex sha256 of the content. */
  readonly sha256: string
}

/**
 * The data version of a partition: sha256 over its file names and content hashes, sorted by
 * name, so it depends on what was written and not on the order it was listed in.
 *
 * @example
 * dataVersionOf([{ name: 'part-0.parquet', sha256: await hashFile(path) }])
 */
export function dataVersionOf(files: readonly { readonly name: string; readonly sha256: string }[]): string {
  // Code-unit order, not localeCompare: the version must not depend on the machine's locale.
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const hash = createHash('sha256')
  for (const file of sorted) hash.update(`${file.name}\0${file.sha256}\n`)
  return hash.digest('hex')
}

/** Streaming sha256 of a file (hex), without loading it into memory. */
export async function hashFile(path: string): Promise<string> {
  return (await digestFile(path)).sha256
}

/** Streaming sha256 and byte count of a file; the count is of the bytes actually hashed. */
export async function digestFile(path: string): Promise<FileDigest> {
  const hash = createHash('sha256')
  let bytes = 0
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hash.update(chunk)
      bytes += chunk.length
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new StrataError('storage', `could not read ${path}: ${reason}`, 'Check that the file exists and is readable.', { cause: error })
  }
  return { bytes, sha256: hash.digest('hex') }
}
