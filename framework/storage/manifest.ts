import type { CheckResult } from '../checks/check.js'
import type { JsonObject } from '../definitions/json.js'
import type { SourceVersion } from '../sources/observed-source.js'

/** One upstream partition a partition was built from, with the data version it read. */
export interface LineageEntry {
  readonly asset: string
  readonly partition: string
  readonly dataVersion: string
}

export interface ColumnSchema {
  readonly name: string
  readonly type: string
}

/**
 * The record of one committed asset partition: what it is, how and from what it was built.
 * Written last in a commit; a partition without a readable manifest is not committed.
 */
export interface Manifest {
  readonly formatVersion: 1
  readonly asset: string
  readonly partition: string
  readonly runId: string
  readonly startedAt: string
  readonly committedAt: string
  readonly codeVersion: string
  /** Content hash of the partition's files (sha256 over sorted names and contents). */
  readonly dataVersion: string
  /** Partition-level lineage. */
  readonly upstream: readonly LineageEntry[]
  /** For an asset that reads an observed source (raw reads the landing): the files it read. */
  readonly source?: SourceVersion
  readonly rowCount: number | null
  readonly schema: readonly ColumnSchema[]
  readonly files: readonly { readonly name: string; readonly bytes: number; readonly sha256: string }[]
  readonly checks: readonly CheckResult[]
  readonly metadata: JsonObject
  /**
   * Where the files are, relative to the partition folder: set by storages that keep each
   * committed version in its own folder (S3Storage: `v=<runId>-<rand>`); absent when the files
   * sit in the partition folder itself (LocalStorage).
   */
  readonly location?: string
}

/** A step that failed without committing; cleared by the next successful commit. */
export interface FailureRecord {
  readonly asset: string
  readonly partition: string
  readonly runId: string
  readonly failedAt: string
  readonly error: string
}
