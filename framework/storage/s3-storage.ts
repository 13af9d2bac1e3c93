import { lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { ObjectInfo, ObjectStore } from './object-store.js'
import type { Logger } from '../definitions/logger.js'
import { StrataError } from '../errors/index.js'
import { digestFile } from './data-version.js'
import type { FailureRecord, Manifest } from './manifest.js'
import { supportsConditionalWrites } from './conditional-writes.js'
import type { LockOptions, LockOwner, PartitionLock } from './partition-lock.js'
import { lockS3Partition } from './s3-partition-lock.js'
import { parseFailureRecord, parseJson, parseManifest, rebuildHint } from './manifest-codec.js'
import type { StagedPartition, Storage } from './storage.js'
import {
  MANIFEST_FILE,
  assertAssetKey,
  assertDataFileName,
  assertPathSegment,
  assertRunId,
  documentKeySegments,
  documentPrefixParts,
  isAssetKey,
  isDocumentKeySegment,
  isPathSegment,
} from './storage-keys.js'
import { documentText, errno, localIoError, partitionOfSegment, randomSuffix, readManifests, reconcileManifest, withLocalIo } from './storage-support.js'

/** Options of {@link S3Storage}. */
export interface S3StorageOptions {
  /** The bucket and prefix, as an object store rooted there. */
  readonly store: ObjectStore
  /** Local folder for staging and the read cache of this storage (see `cacheDirFor`). */
  readonly cacheDir: string
  /**
   * How long a superseded version stays readable for readers that read its manifest before
   * the switch, and how old an unreferenced version must be before it counts as abandoned
   * (default one hour).
   */
  readonly graceMs?: number
  /** The clock (ms since the epoch), compared with S3's LastModified; injectable for tests. */
  readonly now?: () => number
  /** Also re-hash cached files on every reuse (default false: sizes only; downloads are always hashed). */
  readonly verifyHashes?: boolean
  readonly log?: Logger
  /** Partition lock timing (see partition-lock.ts). */
  readonly locks?: LockOptions
}

type FileEntry = Manifest['files'][number]

const STRATA_DIR = '_strata'
const SUPERSEDED = '_superseded'
const VERSION = /^v=[A-Za-z0-9_.=-]+$/
const DEFAULT_GRACE_MS = 60 * 60 * 1000
const TRANSFER_CONCURRENCY = 4
const READ_CONCURRENCY = 16
/** How long createDocument waits before reading back its write on a store without conditional writes. */
const FALLBACK_SETTLE_MS = 200
const CACHE_HINT = 'Check that the local cache folder (STRATA_CACHE_DIR) exists, is writable and has free space.'



/**
 * Storage in an S3 bucket (see {@link Storage}). S3 has no rename, so every commit writes a new
 * version folder and then switches a pointer:
 *
 * ```
 * <prefix>/<asset>/<segment>/v=<runId>-<rand>/<file>      the data of one committed version
 * <prefix>/<asset>/<segment>/v=<…>/_superseded            marker: replaced at its LastModified
 * <prefix>/<asset>/<segment>/_manifest.json               the pointer: the manifest, `location` = v=…
 * <prefix>/_strata/failures/<asset>/<segment>.json        failure records
 * <prefix>/_strata/docs/<key>.json                        documents (run records, ticks)
 * ```
 *
 * Commit: upload the staged files into a fresh `v=` folder (nothing points at it yet), mark the
 * version being replaced `_superseded`, then PUT `_manifest.json` (a single PUT is atomic), then
 * clear the failure record. Readers read the pointer, then only that version, so they never
 * see a half-written or mixed partition; a crash before the PUT leaves the previous version
 * current. Athena/Glue point the partition at the `v=` folder (files starting with `_` are
 * ignored there).
 *
 * Clean-up: a version other than the current one is deleted once its `_superseded` marker is
 * older than the grace period (default 1 hour), or, without a marker (a crashed or lost
 * commit), once its newest object is older than the grace period. This runs for the partition
 * after each commit, and for the whole storage in `cleanStaging(olderThanMs)`. A reader that
 * read the old manifest keeps reading it (`localDir` accepts it) within the grace period.
 *
 * Locally: staging under `<cacheDir>/staging/`, and a read cache under
 * `<cacheDir>/partitions/<asset>/<segment>/<dataVersion>/`, filled through a temp folder and a
 * rename so concurrent readers never see a half-downloaded copy.
 */
export class S3Storage implements Storage {
  readonly location: string
  private readonly store: ObjectStore
  private readonly stagingRoot: string
  private readonly cacheRoot: string
  private readonly graceMs: number
  private readonly now: () => number
  private readonly verifyHashes: boolean
  private readonly log: Logger | undefined
  private readonly lockOptions: LockOptions

  constructor(options: S3StorageOptions) {
    this.store = options.store
    this.location = options.store.location
    this.stagingRoot = resolve(options.cacheDir, 'staging')
    this.cacheRoot = resolve(options.cacheDir, 'partitions')
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS
    this.now = options.now ?? Date.now
    this.verifyHashes = options.verifyHashes ?? false
    this.log = options.log
    this.lockOptions = options.locks ?? {}
  }

  /** The lock object `_strata/locks/<asset>/<segment>.lock` (see partition-lock.ts for the guarantees). */
  async lock(asset: string, pathSegment: string, owner: LockOwner, wait?: { readonly waitMs: number }): Promise<PartitionLock> {
    assertAssetKey(asset)
    assertPathSegment(pathSegment)
    return lockS3Partition(this.store, `${STRATA_DIR}/locks/${asset}/${pathSegment}.lock`, asset, pathSegment, owner, { ...this.lockOptions, ...wait })
  }

  async stage(asset: string, partition: string, pathSegment: string, runId: string): Promise<StagedPartition> {
    assertAssetKey(asset)
    assertPathSegment(pathSegment)
    assertRunId(runId)
    const dir = join(this.stagingRoot, asset, pathSegment, `${runId}-${randomSuffix()}`)
    await this.local(`create the staging folder ${dir}`, () => mkdir(dir, { recursive: true }))
    return Object.freeze({ asset, partition, pathSegment, runId, dir })
  }

  async commit(staged: StagedPartition, manifest: Manifest): Promise<Manifest> {
    const stagedDir = this.stagedDirOf(staged)
    const { asset, pathSegment, runId } = staged
    const where = `${asset}/${pathSegment}`
    if (manifest.asset !== asset || manifest.partition !== staged.partition) {
      throw new StrataError(
        'usage',
        `manifest of ${manifest.asset}/${manifest.partition} does not belong to staged partition ${asset}/${staged.partition}`,
        'Commit each staged partition with its own manifest.',
      )
    }
    const files = await this.digestStaged(stagedDir, where)
    const version = `v=${runId}-${randomSuffix()}`
    const committed: Manifest = { ...reconcileManifest(manifest, files, where), location: version }

    // 1. The new version, in its own folder: invisible until the pointer names it.
    const uploaded: string[] = []
    try {
      await forEachLimit(files, TRANSFER_CONCURRENCY, async (file) => {
        const key = this.versionKey(asset, pathSegment, version, file.name)
        await this.store.upload(key, join(stagedDir, file.name))
        uploaded.push(key)
      })
      // 2. Mark the version being replaced, so its grace period starts now.
      const previous = await this.readManifest(asset, pathSegment).catch((error: unknown) => {
        if (error instanceof StrataError && error.code === 'corrupt') return undefined // a commit repairs it
        throw error
      })
      if (previous?.location !== undefined && previous.location !== version) {
        await this.store.put(this.versionKey(asset, pathSegment, previous.location, SUPERSEDED), `${JSON.stringify({ supersededAt: new Date(this.now()).toISOString(), by: version })}\n`)
      }
    } catch (error) {
      // Nothing points at the new version yet: remove it now rather than after the grace period.
      await this.store.delete(uploaded).catch(() => undefined)
      throw error
    }
    // 3. The switch: one PUT. On an error here the outcome is unknown, so the version is kept
    //    (if the pointer did not change it is an orphan, removed after the grace period).
    await this.store.put(this.pointerKey(asset, pathSegment), `${JSON.stringify(committed, null, 2)}\n`)
    await this.store.delete([this.failureKey(asset, pathSegment)])

    await this.adoptIntoCache(stagedDir, committed, pathSegment)
    try {
      await this.removeStaleVersions(asset, pathSegment, this.graceMs)
    } catch (error) {
      this.log?.warn(`could not clean up old versions of ${where} in ${this.location}: ${(error as Error).message}`)
    }
    return committed
  }

  async discard(staged: StagedPartition): Promise<void> {
    const dir = this.stagedDirOf(staged)
    await this.local(`remove the staging folder ${dir}`, () => rm(dir, { recursive: true, force: true }))
  }

  async readManifest(asset: string, pathSegment: string): Promise<Manifest | undefined> {
    assertAssetKey(asset)
    assertPathSegment(pathSegment)
    const key = this.pointerKey(asset, pathSegment)
    const body = await this.store.get(key)
    if (body === undefined) return undefined
    return this.checkedManifest(body.toString('utf8'), this.urlOf(key), asset, pathSegment)
  }

  async listManifests(asset: string): Promise<Manifest[]> {
    assertAssetKey(asset)
    const segments: string[] = []
    for await (const object of this.store.list(`${asset}/`)) {
      const parts = object.key.split('/')
      if (parts.length === 3 && parts[2] === MANIFEST_FILE && isPathSegment(parts[1] ?? '')) segments.push(parts[1] as string)
    }
    return readManifests(segments.sort(), READ_CONCURRENCY, (segment) => this.readManifest(asset, segment))
  }

  /**
   * A verified local copy of the version `manifest` describes. Usually that is the current
   * version; a version superseded since the caller read its manifest is still served while its
   * files exist (the grace period). Reuses a complete cached copy; downloads otherwise, checking
   * every file's size and sha256 against the manifest.
   */
  async localDir(manifest: Manifest, pathSegment: string): Promise<string> {
    const { asset } = manifest
    assertAssetKey(asset)
    assertPathSegment(pathSegment)
    const hint = rebuildHint(asset, manifest.partition)
    const current = await this.readManifest(asset, pathSegment)
    if (!current) throw new StrataError('corrupt', `partition ${asset}/${pathSegment} is not committed in ${this.location}`, hint)
    const superseded = current.dataVersion !== manifest.dataVersion
    const wanted = superseded ? this.checkedManifest(JSON.stringify(manifest), `the manifest given for ${asset}/${pathSegment}`, asset, pathSegment) : current
    const changed = (): StrataError =>
      new StrataError(
        'storage',
        `partition ${asset}/${pathSegment} changed since its manifest was read (run ${current.runId} committed a new version)`,
        'Read the manifest again and retry.',
      )
    const version = wanted.location as string

    // One listing shows every file's presence and size, however many files there are.
    const remote = new Map<string, number>()
    for await (const object of this.store.list(`${asset}/${pathSegment}/${version}/`)) remote.set(object.key.slice(object.key.lastIndexOf('/') + 1), object.size)
    for (const file of wanted.files) {
      const size = remote.get(file.name)
      const url = this.urlOf(this.versionKey(asset, pathSegment, version, file.name))
      if (size === undefined) {
        if (superseded) throw changed()
        throw new StrataError('corrupt', `file ${url} listed in the manifest of ${asset}/${pathSegment} is missing`, hint)
      }
      if (size !== file.bytes) throw new StrataError('corrupt', `file ${url} has ${size} bytes, the manifest of ${asset}/${pathSegment} says ${file.bytes}`, hint)
    }

    const dir = this.cacheDirOf(asset, pathSegment, wanted.dataVersion)
    if (await this.isCompleteCopy(dir, wanted.files)) return dir
    await this.download(dir, wanted, pathSegment, superseded ? changed : undefined)
    return dir
  }

  async writeFailure(asset: string, pathSegment: string, failure: FailureRecord): Promise<void> {
    assertAssetKey(asset)
    assertPathSegment(pathSegment)
    if (failure.asset !== asset) {
      throw new StrataError('usage', `failure record of ${failure.asset} written for asset ${asset}`, "Pass the failed step's own asset.")
    }
    await this.store.put(this.failureKey(asset, pathSegment), `${JSON.stringify(failure, null, 2)}\n`)
  }

  async readFailure(asset: string, pathSegment: string): Promise<FailureRecord | undefined> {
    assertAssetKey(asset)
    assertPathSegment(pathSegment)
    const key = this.failureKey(asset, pathSegment)
    const body = await this.store.get(key)
    return body === undefined ? undefined : parseFailureRecord(body.toString('utf8'), this.urlOf(key))
  }

  async listFailures(asset: string): Promise<FailureRecord[]> {
    assertAssetKey(asset)
    const base = `${STRATA_DIR}/failures/${asset}/`
    const segments: string[] = []
    for await (const object of this.store.list(base)) {
      const name = object.key.slice(base.length)
      if (name.endsWith('.json') && isPathSegment(name.slice(0, -'.json'.length))) segments.push(name.slice(0, -'.json'.length))
    }
    const records = await Promise.all(segments.sort().map((segment) => this.readFailure(asset, segment)))
    return records.filter((record): record is FailureRecord => record !== undefined)
  }

  async writeDocument(key: string, value: unknown): Promise<void> {
    await this.store.put(this.documentKey(key), documentText(key, value))
  }

  /**
   * A conditional PUT (`If-None-Match: *`; S3 answers 412 when the key exists). On a server that
   * ignores the header (s3rver, some S3-compatible stores; probed once) this falls back to
   * read, write, wait and read back, which narrows the race but cannot close it.
   */
  async createDocument(key: string, value: unknown): Promise<boolean> {
    const objectKey = this.documentKey(key)
    const text = documentText(key, value)
    if (await supportsConditionalWrites(this.store)) return this.store.putIfAbsent(objectKey, text)
    if ((await this.store.get(objectKey)) !== undefined) return false
    await this.store.put(objectKey, text)
    await new Promise((resolve) => setTimeout(resolve, FALLBACK_SETTLE_MS))
    return (await this.store.get(objectKey))?.toString('utf8') === text
  }

  /** The stored JSON as `T`; the caller owns the shape, only the JSON syntax is checked here. */
  async readDocument<T>(key: string): Promise<T | undefined> {
    const objectKey = this.documentKey(key)
    const body = await this.store.get(objectKey)
    if (body === undefined) return undefined
    const url = this.urlOf(objectKey)
    return parseJson(body.toString('utf8'), url, `Delete or restore ${url}.`) as T
  }

  /** Keys (sorted) of the documents whose key starts with `prefix`, e.g. `runs/`. */
  async listDocuments(prefix: string): Promise<string[]> {
    const { folders, tail } = documentPrefixParts(prefix)
    const base = `${STRATA_DIR}/docs/`
    const keys: string[] = []
    for await (const object of this.store.list(`${base}${[...folders, tail].join('/')}`)) {
      const path = object.key.slice(base.length)
      if (!path.endsWith('.json')) continue
      const key = path.slice(0, -'.json'.length)
      if (key.split('/').every(isDocumentKeySegment)) keys.push(key)
    }
    return keys.sort(byCodeUnits)
  }

  /**
   * Removes, older than `olderThanMs`: local staging folders of crashed runs, half-finished
   * cache downloads, and in S3 every version that is not current (superseded, or uploaded by
   * a commit that never switched the pointer). Returns how many folders/versions it removed.
   */
  async cleanStaging(olderThanMs: number): Promise<number> {
    let removed = 0
    const now = this.now()
    for (const asset of (await this.readdirIfExists(this.stagingRoot)).filter(isAssetKey)) {
      for (const segment of (await this.readdirIfExists(join(this.stagingRoot, asset))).filter(isPathSegment)) {
        const folder = join(this.stagingRoot, asset, segment)
        for (const name of await this.readdirIfExists(folder)) {
          const info = await stat(join(folder, name)).catch(() => undefined)
          if (info && now - info.mtimeMs >= olderThanMs) {
            await this.local(`remove ${join(folder, name)}`, () => rm(join(folder, name), { recursive: true, force: true }))
            removed++
          }
        }
      }
    }
    for (const asset of (await this.readdirIfExists(this.cacheRoot)).filter(isAssetKey)) {
      for (const segment of (await this.readdirIfExists(join(this.cacheRoot, asset))).filter(isPathSegment)) {
        const folder = join(this.cacheRoot, asset, segment)
        for (const name of (await this.readdirIfExists(folder)).filter((entry) => entry.startsWith('.'))) {
          const info = await stat(join(folder, name)).catch(() => undefined)
          if (info && now - info.mtimeMs >= olderThanMs) {
            await this.local(`remove ${join(folder, name)}`, () => rm(join(folder, name), { recursive: true, force: true }))
            removed++
          }
        }
      }
    }
    const partitions = new Set<string>()
    for await (const object of this.store.list('')) {
      const parts = object.key.split('/')
      if (parts.length === 4 && isAssetKey(parts[0] ?? '') && isPathSegment(parts[1] ?? '') && VERSION.test(parts[2] ?? '')) partitions.add(`${parts[0]}/${parts[1]}`)
    }
    for (const partition of [...partitions].sort()) {
      const [asset, segment] = partition.split('/') as [string, string]
      removed += await this.removeStaleVersions(asset, segment, olderThanMs)
    }
    return removed
  }

  /**
   * The `s3://` folder holding the files of a committed version: what the Glue catalog sets as
   * the partition's location.
   */
  dataLocation(manifest: Manifest, pathSegment: string): string {
    assertAssetKey(manifest.asset)
    assertPathSegment(pathSegment)
    if (manifest.location === undefined || !VERSION.test(manifest.location)) {
      throw new StrataError('corrupt', `manifest of ${manifest.asset}/${pathSegment} has no version location`, rebuildHint(manifest.asset, manifest.partition))
    }
    return `${this.urlOf(`${manifest.asset}/${pathSegment}/${manifest.location}`)}/`
  }

  // ── versions ────────────────────────────────────────────────────────────────────────────

  /** Deletes the non-current versions of one partition that are past `graceMs`; returns how many. */
  private async removeStaleVersions(asset: string, pathSegment: string, graceMs: number): Promise<number> {
    const base = `${asset}/${pathSegment}/`
    const versions = new Map<string, ObjectInfo[]>()
    let hasPointer = false
    for await (const object of this.store.list(base)) {
      const parts = object.key.slice(base.length).split('/')
      if (parts.length === 1 && parts[0] === MANIFEST_FILE) hasPointer = true
      if (parts.length !== 2 || !VERSION.test(parts[0] ?? '')) continue
      const list = versions.get(parts[0] as string) ?? []
      list.push(object)
      versions.set(parts[0] as string, list)
    }
    let current: string | undefined
    if (hasPointer) {
      try {
        current = (await this.readManifest(asset, pathSegment))?.location
      } catch (error) {
        // A damaged pointer: which version is current is unknown, so nothing is deleted.
        if (error instanceof StrataError && error.code === 'corrupt') return 0
        throw error
      }
    }
    const now = this.now()
    let removed = 0
    for (const [version, objects] of versions) {
      if (version === current) continue
      const marker = objects.find((object) => object.key.endsWith(`/${SUPERSEDED}`))
      const since = marker ? marker.lastModified.getTime() : Math.max(...objects.map((object) => object.lastModified.getTime()))
      if (now - since < graceMs) continue
      // Data first, marker last: a half-deleted version still carries its supersession time.
      await this.store.delete(objects.filter((object) => object !== marker).map((object) => object.key))
      if (marker) await this.store.delete([marker.key])
      removed++
    }
    return removed
  }

  private checkedManifest(text: string, where: string, asset: string, pathSegment: string): Manifest {
    const hint = rebuildHint(asset, partitionOfSegment(pathSegment))
    const manifest = parseManifest(text, where, hint)
    if (manifest.asset !== asset) throw new StrataError('corrupt', `manifest ${where} belongs to asset ${manifest.asset}, not ${asset}`, hint)
    if (typeof manifest.location !== 'string' || !VERSION.test(manifest.location)) {
      throw new StrataError('corrupt', `damaged manifest ${where}: location is not a version folder (v=…)`, hint)
    }
    return manifest
  }

  // ── local staging and cache ─────────────────────────────────────────────────────────────

  /** The staged folder, checked to be one `stage` of this storage made for this partition. */
  private stagedDirOf(staged: StagedPartition): string {
    assertAssetKey(staged.asset)
    assertPathSegment(staged.pathSegment)
    assertRunId(staged.runId)
    const dir = resolve(staged.dir)
    const parent = join(this.stagingRoot, staged.asset, staged.pathSegment)
    if (dirname(dir) !== parent || !/^[0-9a-f]{8}$/.test(dir.slice(parent.length + 1 + staged.runId.length + 1)) || !dir.slice(parent.length + 1).startsWith(`${staged.runId}-`)) {
      throw new StrataError('usage', `${dir} is not a staging folder of ${staged.asset}/${staged.pathSegment} for ${this.location}`, 'Commit or discard only what stage() returned.')
    }
    return dir
  }

  private async digestStaged(dir: string, where: string): Promise<FileEntry[]> {
    const exists = await stat(dir).catch(() => undefined)
    if (!exists?.isDirectory()) {
      throw new StrataError('storage', `staging folder ${dir} of ${where} is gone`, 'It was already committed or discarded; stage the partition again.')
    }
    const files: FileEntry[] = []
    for (const name of (await this.readdirIfExists(dir)).sort(byCodeUnits)) {
      assertDataFileName(name, `staged ${where}`)
      const path = join(dir, name)
      const info = await this.local(`inspect ${path}`, () => lstat(path))
      if (!info.isFile()) {
        throw new StrataError('usage', `${path} in staged ${where} is not a plain file`, 'Write only plain files into the staged folder, no subfolders or links.')
      }
      files.push({ name, ...(await digestFile(path)) })
    }
    return files
  }

  private cacheDirOf(asset: string, pathSegment: string, dataVersion: string): string {
    if (!/^[0-9a-f]{64}$/.test(dataVersion)) {
      throw new StrataError('corrupt', `manifest of ${asset}/${pathSegment} has a malformed data version`, rebuildHint(asset, partitionOfSegment(pathSegment)))
    }
    return join(this.cacheRoot, asset, pathSegment, dataVersion)
  }

  /** The committed files are already on this machine: keep them as the cached copy. */
  private async adoptIntoCache(stagedDir: string, committed: Manifest, pathSegment: string): Promise<void> {
    const dir = this.cacheDirOf(committed.asset, pathSegment, committed.dataVersion)
    try {
      await mkdir(dirname(dir), { recursive: true })
      await rename(stagedDir, dir)
    } catch {
      // Already cached (same content) or another file system: the staged copy is not needed.
      await rm(stagedDir, { recursive: true, force: true }).catch(() => undefined)
    }
  }

  /** Exactly the manifest's files, with their sizes (and hashes with verifyHashes). */
  private async isCompleteCopy(dir: string, files: readonly FileEntry[]): Promise<boolean> {
    const names = await this.readdirIfExists(dir)
    if (names.length !== files.length) return false
    for (const file of files) {
      const info = await stat(join(dir, file.name)).catch(() => undefined)
      if (!info?.isFile() || info.size !== file.bytes) return false
      if (this.verifyHashes && (await digestFile(join(dir, file.name))).sha256 !== file.sha256) return false
    }
    return true
  }

  /** Downloads into a temp folder, verifies, then renames it into place (replacing a damaged copy). */
  private async download(dir: string, manifest: Manifest, pathSegment: string, gone: (() => StrataError) | undefined): Promise<void> {
    const { asset } = manifest
    const hint = rebuildHint(asset, manifest.partition)
    const version = manifest.location as string
    const tmp = join(dirname(dir), `.tmp-${randomSuffix()}`)
    await this.local(`create ${tmp}`, () => mkdir(tmp, { recursive: true }))
    try {
      await forEachLimit(manifest.files, TRANSFER_CONCURRENCY, async (file) => {
        const key = this.versionKey(asset, pathSegment, version, file.name)
        const digest = await this.store.download(key, join(tmp, file.name))
        if (digest === undefined) {
          if (gone) throw gone()
          throw new StrataError('corrupt', `file ${this.urlOf(key)} listed in the manifest of ${asset}/${pathSegment} is missing`, hint)
        }
        if (digest.bytes !== file.bytes || digest.sha256 !== file.sha256) {
          throw new StrataError('corrupt', `file ${this.urlOf(key)} does not match the size or sha256 in the manifest of ${asset}/${pathSegment}`, hint)
        }
      })
      try {
        await rename(tmp, dir)
      } catch (error) {
        if (errno(error) !== 'ENOTEMPTY' && errno(error) !== 'EEXIST') throw error
        // Another reader finished first (keep theirs), or a damaged copy is in the way.
        if (await this.isCompleteCopy(dir, manifest.files)) return
        const old = join(dirname(dir), `.old-${randomSuffix()}`)
        await rename(dir, old).catch(() => undefined)
        await rename(tmp, dir)
        await rm(old, { recursive: true, force: true })
      }
    } catch (error) {
      if (error instanceof StrataError) throw error
      throw new StrataError('storage', `could not fill the local cache ${dir}: ${(error as Error).message}`, 'Check that the cache folder (STRATA_CACHE_DIR) is writable and has free space.', { cause: error })
    } finally {
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined)
    }
  }

  // ── keys ────────────────────────────────────────────────────────────────────────────────

  private pointerKey(asset: string, pathSegment: string): string {
    return `${asset}/${pathSegment}/${MANIFEST_FILE}`
  }

  private versionKey(asset: string, pathSegment: string, version: string, name: string): string {
    return `${asset}/${pathSegment}/${version}/${name}`
  }

  private failureKey(asset: string, pathSegment: string): string {
    return `${STRATA_DIR}/failures/${asset}/${pathSegment}.json`
  }

  private documentKey(key: string): string {
    return `${STRATA_DIR}/docs/${documentKeySegments(key).join('/')}.json`
  }

  private urlOf(key: string): string {
    return `${this.location}/${key}`
  }

  // ── local helpers ───────────────────────────────────────────────────────────────────────

  private async readdirIfExists(dir: string): Promise<string[]> {
    try {
      return await readdir(dir)
    } catch (error) {
      if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return []
      throw this.localError(`list ${dir}`, error)
    }
  }

  private local<T>(what: string, work: () => Promise<T>): Promise<T> {
    return withLocalIo(what, CACHE_HINT, work)
  }

  private localError(what: string, error: unknown): StrataError {
    return localIoError(what, error, CACHE_HINT)
  }
}

/** Runs `work` over `items`, at most `limit` at a time; the first failure is thrown after all settle. */
async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === undefined) {
      const item = items[next++] as T
      try {
        await work(item)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failure !== undefined) throw failure.error
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}


