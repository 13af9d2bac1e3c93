import { StrataError } from '../errors/index.js'

const ASSET_KEY = /^[a-z][a-z0-9_]{0,62}$/
const PATH_SEGMENT = /^(dt|week)=\d{4}-\d{2}-\d{2}$|^all$/
const NAME_SEGMENT = /^[A-Za-z0-9_.=-]+$/
const PREFIX_TAIL = /^[A-Za-z0-9_.=-]*$/

/** The manifest's file name inside a committed partition folder; never a data file. */
export const MANIFEST_FILE = '_manifest.json'

/** A value quoted for an error message, so NUL, slashes and look-alike dots stay visible. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : `(${typeof value})`
}

function isNameSegment(value: string): boolean {
  return NAME_SEGMENT.test(value) && value !== '.' && value !== '..'
}

/** True for a snake_case asset key; for filtering listings, where a bad name is skipped, not an error. */
export function isAssetKey(value: string): boolean {
  return ASSET_KEY.test(value)
}

/** True for `dt=YYYY-MM-DD`, `week=YYYY-MM-DD` or `all`. */
export function isPathSegment(value: string): boolean {
  return PATH_SEGMENT.test(value)
}

/** True for one segment of a document key. */
export function isDocumentKeySegment(value: string): boolean {
  return isNameSegment(value)
}

/**
 * Throws StrataError('usage') unless `asset` is a snake_case asset key. Every storage
 * implementation calls this before the key becomes part of a path or an object key.
 */
export function assertAssetKey(asset: string): void {
  if (typeof asset !== 'string' || !ASSET_KEY.test(asset)) {
    throw new StrataError(
      'usage',
      `invalid asset key ${shown(asset)}`,
      'Asset keys are snake_case: a lowercase letter, then up to 62 lowercase letters, digits or "_".',
    )
  }
}

/** Throws StrataError('usage') unless `segment` is `dt=YYYY-MM-DD`, `week=YYYY-MM-DD` or `all`. */
export function assertPathSegment(segment: string): void {
  if (typeof segment !== 'string' || !PATH_SEGMENT.test(segment)) {
    throw new StrataError(
      'usage',
      `invalid partition path segment ${shown(segment)}`,
      'Use the segment the partitions definition gives: dt=YYYY-MM-DD, week=YYYY-MM-DD or all.',
    )
  }
}

/** Throws StrataError('usage') unless `runId` is safe to use as a folder name. */
export function assertRunId(runId: string): void {
  if (typeof runId !== 'string' || !isNameSegment(runId)) {
    throw new StrataError(
      'usage',
      `invalid run id ${shown(runId)}`,
      'Run ids come from newRunId(), e.g. 20260301T020000Z-a1b2c3: letters, digits, "_", ".", "=", "-".',
    )
  }
}

/**
 * Validates a document key such as `runs/20260301T020000Z-a1b2c3` and returns its segments.
 * Each segment matches /^[A-Za-z0-9_.=-]+$/ and is never `.` or `..`.
 */
export function documentKeySegments(key: string): string[] {
  const segments = typeof key === 'string' ? key.split('/') : []
  if (segments.length === 0 || !segments.every(isNameSegment)) {
    throw new StrataError(
      'usage',
      `invalid document key ${shown(key)}`,
      'Document keys are "/"-separated segments of letters, digits, "_", ".", "=", "-" (not "." or ".."), e.g. runs/20260301T020000Z-a1b2c3.',
    )
  }
  return segments
}

/**
 * Splits a document listing prefix into the folders it fully names and the start of the next
 * name: `runs/2026` → `{ folders: ['runs'], tail: '2026' }`. The empty prefix lists everything.
 */
export function documentPrefixParts(prefix: string): { folders: string[]; tail: string } {
  const parts = typeof prefix === 'string' ? prefix.split('/') : ['\0']
  const tail = parts.pop() ?? ''
  if (!parts.every(isNameSegment) || !PREFIX_TAIL.test(tail)) {
    throw new StrataError(
      'usage',
      `invalid document prefix ${shown(prefix)}`,
      'A prefix is a document key or the start of one, e.g. "runs/".',
    )
  }
  return { folders: parts, tail }
}

/** True for a plain file name a partition may hold: one safe segment, not the manifest. */
export function isDataFileName(name: string): boolean {
  return typeof name === 'string' && isNameSegment(name) && name !== MANIFEST_FILE
}

/** Throws StrataError('usage') unless `name` is a plain file name a partition may hold. */
export function assertDataFileName(name: string, where: string): void {
  if (!isDataFileName(name)) {
    throw new StrataError(
      'usage',
      `invalid file name ${shown(name)} in ${where}`,
      'Write only plain files named with letters, digits, "_", ".", "=", "-" into the staged folder, no subfolders.',
    )
  }
}
