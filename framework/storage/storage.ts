import type { FailureRecord, Manifest } from './manifest.js'
import type { LockOwner, PartitionLock } from './partition-lock.js'

/** A partition being written: a private local folder nobody else reads until commit. */
export interface StagedPartition {
  readonly asset: string
  readonly partition: string
  /** `dt=2026-03-01`, `week=2026-03-02` or `all`. */
  readonly pathSegment: string
  readonly runId: string
  /** Local folder the step writes its output files into. */
  readonly dir: string
}

/**
 * Where asset partitions, manifests, failure markers, run records and small state documents
 * live. One interface, a local folder and S3 behind it; every implementation passes the same
 * contract suite (test/framework/storage/storage-contract.ts).
 *
 * Layout (relative to the root): `<asset>/<pathSegment>/<files>` and
 * `<asset>/<pathSegment>/_manifest.json`, so DuckDB/Athena read `<asset>/dt=*\/*.parquet`.
 */
export interface Storage {
  /** A printable location, e.g. `/home/me/data/storage` or `s3://bucket/prefix`. */
  readonly location: string
  /** A private local staging folder for a new version of the partition. */
  stage(asset: string, partition: string, pathSegment: string, runId: string): Promise<StagedPartition>
  /**
   * Make the staged files and the manifest visible at once, replacing any previous version.
   * Readers see the old version or the new one, never a mix; a crash at any point leaves the
   * old version readable. Clears the partition's failure record. The manifest's `files` and
   * `dataVersion` are computed from the staged files (non-empty values given by the caller must
   * match); returns the manifest as committed.
   */
  commit(staged: StagedPartition, manifest: Manifest): Promise<Manifest>
  /** Throw away a staged partition. */
  discard(staged: StagedPartition): Promise<void>
  /** The committed manifest, or undefined when the partition has never been committed. */
  readManifest(asset: string, pathSegment: string): Promise<Manifest | undefined>
  /** All committed manifests of an asset. */
  listManifests(asset: string): Promise<Manifest[]>
  /**
   * A local folder holding the committed files of the partition (for S3: a verified local
   * cache), for DuckDB to read. Throws StrataError('corrupt') when files are missing or do not
   * match the manifest.
   */
  localDir(manifest: Manifest, pathSegment: string): Promise<string>
  /** Record / read / clear a failed step for a partition. */
  writeFailure(asset: string, pathSegment: string, failure: FailureRecord): Promise<void>
  readFailure(asset: string, pathSegment: string): Promise<FailureRecord | undefined>
  listFailures(asset: string): Promise<FailureRecord[]>
  /** Small JSON documents under `_strata/<key>` (run records, schedule ticks). */
  writeDocument(key: string, value: unknown): Promise<void>
  readDocument<T>(key: string): Promise<T | undefined>
  listDocuments(prefix: string): Promise<string[]>
  /**
   * Create the document only when none has the key, atomically: of concurrent creators from any
   * process or machine exactly one gets true, the others false (and the document stays the
   * winner's). Locally a hard link of a complete temp file (fails with EEXIST, like O_EXCL, but
   * never shows a half-written document); on S3 a conditional PUT (`If-None-Match: *`).
   */
  createDocument(key: string, value: unknown): Promise<boolean>
  /** Remove staging leftovers older than `olderThanMs` (crashed runs). Returns how many. */
  cleanStaging(olderThanMs: number): Promise<number>
  /**
   * Take the partition's lock (`_strata/locks/<asset>/<segment>.lock`, see partition-lock.ts),
   * waiting as configured (or `wait.waitMs`); StrataError('locked') naming the holder when it stays held.
   */
  lock?(asset: string, pathSegment: string, owner: LockOwner, wait?: { readonly waitMs: number }): Promise<PartitionLock>
}
