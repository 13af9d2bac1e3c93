import { createHash } from 'node:crypto'
import { readFileSync, type Dirent, type Stats } from 'node:fs'
import { link, mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { StrataError } from '../errors/index.js'
import { digestFile } from './data-version.js'
import type { FailureRecord, Manifest } from './manifest.js'
import { lockLocalPartition } from './local-partition-lock.js'
import type { LockOptions, LockOwner, PartitionLock } from './partition-lock.js'
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

/** Options of {@link LocalStorage}. */
export interface LocalStorageOptions {
  /**
   * Also compare every file's sha256 with the manifest in `localDir` (default false: sizes
   * only, because hashing every input on every read costs more than most steps).
   */
  readonly verifyHashes?: boolean
  /** Partition lock timing (see partition-lock.ts). */
  readonly locks?: LockOptions
}

const STRATA_DIR = '_strata'
const IO_HINT = 'Check that the storage folder exists, is writable and has free space.'
/** Rename collisions with concurrent committers or recovering readers are retried this often. */
const COMMIT_ATTEMPTS = 5
/** How many manifests `listManifests` reads at once. */
const READ_CONCURRENCY = 16
/** Read size when hashing staged files. */
const DIGEST_CHUNK = 1 << 20



/** Fixed-width, so trash entries sort by age as plain strings. */
function timestampName(now = Date.now()): string {
  return `${String(now).padStart(15, '0')}-${randomSuffix()}`
}

function ageOfTimestampName(name: string, now: number): number | undefined {
  const match = /^(\d{15})-[0-9a-f]+$/.exec(name)
  return match ? now - Number(match[1]) : undefined
}

/**
 * Storage over a local folder (see {@link Storage}). Each committed partition is the folder
 * `<root>/<asset>/<pathSegment>/` with its data files and `_manifest.json`; bookkeeping lives
 * under `<root>/_strata/` (staging, trash, failures, docs, tmp).
 *
 * A commit is two POSIX renames: the current version goes to the trash, then the staged
 * folder (with its manifest written last and everything fsynced) takes its place. A crash
 * between the two leaves the target missing and the old version in the trash; the next reader
 * restores it, so the previous version is always readable.
 *
 * @example
 * const storage = new LocalStorage('./data/storage')
 * const staged = await storage.stage('cdi_scores', '2026-03-01', 'dt=2026-03-01', runId)
 * // … write files into staged.dir …
 * const committed = await storage.commit(staged, manifest)
 */
export class LocalStorage implements Storage {
  /** Absolute path of the root folder. */
  readonly root: string
  readonly location: string
  private readonly verifyHashes: boolean
  private readonly lockOptions: LockOptions
  /** Serialises commits and recoveries of one partition inside this process. */
  private readonly locks = new Map<string, Promise<void>>()
  /** Folders this instance made (or found) with mkdir -p, so each commit does not ask again. */
  private readonly knownDirs = new Set<string>()

  constructor(root: string, options: LocalStorageOptions = {}) {
    this.root = resolve(root)
    this.location = this.root
    this.verifyHashes = options.verifyHashes ?? false
    this.lockOptions = options.locks ?? {}
  }

  /** The lock file `_strata/locks/<asset>/<segment>.lock` (see partition-lock.ts). */
  async lock(asset: string, pathSegment: string, owner: LockOwner, wait?: { readonly waitMs: number }): Promise<PartitionLock> {
    assertAssetKey(asset)
    assertPathSegment(pathSegment)
    return lockLocalPartition(this.pathOf(STRATA_DIR, 'locks', asset, `${pathSegment}.lock`), asset, pathSegment, owner, { ...this.lockOptions, ...wait })
  }

  async stage(asset: string, partition: string, pathSegment: string, runId: string): Promise<StagedPartition> {
    assertAssetKey(asset)
    assertPathSegment(pathSegment)
    assertRunId(runId)
    const dir = this.pathOf(STRATA_DIR, 'staging', asset, pathSegment, `${runId}-${randomSuffix()}`)
    await this.io(`create the staging folder ${dir}`, () => mkdir(dir, { recursive: true }))
    return Object.freeze({ asset, partition, pathSegment, runId, dir })
  }

  /**
   * Commits the staged folder. The files and data version of the committed manifest are
   * computed from the staged files: a caller-provided non-empty `files` list or `dataVersion`
   * must match them. Returns the manifest as committed.
   */
  async commit(staged: StagedPartition, manifest: Manifest): Promise<Manifest> {
    const { asset, pathSegment } = staged
    const stagedDir = this.stagedDirOf(staged)
    if (manifest.asset !== asset || manifest.partition !== staged.partition) {
      throw new StrataError(
        'usage',
        `manifest of ${manifest.asset}/${manifest.partition} does not belong to staged partition ${asset}/${staged.partition}`,
        'Commit each staged partition with its own manifest.',
      )
    }
    const files = await this.digestStaged(stagedDir, staged)
    const committed = reconcileManifest(manifest, files, `${asset}/${pathSegment}`)
    // One durable step after the other (data files while digested, manifest, folder entries):
    // issuing them at once measured slower at concurrency 2, because blocked fsyncs fill the
    // four-thread pool that every other file operation of the run waits for.
    await this.writeDurably(join(stagedDir, MANIFEST_FILE), `${JSON.stringify(committed, null, 2)}\n`)
    await this.fsyncDir(stagedDir)

    const target = this.pathOf(asset, pathSegment)
    await this.ensureDir(dirname(target))
    await this.withLock(`${asset}/${pathSegment}`, () => this.swapIn(stagedDir, target, asset, pathSegment))
    await this.io(`clear the failure record of ${asset}/${pathSegment}`, () =>
      rm(this.failurePath(asset, pathSegment), { force: true }),
    )
    return committed
  }

  async discard(staged: StagedPartition): Promise<void> {
    const dir = this.stagedDirOf(staged)
    await this.io(`remove the staging folder ${dir}`, () => rm(dir, { recursive: true, force: true }))
  }

  async readManifest(asset: string, pathSegment: string): Promise<Manifest | undefined> {
    assertAssetKey(asset)
    assertPathSegment(pathSegment)
    const target = this.pathOf(asset, pathSegment)
    const file = join(target, MANIFEST_FILE)
    // A concurrent commit can move the folder away between our read and our look at the
    // trash, so a missing manifest is retried after recovery before it is called damage.
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
      const text = await this.readIfExists(file)
      if (text !== undefined) return this.checkedManifest(text, file, asset, pathSegment)
      const state = await this.recover(asset, pathSegment)
      if (state === 'absent') return undefined
    }
    throw new StrataError('corrupt', `partition folder ${target} has no ${MANIFEST_FILE}`, rebuildHint(asset, partitionOfSegment(pathSegment)))
  }

  async listManifests(asset: string): Promise<Manifest[]> {
    assertAssetKey(asset)
    const segments = new Set<string>([
      ...(await this.segmentFolders(this.pathOf(asset))),
      ...(await this.segmentFolders(this.pathOf(STRATA_DIR, 'trash', asset))),
    ])
    return readManifests([...segments].sort(), READ_CONCURRENCY, (segment) => this.readManifest(asset, segment))
  }

  async localDir(manifest: Manifest, pathSegment: string): Promise<string> {
    const { asset } = manifest
    assertAssetKey(asset)
    assertPathSegment(pathSegment)
    const hint = rebuildHint(asset, manifest.partition)
    const current = await this.readManifest(asset, pathSegment)
    if (!current) {
      throw new StrataError('corrupt', `partition ${asset}/${pathSegment} is not committed in ${this.root}`, hint)
    }
    if (current.dataVersion !== manifest.dataVersion) {
      throw new StrataError(
        'storage',
        `partition ${asset}/${pathSegment} changed since its manifest was read (run ${current.runId} committed a new version)`,
        'Read the manifest again and retry.',
      )
    }
    const dir = this.pathOf(asset, pathSegment)
    for (const file of current.files) {
      const path = join(dir, file.name)
      const info = await this.statIfExists(path)
      if (!info?.isFile()) throw new StrataError('corrupt', `file ${path} listed in the manifest of ${asset}/${pathSegment} is missing`, hint)
      if (info.size !== file.bytes) {
        throw new StrataError('corrupt', `file ${path} has ${info.size} bytes, the manifest of ${asset}/${pathSegment} says ${file.bytes}`, hint)
      }
      if (this.verifyHashes && (await digestFile(path)).sha256 !== file.sha256) {
        throw new StrataError('corrupt', `file ${path} does not match the sha256 in the manifest of ${asset}/${pathSegment}`, hint)
      }
    }
    return dir
  }

  async writeFailure(asset: string, pathSegment: string, failure: FailureRecord): Promise<void> {
    assertAssetKey(asset)
    assertPathSegment(pathSegment)
    if (failure.asset !== asset) {
      throw new StrataError('usage', `failure record of ${failure.asset} written for asset ${asset}`, 'Pass the failed step\'s own asset.')
    }
    await this.writeAtomically(this.failurePath(asset, pathSegment), `${JSON.stringify(failure, null, 2)}\n`)
  }

  async readFailure(asset: string, pathSegment: string): Promise<FailureRecord | undefined> {
    assertAssetKey(asset)
    assertPathSegment(pathSegment)
    const file = this.failurePath(asset, pathSegment)
    const text = await this.readIfExists(file)
    return text === undefined ? undefined : parseFailureRecord(text, file)
  }

  async listFailures(asset: string): Promise<FailureRecord[]> {
    assertAssetKey(asset)
    const names = await this.readdirIfExists(this.pathOf(STRATA_DIR, 'failures', asset))
    const segments = names.filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -'.json'.length)).filter(isPathSegment)
    const records = await Promise.all(segments.sort().map((segment) => this.readFailure(asset, segment)))
    return records.filter((record): record is FailureRecord => record !== undefined)
  }

  async writeDocument(key: string, value: unknown): Promise<void> {
    await this.writeAtomically(this.documentPath(key), documentText(key, value))
  }

  async createDocument(key: string, value: unknown): Promise<boolean> {
    const file = this.documentPath(key)
    const tmpDir = this.pathOf(STRATA_DIR, 'tmp')
    const tmp = join(tmpDir, `${timestampName()}.tmp`)
    await this.ensureDir(tmpDir)
    await this.ensureDir(dirname(file))
    try {
      await this.writeDurably(tmp, documentText(key, value))
      // link(2) is the exclusive create (EEXIST when the name exists, atomically, like O_EXCL)
      // of a file that is already complete, so a reader never sees the claim half-written.
      await link(tmp, file)
    } catch (error) {
      if (errno(error) === 'EEXIST') return false
      throw this.ioError(`create ${file}`, error)
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined)
    }
    await this.fsyncDir(dirname(file))
    return true
  }

  /** The stored JSON as `T`; the caller owns the shape, only the JSON syntax is checked here. */
  async readDocument<T>(key: string): Promise<T | undefined> {
    const file = this.documentPath(key)
    const text = await this.readIfExists(file)
    if (text === undefined) return undefined
    return parseJson(text, file, `Delete or restore ${file}.`) as T
  }

  /** Keys (sorted) of the documents whose key starts with `prefix`, e.g. `runs/`. */
  async listDocuments(prefix: string): Promise<string[]> {
    const { folders, tail } = documentPrefixParts(prefix)
    const base = this.pathOf(STRATA_DIR, 'docs', ...folders)
    const keys: string[] = []
    const walk = async (dir: string, keyParts: string[], nameStart: string): Promise<void> => {
      const entries = await this.readdirIfExists(dir, true)
      for (const entry of entries) {
        if (!entry.name.startsWith(nameStart)) continue
        if (entry.isDirectory() && isDocumentKeySegment(entry.name)) {
          await walk(join(dir, entry.name), [...keyParts, entry.name], '')
        } else if (entry.isFile() && entry.name.endsWith('.json')) {
          const name = entry.name.slice(0, -'.json'.length)
          if (isDocumentKeySegment(name)) keys.push([...keyParts, name].join('/'))
        }
      }
    }
    await walk(base, folders, tail)
    return keys.sort()
  }

  /**
   * Removes staging folders, trash entries and temp files older than `olderThanMs`. Pick an age
   * well above the longest step: a younger staging folder may belong to a running step.
   */
  async cleanStaging(olderThanMs: number): Promise<number> {
    const now = Date.now()
    let removed = 0
    for (const [asset, segment, dir] of await this.partitionFolders('staging')) {
      for (const name of await this.readdirIfExists(dir)) {
        const info = await this.statIfExists(join(dir, name))
        if (info && now - info.mtimeMs >= olderThanMs) {
          await this.removeTree(join(dir, name), `${asset}/${segment}`)
          removed++
        }
      }
    }
    for (const [asset, segment, dir] of await this.partitionFolders('trash')) {
      // Never drop the only copy left by a crash between the two renames.
      await this.recover(asset, segment)
      for (const name of await this.readdirIfExists(dir)) {
        const age = ageOfTimestampName(name, now)
        if (age !== undefined && age >= olderThanMs) {
          await this.removeTree(join(dir, name), `${asset}/${segment}`)
          removed++
        }
      }
    }
    const tmp = this.pathOf(STRATA_DIR, 'tmp')
    for (const name of await this.readdirIfExists(tmp)) {
      const info = await this.statIfExists(join(tmp, name))
      if (info && now - info.mtimeMs >= olderThanMs) {
        await this.io(`remove ${join(tmp, name)}`, () => rm(join(tmp, name), { force: true }))
        removed++
      }
    }
    return removed
  }

  // ── commit internals ────────────────────────────────────────────────────────────────────

  /** The staged folder, checked to be one `stage` of this storage made for this partition. */
  private stagedDirOf(staged: StagedPartition): string {
    assertAssetKey(staged.asset)
    assertPathSegment(staged.pathSegment)
    assertRunId(staged.runId)
    const dir = resolve(staged.dir)
    const parent = this.pathOf(STRATA_DIR, 'staging', staged.asset, staged.pathSegment)
    if (dirname(dir) !== parent || !dir.slice(parent.length + 1).startsWith(`${staged.runId}-`)) {
      throw new StrataError('usage', `${dir} is not a staging folder of ${staged.asset}/${staged.pathSegment} in ${this.root}`, 'Commit or discard only what stage() returned.')
    }
    return dir
  }

  /** Names, sizes and hashes of the staged data files, each fsynced (one handle per file: read, hash, fsync, close). */
  private async digestStaged(dir: string, staged: StagedPartition): Promise<{ name: string; bytes: number; sha256: string }[]> {
    const where = `${staged.asset}/${staged.pathSegment}`
    const exists = await this.statIfExists(dir)
    if (!exists?.isDirectory()) {
      throw new StrataError('storage', `staging folder ${dir} of ${where} is gone`, 'It was already committed or discarded; stage the partition again.')
    }
    const entries = (await this.readdirIfExists(dir, true)).filter((entry) => entry.name !== MANIFEST_FILE).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const files: { name: string; bytes: number; sha256: string }[] = []
    for (const entry of entries) {
      assertDataFileName(entry.name, `staged ${where}`)
      const path = join(dir, entry.name)
      // The entry's type is lstat's: readdir does not follow links.
      if (!entry.isFile()) {
        throw new StrataError('usage', `${path} in staged ${where} is not a plain file`, 'Write only plain files into the staged folder, no subfolders or links.')
      }
      files.push({ name: entry.name, ...(await this.digestAndSync(path)) })
    }
    return files
  }

  /** sha256 and size of a file read through one handle, which is then fsynced and closed. */
  private async digestAndSync(path: string): Promise<{ bytes: number; sha256: string }> {
    return this.io(`read and fsync ${path}`, async () => {
      const handle = await open(path, 'r')
      try {
        const digest = await digestHandle(handle)
        await handle.sync()
        return digest
      } finally {
        await handle.close()
      }
    })
  }

  /** mkdir -p, once per folder per process (a folder that vanished later is made again by the caller's retry). */
  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return
    await this.io(`create ${dir}`, () => mkdir(dir, { recursive: true }))
    this.knownDirs.add(dir)
  }

  /**
   * Rename the current version (if any) to the trash, then the staged folder into place.
   * A reader may restore the trashed version in between (it saw the target missing); the
   * second rename then fails on a non-empty target and the swap is simply repeated.
   */
  private async swapIn(stagedDir: string, target: string, asset: string, pathSegment: string): Promise<void> {
    const where = `${asset}/${pathSegment}`
    const trashed: string[] = []
    let installed = false
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS && !installed; attempt++) {
      if (await this.statIfExists(target)) {
        const trash = this.pathOf(STRATA_DIR, 'trash', asset, pathSegment, timestampName())
        await this.io(`create ${dirname(trash)}`, () => mkdir(dirname(trash), { recursive: true }))
        try {
          await rename(target, trash)
          trashed.push(trash)
        } catch (error) {
          if (errno(error) !== 'ENOENT') throw this.ioError(`move ${target} to the trash`, error)
        }
      }
      try {
        await rename(stagedDir, target)
        installed = true
      } catch (error) {
        if (errno(error) === 'ENOENT' && !(await this.statIfExists(dirname(target)))) {
          // The asset folder was removed since this process made it: make it again and retry.
          this.knownDirs.delete(dirname(target))
          await this.ensureDir(dirname(target))
          continue
        }
        if (errno(error) !== 'ENOTEMPTY' && errno(error) !== 'EEXIST') {
          await this.restoreNewest(asset, pathSegment).catch(() => undefined)
          throw this.ioError(`rename ${stagedDir} to ${target}`, error)
        }
      }
    }
    if (!installed) {
      throw new StrataError('locked', `could not commit ${where}: other processes keep replacing it`, 'Make sure only one run materializes a partition at a time, then retry.')
    }
    await this.fsyncDir(dirname(target))
    for (const trash of trashed) await this.removeTree(trash, where)
  }

  // ── recovery ────────────────────────────────────────────────────────────────────────────

  /**
   * Restores the newest complete trash entry when the target is missing (a crash between the
   * two renames of a commit). 'present': the target exists; 'absent': never committed.
   */
  private async recover(asset: string, pathSegment: string): Promise<'present' | 'restored' | 'absent'> {
    return this.withLock(`${asset}/${pathSegment}`, async () => {
      if (await this.statIfExists(this.pathOf(asset, pathSegment))) return 'present'
      return this.restoreNewest(asset, pathSegment)
    })
  }

  private async restoreNewest(asset: string, pathSegment: string): Promise<'present' | 'restored' | 'absent'> {
    const target = this.pathOf(asset, pathSegment)
    const trashDir = this.pathOf(STRATA_DIR, 'trash', asset, pathSegment)
    const entries = (await this.readdirIfExists(trashDir)).filter((name) => ageOfTimestampName(name, 0) !== undefined).sort().reverse()
    for (const name of entries) {
      const entry = join(trashDir, name)
      if (!(await this.isComplete(entry, asset, pathSegment))) continue
      try {
        await rename(entry, target)
      } catch (error) {
        // Someone else installed a version (or restored this one) first: theirs wins.
        if (errno(error) === 'ENOTEMPTY' || errno(error) === 'EEXIST') return 'present'
        if (errno(error) === 'ENOENT') continue
        throw this.ioError(`restore ${entry} to ${target}`, error)
      }
      await this.fsyncDir(dirname(target))
      return 'restored'
    }
    return (await this.statIfExists(target)) ? 'present' : 'absent'
  }

  /** A trash entry is complete when its manifest parses and every listed file has its size. */
  private async isComplete(dir: string, asset: string, pathSegment: string): Promise<boolean> {
    try {
      const file = join(dir, MANIFEST_FILE)
      const text = await this.readIfExists(file)
      if (text === undefined) return false
      const manifest = this.checkedManifest(text, file, asset, pathSegment)
      for (const entry of manifest.files) {
        const info = await this.statIfExists(join(dir, entry.name))
        if (info?.size !== entry.bytes) return false
      }
      return true
    } catch {
      return false
    }
  }

  private checkedManifest(text: string, file: string, asset: string, pathSegment: string): Manifest {
    const hint = rebuildHint(asset, partitionOfSegment(pathSegment))
    const manifest = parseManifest(text, file, hint)
    if (manifest.asset !== asset) throw new StrataError('corrupt', `manifest ${file} belongs to asset ${manifest.asset}, not ${asset}`, hint)
    return manifest
  }

  // ── paths ───────────────────────────────────────────────────────────────────────────────

  /** A path under the root; segments must already be validated, this is the last line of defence. */
  private pathOf(...segments: string[]): string {
    const path = resolve(this.root, ...segments)
    const rel = relative(this.root, path)
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new StrataError('storage', `refusing to touch ${path}: outside the storage root ${this.root}`, 'This is a bug in Strata; please report it.')
    }
    return path
  }

  private failurePath(asset: string, pathSegment: string): string {
    return this.pathOf(STRATA_DIR, 'failures', asset, `${pathSegment}.json`)
  }

  private documentPath(key: string): string {
    const segments = documentKeySegments(key)
    const last = segments.pop() as string
    return this.pathOf(STRATA_DIR, 'docs', ...segments, `${last}.json`)
  }

  /** `[asset, segment, folder]` for every partition folder under `_strata/<area>/`. */
  private async partitionFolders(area: 'staging' | 'trash'): Promise<[string, string, string][]> {
    const found: [string, string, string][] = []
    const areaDir = this.pathOf(STRATA_DIR, area)
    for (const asset of (await this.readdirIfExists(areaDir)).filter(isAssetKey)) {
      for (const segment of await this.segmentFolders(join(areaDir, asset))) {
        found.push([asset, segment, this.pathOf(STRATA_DIR, area, asset, segment)])
      }
    }
    return found
  }

  private async segmentFolders(dir: string): Promise<string[]> {
    const entries = await this.readdirIfExists(dir, true)
    return entries.filter((entry) => entry.isDirectory() && isPathSegment(entry.name)).map((entry) => entry.name)
  }

  // ── file system helpers ─────────────────────────────────────────────────────────────────

  private async withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve()
    let release: () => void = () => undefined
    const current = new Promise<void>((resolveLock) => (release = resolveLock))
    const tail = previous.then(() => current)
    this.locks.set(key, tail)
    await previous
    try {
      return await work()
    } finally {
      release()
      if (this.locks.get(key) === tail) this.locks.delete(key)
    }
  }

  /** Temp file in `_strata/tmp/`, fsynced, then renamed over the target: readers see old or new. */
  private async writeAtomically(target: string, text: string): Promise<void> {
    const tmpDir = this.pathOf(STRATA_DIR, 'tmp')
    const tmp = join(tmpDir, `${timestampName()}.tmp`)
    await this.ensureDir(tmpDir)
    await this.ensureDir(dirname(target))
    try {
      await this.writeDurably(tmp, text)
      await this.io(`rename ${tmp} to ${target}`, () => rename(tmp, target))
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => undefined)
      throw error
    }
    await this.fsyncDir(dirname(target))
  }

  private async writeDurably(path: string, text: string): Promise<void> {
    const handle = await this.io(`write ${path}`, () => open(path, 'w'))
    await this.writeToHandle(handle, path, text)
  }

  /** Write the whole text, fsync, close. */
  private async writeToHandle(handle: FileHandle, path: string, text: string): Promise<void> {
    await this.io(`write ${path}`, async () => {
      try {
        await handle.writeFile(text, 'utf8')
        await handle.sync()
      } finally {
        await handle.close()
      }
    })
  }

  /** Makes renames in `dir` durable. Some platforms cannot fsync a directory; there it is skipped. */
  private async fsyncDir(dir: string): Promise<void> {
    let handle
    try {
      handle = await open(dir, 'r')
      await handle.sync()
    } catch (error) {
      if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF'].includes(errno(error) ?? '')) throw this.ioError(`fsync ${dir}`, error)
    } finally {
      await handle?.close()
    }
  }

  /** Manifest first, so a half-deleted trash entry is never mistaken for a complete version. */
  private async removeTree(dir: string, where: string): Promise<void> {
    await this.io(`remove ${dir} (${where})`, async () => {
      await rm(join(dir, MANIFEST_FILE), { force: true })
      await rm(dir, { recursive: true, force: true })
    })
  }

  /**
   * Read synchronously: manifests, failure records and documents are small, and an async read
   * is four or five thread-pool round trips, which queue behind the commits' fsyncs (the pool
   * has four threads) — that queueing, not the read, was most of a step's input resolution.
   */
  private async readIfExists(path: string): Promise<string | undefined> {
    try {
      return readFileSync(path, 'utf8')
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined
      throw this.ioError(`read ${path}`, error)
    }
  }

  private async statIfExists(path: string): Promise<Stats | undefined> {
    try {
      return await stat(path)
    } catch (error) {
      if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return undefined
      throw this.ioError(`inspect ${path}`, error)
    }
  }

  private async readdirIfExists(dir: string): Promise<string[]>
  private async readdirIfExists(dir: string, withTypes: true): Promise<Dirent[]>
  private async readdirIfExists(dir: string, withTypes = false): Promise<string[] | Dirent[]> {
    try {
      return withTypes ? await readdir(dir, { withFileTypes: true }) : await readdir(dir)
    } catch (error) {
      if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return []
      throw this.ioError(`list ${dir}`, error)
    }
  }

  private io<T>(what: string, work: () => Promise<T>): Promise<T> {
    return withLocalIo(what, IO_HINT, work)
  }

  private ioError(what: string, error: unknown): StrataError {
    return localIoError(what, error, IO_HINT)
  }
}

/** Streaming sha256 and byte count of an open file, read from its start. */
async function digestHandle(handle: FileHandle): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256')
  let bytes = 0
  const buffer = Buffer.allocUnsafe(DIGEST_CHUNK)
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, DIGEST_CHUNK, bytes)
    if (bytesRead === 0) break
    hash.update(buffer.subarray(0, bytesRead))
    bytes += bytesRead
  }
  return { bytes, sha256: hash.digest('hex') }
}


