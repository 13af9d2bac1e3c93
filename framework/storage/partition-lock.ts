import { randomBytes } from 'node:crypto'
import { StrataError } from '../errors/index.js'
import { currentProcess, processLiveness, type LivenessProbe } from '../process/index.js'
import { isExpired, type LockOwner, type LockRecord } from './lock-record.js'

/**
 * Partition locks: at most one process stages and commits an asset partition at a time.
 *
 * A lock is a small JSON record (holder run id, host, pid, a unique token, expiry) kept next to
 * the data: `_strata/locks/<asset>/<segment>.lock`, a file locally, an object on S3. The holder
 * renews it every `ttlMs / 3` while its step runs, so a long step keeps it and a crashed holder's
 * lock expires after `ttlMs`. Anyone may break an expired lock. A holder on this very host whose
 * process is gone (its pid no longer runs, or runs a process started at another time) cannot
 * renew: its lock is taken over at once, and the new holder says so (`tookOverFrom`). Just before the commit the
 * holder checks that the record is still its own (by token): a holder that lost its lock (it
 * stalled past the expiry, or lost an S3 race) fails with StrataError('locked') and commits nothing.
 *
 * Guarantees:
 * - Local folder: creation is `open(path, 'wx')` (exclusive create, atomic on POSIX file systems);
 *   a stale lock is broken by renaming it aside and checking the renamed record is the expired one
 *   (rename-then-check), putting it back otherwise. Two live holders are impossible.
 * - S3 with conditional writes (`If-None-Match: *`, AWS S3 since 2024): creation is atomic; the
 *   write is read back to confirm. Breaking an expired lock is a read-then-delete, so two
 *   breakers racing on the same expired lock can both delete; the read-back after the
 *   settle delay and the check before commit make a double commit need a stall of a whole
 *   settle delay at exactly that moment.
 * - S3 without conditional writes (s3rver, some S3-compatible servers): write-then-read-back.
 *   A writer reads (no live lock), writes its record with its token, waits a settle delay, and
 *   reads it back: the last writer wins and every other writer sees a foreign token and backs
 *   off. This is weaker: two writers whose read→write gaps exceed the settle delay could both
 *   confirm; the token check right before commit still stops the earlier one unless the later
 *   write lands after that check. Use real S3 (or a server that honours If-None-Match) when
 *   concurrent runs of one partition are likely.
 */

export type { LockOwner, LockRecord } from './lock-record.js'

/** Lock timing; `STRATA_LOCK_TTL_MS` and `STRATA_LOCK_WAIT_MS` set them from the environment. */
export interface LockOptions {
  /** How long a lock lives without renewal (default 60 s); renewed every ttl/3. */
  readonly ttlMs?: number
  /**
   * How long to wait for a lock a live process holds before failing with StrataError('locked')
   * (default 10 minutes: an overlapping run waits for the other to build the partition, then
   * decides again; 0 fails at once).
   */
  readonly waitMs?: number
  /** Pause between attempts while waiting (default 250 ms). */
  readonly pollMs?: number
  /** S3 only: delay between writing a lock and reading it back (default 200 ms). */
  readonly settleMs?: number
  /** Clock, for tests. */
  readonly now?: () => number
  /** Whether a holder's process still runs; for tests. */
  readonly liveness?: LivenessProbe
}

/** A held lock. */
export interface PartitionLock {
  readonly record: LockRecord
  /** The lock of a holder whose process was gone, taken over to get this one. */
  readonly tookOverFrom?: LockRecord
  /** Throws StrataError('locked') unless the stored lock is still this one and unexpired. */
  assertHeld(): Promise<void>
  /** Stop renewing and remove the lock if it is still ours. Never throws. */
  release(): Promise<void>
}

/** The primitive operations a place that stores lock records offers (local-partition-lock.ts, s3-partition-lock.ts). */
export interface LockBackend {
  /** For messages: the lock file or object. */
  readonly where: string
  /** Create the record only when there is none; false when one exists. */
  create(record: LockRecord): Promise<boolean>
  /** Confirm a created record (S3: after a settle delay, read it back). */
  confirm(record: LockRecord): Promise<boolean>
  read(): Promise<LockRecord | undefined>
  /** Remove `expected` if the stored record is still that one (by token) and, when `onlyIfExpired`, expired. */
  removeIf(expected: LockRecord, onlyIfExpired: boolean): Promise<void>
  /** Overwrite our record with a renewed one; false when the stored record is no longer ours. */
  renew(record: LockRecord): Promise<boolean>
}

export const DEFAULT_TTL_MS = 60_000
const DEFAULT_WAIT_MS = 600_000
const DEFAULT_POLL_MS = 250
export const DEFAULT_SETTLE_MS = 200
/** Attempts that find no lock yet cannot create one (a churn of holders) before giving up. */
const MAX_QUICK_ATTEMPTS = 50

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Lock timing from `STRATA_LOCK_TTL_MS` / `STRATA_LOCK_WAIT_MS`; StrataError('config') on bad values. */
export function lockOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): LockOptions {
  const read = (name: string, min: number, max: number): number | undefined => {
    const text = env[name]
    if (text === undefined || text === '') return undefined
    if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new StrataError('config', `${name}="${text.slice(0, 20)}" is not a whole number of milliseconds from ${min} to ${max}`, `Unset ${name} or use e.g. ${name}=${name.endsWith('TTL_MS') ? 60000 : 30000}.`)
    }
    return Number(text)
  }
  const ttlMs = read('STRATA_LOCK_TTL_MS', 1000, 86_400_000)
  const waitMs = read('STRATA_LOCK_WAIT_MS', 0, 86_400_000)
  return { ...(ttlMs === undefined ? {} : { ttlMs }), ...(waitMs === undefined ? {} : { waitMs }) }
}

