import { randomBytes } from 'node:crypto'
import { StrataError } from '../errors/index.js'
import { dataVersionOf } from './data-version.js'
import type { Manifest } from './manifest.js'

/** Helpers both storages use when they commit and read partitions. */

export function errno(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined
}

export function randomSuffix(): string {
  return randomBytes(4).toString('hex')
}

/** The manifest the commit writes: files and data version from disk, checked against the caller's. */
export function reconcileManifest(manifest: Manifest, files: { name: string; bytes: number; sha256: string }[], where: string): Manifest {
  const hint = 'The step changed its files after describing them; run it again.'
  if (manifest.files.length > 0) {
    const onDisk = new Map(files.map((file) => [file.name, file]))
    for (const declared of manifest.files) {
      const actual = onDisk.get(declared.name)
      if (!actual) throw new StrataError('corrupt', `manifest of ${where} lists ${declared.name}, which is not in the staged folder`, hint)
      if (actual.bytes !== declared.bytes || actual.sha256 !== declared.sha256) {
        throw new StrataError('corrupt', `staged file ${declared.name} of ${where} does not match the size or sha256 in its manifest`, hint)
      }
      onDisk.delete(declared.name)
    }
    const extra = [...onDisk.keys()][0]
    if (extra !== undefined) throw new StrataError('corrupt', `staged file ${extra} of ${where} is not listed in its manifest`, hint)
  }
  const dataVersion = dataVersionOf(files)
  if (manifest.dataVersion !== '' && manifest.dataVersion !== dataVersion) {
    throw new StrataError('corrupt', `data version given for ${where} does not match its staged files`, 'Leave dataVersion empty and let commit compute it, or use dataVersionOf().')
  }
  return { ...manifest, files, dataVersion }
}

/** `dt=2026-03-01` → `2026-03-01`, `all` → `all`: the key a user passes to --partition. */
export function partitionOfSegment(pathSegment: string): string {
  const equals = pathSegment.indexOf('=')
  return equals === -1 ? pathSegment : pathSegment.slice(equals + 1)
}

/** A local file-system failure as a StrataError('storage') naming what was attempted. */
export function localIoError(what: string, error: unknown, hint: string): StrataError {
  if (error instanceof StrataError) return error
  const reason = error instanceof Error ? error.message : String(error)
  return new StrataError('storage', `could not ${what}: ${reason}`, hint, { cause: error })
}

/** Run local file-system work, turning its failures into {@link localIoError}. */
export async function withLocalIo<T>(what: string, hint: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw localIoError(what, error, hint)
  }
}

/** Read many partitions' manifests, a bounded number at a time, keeping the order and skipping absent ones. */
export async function readManifests(segments: readonly string[], concurrency: number, read: (segment: string) => Promise<Manifest | undefined>): Promise<Manifest[]> {
  const manifests: Manifest[] = []
  for (let i = 0; i < segments.length; i += concurrency) {
    for (const manifest of await Promise.all(segments.slice(i, i + concurrency).map(read))) if (manifest) manifests.push(manifest)
  }
  return manifests
}

/** A document as stored: pretty JSON and a newline; StrataError('usage') for a value JSON cannot hold. */
export function documentText(key: string, value: unknown): string {
  const text = JSON.stringify(value, null, 2) as string | undefined
  if (text === undefined) {
    throw new StrataError('usage', `document ${key} has no JSON representation`, 'Store plain JSON data: objects, arrays, strings, numbers, booleans, null.')
  }
  return `${text}\n`
}
