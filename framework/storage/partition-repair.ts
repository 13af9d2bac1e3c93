import { randomBytes } from 'node:crypto'
import { mkdtemp, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ObjectStore } from './object-store.js'
import { StrataError } from '../errors/index.js'
import { LocalStorage } from './local-storage.js'
import type { Manifest } from './manifest.js'
import { lockPartition } from './partition-lock.js'
import { S3Storage } from './s3-storage.js'
import type { Storage } from './storage.js'
import { MANIFEST_FILE, isPathSegment } from './storage-keys.js'

/**
 * `strata repair`: find committed partitions that cannot be trusted and move them aside, so the
 * planner sees them as missing and the next materialize rebuilds them. Damaged data is never
 * deleted (it goes to `_strata/damaged/`) and never read as if it were good.
 *
 * Damage is what the storage itself reports as StrataError('corrupt') when reading the partition:
 * a manifest that is not JSON or has the wrong shape, a manifest of another asset or partition,
 * a partition folder without a manifest, a listed file that is missing or has the wrong size, and
 * (with `verify`) a file whose sha256 differs from the manifest.
 */

/** One damaged partition and what repair did about it. */
export interface DamagedPartition {
  readonly asset: string
  readonly pathSegment: string
  readonly problem: string
  /** `quarantined` (moved aside), `found` (dry run) or `skipped` (locked by a running step). */
  readonly action: 'quarantined' | 'found' | 'skipped'
  /** Where it was moved, for `quarantined`; why, for `skipped`. */
  readonly detail?: string
}

/** What a repair found and did. */
export interface RepairReport {
  readonly location: string
  readonly dryRun: boolean
  readonly verify: boolean
  /** Partitions scanned (committed or damaged). */
  readonly scanned: number
  readonly healthy: number
  readonly damaged: DamagedPartition[]
  /** Staging/trash/temp leftovers of crashed runs removed (dry run: 0, see `leftoversFound`). */
  readonly leftoversRemoved: number
  /** Local staging folders of crashed runs older than the limit (counted in dry runs too). */
  readonly leftoversFound: number
}

/** Where repair looks and how it moves damage aside; one per kind of storage. */
export interface RepairTarget {
  /** A storage instance for reading (hash-verifying when asked). */
  readonly storage: Storage
  /** Every partition segment of `asset` that has something stored, damaged or not. */
  segments(asset: string): Promise<string[]>
  /** Check the partition's files against its manifest; StrataError('corrupt') on damage. */
  checkFiles(manifest: Manifest, pathSegment: string): Promise<void>
  /** Move the partition aside under `_strata/damaged/`; returns where it went. */
  quarantine(asset: string, pathSegment: string, problem: string): Promise<string>
  /** Count local staging leftovers older than `olderThanMs`. */
  countLeftovers(olderThanMs: number): Promise<number>
  close(): Promise<void>
}

export interface RepairOptions {
  readonly assets: readonly string[]
  readonly dryRun: boolean
  readonly verify: boolean
  /** Leftovers younger than this may belong to a running step and are kept (default 1 hour). */
  readonly olderThanMs?: number
  /** The segment a manifest's partition key belongs in, to catch a manifest in the wrong folder. */
  readonly segmentOf?: (asset: string, partition: string) => string
}

const DEFAULT_OLDER_THAN_MS = 60 * 60 * 1000

function damagedName(now = Date.now()): string {
  return `${new Date(now).toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}`
}

/** Scan, report, and (unless a dry run) quarantine damaged partitions and remove leftovers. */
export async function repairStorage(target: RepairTarget, options: RepairOptions): Promise<RepairReport> {
  const olderThanMs = options.olderThanMs ?? DEFAULT_OLDER_THAN_MS
  const damaged: DamagedPartition[] = []
  let scanned = 0
  let healthy = 0
  for (const asset of options.assets) {
    for (const pathSegment of await target.segments(asset)) {
      const problem = await diagnose(target, asset, pathSegment, options.segmentOf)
      if (problem === 'absent') continue
      scanned++
      if (problem === undefined) {
        healthy++
        continue
      }
      if (options.dryRun) {
        damaged.push({ asset, pathSegment, problem, action: 'found' })
        continue
      }
      damaged.push(await quarantineLocked(target, asset, pathSegment, problem, options.segmentOf))
    }
  }
  const leftoversFound = await target.countLeftovers(olderThanMs)
  const leftoversRemoved = options.dryRun ? 0 : await target.storage.cleanStaging(olderThanMs)
  return { location: target.storage.location, dryRun: options.dryRun, verify: options.verify, scanned, healthy, damaged, leftoversRemoved, leftoversFound }
}

/** undefined when healthy, 'absent' when nothing is committed, else the problem in words. */
async function diagnose(target: RepairTarget, asset: string, pathSegment: string, segmentOf: RepairOptions['segmentOf']): Promise<string | undefined | 'absent'> {
  try {
    const manifest = await target.storage.readManifest(asset, pathSegment)
    if (!manifest) return 'absent'
    if (segmentOf && segmentOf(asset, manifest.partition) !== pathSegment) {
      return `its manifest is for partition ${JSON.stringify(manifest.partition)}, not ${pathSegment}`
    }
    await target.checkFiles(manifest, pathSegment)
    return undefined
  } catch (error) {
    if (error instanceof StrataError && (error.code === 'corrupt' || error.code === 'partition')) return error.message
    throw error
  }
}