/** This process as a lock owner for `runId`. */
export function lockOwner(runId: string): LockOwner {
  return { runId, ...currentProcess() }
}

/** What can lock partitions: a {@link Storage} (storage.ts, which this file must not import: it imports this one's types). */
export interface PartitionLocking {
  lock?(asset: string, pathSegment: string, owner: LockOwner, wait?: { readonly waitMs: number }): Promise<PartitionLock>
}

/** Take the partition's lock when the storage has locks; undefined when it has none. */
export async function lockPartition(storage: PartitionLocking, asset: string, pathSegment: string, runId: string, wait?: { readonly waitMs: number }): Promise<PartitionLock | undefined> {
  return storage.lock?.(asset, pathSegment, lockOwner(runId), wait)
}

/** The StrataError for a lock held by someone else. */
export function lockedError(asset: string, pathSegment: string, holder: LockRecord, where: string): StrataError {
  return new StrataError(
    'locked',
    `partition ${asset}/${pathSegment} is being materialized by run ${holder.runId} on host ${holder.host} (pid ${holder.pid}); its lock expires at ${holder.expiresAt}`,
    `Wait for that run to finish (strata runs) and retry, or raise STRATA_LOCK_WAIT_MS to wait longer. If that process is gone, its lock is taken over at once on its own host, and elsewhere when it expires at ${holder.expiresAt} (lock: ${where}).`,
  )
}

/** The generic protocol over a backend: create, or wait, or break an expired lock. */
export async function acquireLock(backend: LockBackend, asset: string, pathSegment: string, owner: LockOwner, options: LockOptions): Promise<PartitionLock> {
  const now = options.now ?? Date.now
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS
  const deadline = now() + (options.waitMs ?? DEFAULT_WAIT_MS)
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS
  const liveness = options.liveness ?? processLiveness
  let quick = 0
  let tookOverFrom: LockRecord | undefined
  for (;;) {
    const at = now()
    const record: LockRecord = {
      formatVersion: 1,
      asset,
      pathSegment,
      runId: owner.runId,
      host: owner.host,
      pid: owner.pid,
      ...(owner.started === undefined ? {} : { started: owner.started }),
      token: `${at.toString(36)}-${randomBytes(8).toString('hex')}`,
      acquiredAt: new Date(at).toISOString(),
      expiresAt: new Date(at + ttlMs).toISOString(),
    }
    if ((await backend.create(record)) && (await backend.confirm(record))) return held(backend, record, asset, pathSegment, ttlMs, now, tookOverFrom)
    const holder = await backend.read()
    // A retried conditional PUT whose first attempt went through reports "exists": it is ours.
    if (holder?.token === record.token) return held(backend, record, asset, pathSegment, ttlMs, now, tookOverFrom)
    const dead = holder !== undefined && !isExpired(holder, now()) && liveness(holder) === 'dead'
    if (holder === undefined || dead || isExpired(holder, now())) {
      if (holder) await backend.removeIf(holder, !dead)
      if (dead) tookOverFrom = holder
      if (++quick > MAX_QUICK_ATTEMPTS) throw lockedError(asset, pathSegment, holder ?? record, backend.where)
      continue
    }
    const left = deadline - now()
    if (left <= 0) throw lockedError(asset, pathSegment, holder, backend.where)
    await sleep(Math.min(pollMs, left))
  }
}

/** A held lock with its heartbeat. */
function held(backend: LockBackend, first: LockRecord, asset: string, pathSegment: string, ttlMs: number, now: () => number, tookOverFrom: LockRecord | undefined): PartitionLock {
  let current = first
  let lost: string | undefined
  let released = false
  let renewing: Promise<void> | undefined
  const heartbeat = setInterval(() => {
    if (renewing !== undefined || lost !== undefined || released) return
    const renewed: LockRecord = { ...current, expiresAt: new Date(now() + ttlMs).toISOString() }
    renewing = backend
      .renew(renewed)
      .then((ok) => {
        if (ok) current = renewed
        else lost = 'another process took it over'
      })
      // A failed renewal is retried at the next beat; the lock only counts as lost once expired.
      .catch(() => undefined)
      .finally(() => (renewing = undefined))
  }, Math.max(100, Math.floor(ttlMs / 3)))
  heartbeat.unref()
  const lostError = (why: string): StrataError =>
    new StrataError(
      'locked',
      `lost the lock of partition ${asset}/${pathSegment} (run ${first.runId}): ${why}; nothing was committed`,
      `Another run may be materializing this partition; check strata runs, then retry (lock: ${backend.where}).`,
    )
  return {
    record: first,
    ...(tookOverFrom ? { tookOverFrom } : {}),
    async assertHeld() {
      if (lost !== undefined) throw lostError(lost)
      if (isExpired(current, now())) throw lostError(`it expired at ${current.expiresAt} before it could be renewed`)
      const stored = await backend.read()
      if (stored?.token !== first.token) {
        lost = stored ? `run ${stored.runId} on host ${stored.host} (pid ${stored.pid}) holds it now` : 'it was removed'
        throw lostError(lost)
      }
    },
    async release() {
      released = true
      clearInterval(heartbeat)
      // A renewal in flight would write the lock again after we removed it.
      await renewing
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await backend.removeIf(current, false)
          return
        } catch {
          await sleep(50 * 2 ** attempt)
        }
      }
      // Left behind: it expires at its expiresAt and the next run breaks it.
    },
  }
}
