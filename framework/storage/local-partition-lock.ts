import { randomBytes } from 'node:crypto'
import { link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { StrataError } from '../errors/index.js'
import { isExpired, parseLockRecord, serialiseLockRecord, type LockOwner, type LockRecord } from './lock-record.js'
import { acquireLock, DEFAULT_TTL_MS, type LockBackend, type LockOptions, type PartitionLock } from './partition-lock.js'
import { errno } from './storage-support.js'

// Partition locks in a local folder: exclusive create, and rename-then-check to break a stale
// lock (the guarantees are in partition-lock.ts).

class LocalLockBackend implements LockBackend {
  constructor(
    readonly where: string,
    private readonly asset: string,
    private readonly pathSegment: string,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  async create(record: LockRecord): Promise<boolean> {
    await mkdir(dirname(this.where), { recursive: true })
    let handle
    try {
      handle = await open(this.where, 'wx')
    } catch (error) {
      if (errno(error) === 'EEXIST') return false
      throw ioError(`create the lock ${this.where}`, error)
    }
    try {
      await handle.writeFile(serialiseLockRecord(record), 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    return true
  }

  async confirm(): Promise<boolean> {
    return true
  }

  async read(): Promise<LockRecord | undefined> {
    return this.readAt(this.where)
  }

  private async readAt(path: string): Promise<LockRecord | undefined> {
    try {
      const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)])
      return parseLockRecord(text, this.asset, this.pathSegment, info.mtimeMs, this.ttlMs)
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined
      throw ioError(`read the lock ${path}`, error)
    }
  }

  /** Rename-then-check: move the lock aside, and put it back unless it is the one we meant. */
  async removeIf(expected: LockRecord, onlyIfExpired: boolean): Promise<void> {
    const aside = `${this.where}.${randomBytes(6).toString('hex')}.removing`
    try {
      await rename(this.where, aside)
    } catch (error) {
      if (errno(error) === 'ENOENT') return
      throw ioError(`move the lock ${this.where} aside`, error)
    }
    try {
      const moved = await this.readAt(aside)
      const meant = moved !== undefined && moved.token === expected.token && (!onlyIfExpired || isExpired(moved, this.now()))
      if (!meant) {
        // A live lock (renewed, or a new holder's) was moved by mistake: put it back, unless a
        // newer one took its place meanwhile (then the moved holder finds out before committing).
        await link(aside, this.where).catch((error: unknown) => {
          if (errno(error) !== 'EEXIST') throw ioError(`restore the lock ${this.where}`, error)
        })
      }
    } finally {
      await rm(aside, { force: true })
    }
  }

  async renew(record: LockRecord): Promise<boolean> {
    const stored = await this.read()
    if (stored?.token !== record.token) return false
    const tmp = `${this.where}.${randomBytes(6).toString('hex')}.renew`
    try {
      const handle = await open(tmp, 'wx')
      try {
        await handle.writeFile(serialiseLockRecord(record), 'utf8')
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(tmp, this.where)
    } finally {
      await rm(tmp, { force: true })
    }
    return true
  }
}

function ioError(what: string, error: unknown): StrataError {
  if (error instanceof StrataError) return error
  return new StrataError('storage', `could not ${what}: ${error instanceof Error ? error.message : String(error)}`, 'Check that the storage folder exists and is writable.', { cause: error })
}

/** The lock at `lockFile` (a path the caller built under the storage root). */
export function lockLocalPartition(lockFile: string, asset: string, pathSegment: string, owner: LockOwner, options: LockOptions = {}): Promise<PartitionLock> {
  const backend = new LocalLockBackend(lockFile, asset, pathSegment, options.ttlMs ?? DEFAULT_TTL_MS, options.now ?? Date.now)
  return acquireLock(backend, asset, pathSegment, owner, options)
}