/** Quarantine under the partition's lock, so a running materialization is never pulled from under it. */
async function quarantineLocked(target: RepairTarget, asset: string, pathSegment: string, problem: string, segmentOf: RepairOptions['segmentOf']): Promise<DamagedPartition> {
  let lock
  try {
    // A partition a step is building is skipped at once, not waited for: repair reports it instead.
    lock = await lockPartition(target.storage, asset, pathSegment, `repair-${Date.now()}`, { waitMs: 0 })
  } catch (error) {
    if (error instanceof StrataError && error.code === 'locked') return { asset, pathSegment, problem, action: 'skipped', detail: error.message }
    throw error
  }
  try {
    // Committed again since the scan (a rebuild raced us)? Then it is no longer ours to move.
    if ((await diagnose(target, asset, pathSegment, segmentOf)) === undefined) return { asset, pathSegment, problem, action: 'skipped', detail: 'rebuilt while repair ran' }
    return { asset, pathSegment, problem, action: 'quarantined', detail: await target.quarantine(asset, pathSegment, problem) }
  } finally {
    await lock?.release()
  }
}

// ── local folder ──────────────────────────────────────────────────────────────────────────

/** Repair over a local storage folder. */
export function localRepairTarget(root: string, verify: boolean): RepairTarget {
  const storage = new LocalStorage(root, { verifyHashes: verify })
  const base = storage.root
  const listDirs = async (dir: string): Promise<string[]> => {
    try {
      return (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name)
    } catch {
      return []
    }
  }
  return {
    storage,
    async segments(asset) {
      return (await listDirs(join(base, asset))).filter(isPathSegment).sort()
    },
    async checkFiles(manifest, pathSegment) {
      await storage.localDir(manifest, pathSegment)
    },
    async quarantine(asset, pathSegment, problem) {
      const to = join(base, '_strata', 'damaged', asset, pathSegment, damagedName())
      await mkdir(join(to, '..'), { recursive: true })
      await rename(join(base, asset, pathSegment), to)
      await writeFile(join(to, '_repair.json'), `${JSON.stringify({ asset, pathSegment, problem, movedAt: new Date().toISOString() }, null, 2)}\n`)
      return to
    },
    async countLeftovers(olderThanMs) {
      let count = 0
      const now = Date.now()
      const staging = join(base, '_strata', 'staging')
      for (const asset of await listDirs(staging)) {
        for (const segment of await listDirs(join(staging, asset))) {
          for (const name of await listDirs(join(staging, asset, segment))) {
            const info = await stat(join(staging, asset, segment, name)).catch(() => undefined)
            if (info && now - info.mtimeMs >= olderThanMs) count++
          }
        }
      }
      return count
    },
    async close() {},
  }
}

// ── S3 ────────────────────────────────────────────────────────────────────────────────────

/**
 * Repair over S3. Quarantine copies the damaged pointer (`_manifest.json`) to
 * `_strata/damaged/<asset>/<segment>/<time>/` and deletes it; the version folders it named are
 * left where they are and, no longer current, are removed by the usual clean-up after the grace
 * period. With `verify`, every file is downloaded into a fresh cache and its sha256 checked;
 * without, sizes are compared from a listing (nothing is downloaded).
 */
export async function s3RepairTarget(store: ObjectStore, cacheDir: string, verify: boolean): Promise<RepairTarget> {
  const verifyCache = verify ? await mkdtemp(join(tmpdir(), 'strata-repair-')) : undefined
  const storage = new S3Storage({ store, cacheDir: verifyCache ?? cacheDir, verifyHashes: verify })
  return {
    storage,
    async segments(asset) {
      const segments = new Set<string>()
      for await (const object of store.list(`${asset}/`)) {
        const parts = object.key.split('/')
        if (parts.length === 3 && parts[2] === MANIFEST_FILE && isPathSegment(parts[1] ?? '')) segments.add(parts[1] as string)
      }
      return [...segments].sort()
    },
    async checkFiles(manifest, pathSegment) {
      if (verify) {
        await storage.localDir(manifest, pathSegment)
        return
      }
      const version = `${manifest.asset}/${pathSegment}/${manifest.location ?? ''}/`
      const sizes = new Map<string, number>()
      for await (const object of store.list(version)) sizes.set(object.key.slice(version.length), object.size)
      for (const file of manifest.files) {
        const size = sizes.get(file.name)
        const url = `${store.location}/${version}${file.name}`
        if (size === undefined) throw new StrataError('corrupt', `file ${url} listed in the manifest of ${manifest.asset}/${pathSegment} is missing`, 'Run strata repair to move the partition aside.')
        if (size !== file.bytes) throw new StrataError('corrupt', `file ${url} has ${size} bytes, the manifest of ${manifest.asset}/${pathSegment} says ${file.bytes}`, 'Run strata repair to move the partition aside.')
      }
    },
    async quarantine(asset, pathSegment, problem) {
      const pointer = `${asset}/${pathSegment}/${MANIFEST_FILE}`
      const to = `_strata/damaged/${asset}/${pathSegment}/${damagedName()}`
      const body = await store.get(pointer)
      if (body !== undefined) await store.put(`${to}/${MANIFEST_FILE}`, body)
      await store.put(`${to}/_repair.json`, `${JSON.stringify({ asset, pathSegment, problem, movedAt: new Date().toISOString() }, null, 2)}\n`)
      await store.delete([pointer])
      return `${store.location}/${to}/`
    },
    async countLeftovers(olderThanMs) {
      let count = 0
      const now = Date.now()
      const staging = join(cacheDir, 'staging')
      const dirs = async (dir: string) => (await readdir(dir).catch(() => [] as string[]))
      for (const asset of await dirs(staging)) {
        for (const segment of await dirs(join(staging, asset))) {
          for (const name of await dirs(join(staging, asset, segment))) {
            const info = await stat(join(staging, asset, segment, name)).catch(() => undefined)
            if (info && now - info.mtimeMs >= olderThanMs) count++
          }
        }
      }
      return count
    },
    async close() {
      if (verifyCache) await rm(verifyCache, { recursive: true, force: true })
    },
  }
}
