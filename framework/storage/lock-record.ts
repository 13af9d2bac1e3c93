// The lock record stored at `_strata/locks/<asset>/<segment>.lock` (see partition-lock.ts): its
// shape, how it is written, and how a damaged one is read.

/** Who holds a lock. */
export interface LockOwner {
  readonly runId: string
  readonly host: string
  readonly pid: number
  /** The process's boot and start time (Linux), so a reused pid is not taken for the holder. */
  readonly started?: string
}

/** The stored lock record. */
export interface LockRecord extends LockOwner {
  readonly formatVersion: 1
  readonly asset: string
  readonly pathSegment: string
  /** Unique per acquisition: the only thing compared to decide who holds the lock. */
  readonly token: string
  readonly acquiredAt: string
  readonly expiresAt: string
}

function isLockRecord(value: unknown): value is LockRecord {
  if (typeof value !== 'object' || value === null) return false
  const record = value as Record<string, unknown>
  return (
    record.formatVersion === 1 &&
    ['runId', 'host', 'token', 'acquiredAt', 'expiresAt', 'asset', 'pathSegment'].every((key) => typeof record[key] === 'string') &&
    Number.isSafeInteger(record.pid) &&
    (record.started === undefined || typeof record.started === 'string') &&
    Number.isFinite(Date.parse(record.expiresAt as string))
  )
}

/**
 * A lock record from stored text. A damaged or half-written record (a crash between create and
 * write) counts as held by an unknown owner until `ttlMs` after `writtenAt`, then as expired.
 */
export function parseLockRecord(text: string, asset: string, pathSegment: string, writtenAt: number, ttlMs: number): LockRecord {
  try {
    const value = JSON.parse(text) as unknown
    if (isLockRecord(value)) return value
  } catch {
    // fall through: treated as a damaged record below
  }
  return {
    formatVersion: 1,
    asset,
    pathSegment,
    runId: 'unknown (damaged lock record)',
    host: 'unknown',
    pid: 0,
    token: `damaged-${writtenAt}`,
    acquiredAt: new Date(writtenAt).toISOString(),
    expiresAt: new Date(writtenAt + ttlMs).toISOString(),
  }
}

export function isParsableRecord(text: string): boolean {
  try {
    return isLockRecord(JSON.parse(text) as unknown)
  } catch {
    return false
  }
}

export function isExpired(record: LockRecord, now: number): boolean {
  return Date.parse(record.expiresAt) <= now
}

export function serialiseLockRecord(record: LockRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`
}
