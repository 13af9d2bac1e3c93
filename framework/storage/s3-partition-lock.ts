import type { ObjectStore } from './object-store.js'
import { supportsConditionalWrites } from './conditional-writes.js'
import { isExpired, isParsableRecord, parseLockRecord, serialiseLockRecord, type LockOwner, type LockRecord } from './lock-record.js'
import { acquireLock, DEFAULT_SETTLE_MS, DEFAULT_TTL_MS, sleep, type LockBackend, type LockOptions, type PartitionLock } from './partition-lock.js'

// Partition locks as objects: a conditional PUT where the server honours it, else
// write-then-read-back (the guarantees are in partition-lock.ts).

class S3LockBackend implements LockBackend {
  readonly where: string

  constructor(
    private readonly store: ObjectStore,
    private readonly key: string,
    private readonly asset: string,
    private readonly pathSegment: string,
    private readonly ttlMs: number,
    private readonly settleMs: number,
    private readonly now: () => number,
  ) {
    this.where = `${store.location}/${key}`
  }

  async create(record: LockRecord): Promise<boolean> {
    if (await supportsConditionalWrites(this.store)) return this.store.putIfAbsent(this.key, serialiseLockRecord(record))
    // No conditional writes: write only over no lock or an expired one, then confirm by reading back.
    const existing = await this.read()
    if (existing !== undefined && !isExpired(existing, this.now())) return false
    await this.store.put(this.key, serialiseLockRecord(record))
    return true
  }

  async confirm(record: LockRecord): Promise<boolean> {
    await sleep(this.settleMs)
    return (await this.read())?.token === record.token
  }

  async read(): Promise<LockRecord | undefined> {
    const body = await this.store.get(this.key)
    if (body === undefined) return undefined
    const text = body.toString('utf8')
    // Only a damaged record needs its age, from the object's LastModified.
    const writtenAt = isParsableRecord(text) ? this.now() : ((await this.store.head(this.key))?.lastModified.getTime() ?? this.now())
    return parseLockRecord(text, this.asset, this.pathSegment, writtenAt, this.ttlMs)
  }

  async removeIf(expected: LockRecord, onlyIfExpired: boolean): Promise<void> {
    const stored = await this.read()
    if (stored === undefined || stored.token !== expected.token) return
    if (onlyIfExpired && !isExpired(stored, this.now())) return
    await this.store.delete([this.key])
  }

  async renew(record: LockRecord): Promise<boolean> {
    const stored = await this.read()
    if (stored?.token !== record.token) return false
    await this.store.put(this.key, serialiseLockRecord(record))
    return true
  }
}

/** The lock at object `key` of `store` (a key the caller built under `_strata/locks/`). */
export function lockS3Partition(store: ObjectStore, key: string, asset: string, pathSegment: string, owner: LockOwner, options: LockOptions = {}): Promise<PartitionLock> {
  const backend = new S3LockBackend(store, key, asset, pathSegment, options.ttlMs ?? DEFAULT_TTL_MS, options.settleMs ?? DEFAULT_SETTLE_MS, options.now ?? Date.now)
  return acquireLock(backend, asset, pathSegment, owner, options)
}
