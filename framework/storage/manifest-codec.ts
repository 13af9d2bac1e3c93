import { StrataError } from '../errors/index.js'
import type { FailureRecord, Manifest } from './manifest.js'
import { isDataFileName } from './storage-keys.js'
import { isJsonObject } from '../definitions/json.js'

const SHA256_HEX = /^[0-9a-f]{64}$/

type Shape = Record<string, unknown>


function isString(value: unknown): value is string {
  return typeof value === 'string'
}

function arrayOf(value: unknown, item: (entry: unknown) => boolean): boolean {
  return Array.isArray(value) && value.every(item)
}

function hasStrings(value: unknown, keys: readonly string[]): value is Shape {
  return isJsonObject(value) && keys.every((key) => isString(value[key]))
}

function isCheckResult(value: unknown): boolean {
  return (
    isJsonObject(value) &&
    isString(value.name) &&
    typeof value.passed === 'boolean' &&
    (value.severity === 'warn' || value.severity === 'error') &&
    typeof value.blocking === 'boolean' &&
    isString(value.message)
  )
}

function isFileEntry(value: unknown): boolean {
  return (
    isJsonObject(value) &&
    isString(value.name) &&
    isDataFileName(value.name) &&
    Number.isSafeInteger(value.bytes) &&
    (value.bytes as number) >= 0 &&
    isString(value.sha256) &&
    SHA256_HEX.test(value.sha256)
  )
}

function isSourceVersion(value: unknown): boolean {
  return (
    isJsonObject(value) &&
    isString(value.source) &&
    arrayOf(value.files, (file) => hasStrings(file, ['name', 'modified']) && Number.isSafeInteger(file.bytes) && (file.sha256 === undefined || (isString(file.sha256) && SHA256_HEX.test(file.sha256))))
  )
}

/** The first field of a manifest that does not have the expected shape, or undefined. */
function manifestProblem(value: unknown): string | undefined {
  if (!isJsonObject(value)) return 'not a JSON object'
  if (value.formatVersion !== 1) return 'formatVersion is not 1'
  for (const key of ['asset', 'partition', 'runId', 'startedAt', 'committedAt', 'codeVersion', 'dataVersion']) {
    if (!isString(value[key])) return `${key} is not a string`
  }
  if (!arrayOf(value.upstream, (entry) => hasStrings(entry, ['asset', 'partition', 'dataVersion']))) return 'upstream is malformed'
  if (value.source !== undefined && !isSourceVersion(value.source)) return 'source is malformed'
  if (value.rowCount !== null && !Number.isFinite(value.rowCount)) return 'rowCount is not a number or null'
  if (!arrayOf(value.schema, (entry) => hasStrings(entry, ['name', 'type']))) return 'schema is malformed'
  if (!arrayOf(value.files, isFileEntry)) return 'files is malformed (each needs a plain file name, bytes and a sha256)'
  if (!arrayOf(value.checks, isCheckResult)) return 'checks is malformed'
  if (!isJsonObject(value.metadata)) return 'metadata is not an object'
  return undefined
}

/**
 * Parse and shape-check a stored manifest. `where` names the file or object in the error.
 * Throws StrataError('corrupt') on bad JSON, a wrong shape, or file names that could escape
 * the partition folder, so a damaged manifest is never silently taken for a missing one.
 */
export function parseManifest(text: string, where: string, partitionHint: string): Manifest {
  // Planning reads every manifest, so a damaged one must be moved aside before a rebuild can run.
  const hint = `move the damaged partition aside with \`strata repair\`, then ${partitionHint}`
  const value = parseJson(text, where, hint)
  const problem = manifestProblem(value)
  if (problem !== undefined) {
    throw new StrataError('corrupt', `damaged manifest ${where}: ${problem}`, hint)
  }
  return value as unknown as Manifest
}

/** Parse and shape-check a stored failure record; StrataError('corrupt') naming `where` otherwise. */
export function parseFailureRecord(text: string, where: string): FailureRecord {
  const hint = 'Delete the damaged failure record; the next run of the partition writes a new one.'
  const value = parseJson(text, where, hint)
  if (!hasStrings(value, ['asset', 'partition', 'runId', 'failedAt', 'error'])) {
    throw new StrataError('corrupt', `damaged failure record ${where}: expected asset, partition, runId, failedAt, error`, hint)
  }
  return value as unknown as FailureRecord
}

/** JSON.parse with StrataError('corrupt') naming `where` instead of a bare SyntaxError. */
export function parseJson(text: string, where: string, hint: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new StrataError('corrupt', `damaged JSON in ${where}: ${reason}`, hint, { cause: error })
  }
}

/** The hint for a damaged or incomplete partition: rebuilding it with --force always repairs it. */
export function rebuildHint(asset: string, partition: string): string {
  return `rebuild the partition: strata materialize ${asset} --partition ${partition} --force`
}
