import { processLiveness, type LivenessProbe } from '../process/index.js'
import type { RunRecord } from './run-record.js'

/** How often a live run writes its heartbeat. */
export const HEARTBEAT_MS = 10_000
/** A run on another host whose heartbeat is older than this is taken for crashed. */
export const STALE_AFTER_MS = 90_000

export interface RunLivenessOptions {
  readonly liveness?: LivenessProbe
  readonly now?: () => number
  readonly staleAfterMs?: number
}

/**
 * The record as it truly stands: a run stored as `running` whose process is gone is `crashed`,
 * with when it was last seen and its last finished step. On this host the pid decides at once; a
 * run elsewhere counts as crashed once its heartbeat is older than {@link STALE_AFTER_MS}.
 * Judged at read time, not written back: a run whose heartbeat only paused shows as running again.
 */
export function judgeRun(record: RunRecord, options: RunLivenessOptions = {}): RunRecord {
  if (record.status !== 'running') return record
  const finished = record.steps.filter((step) => step.endedAt !== undefined).sort((a, b) => ((a.endedAt as string) < (b.endedAt as string) ? -1 : 1))
  const last = finished.at(-1)
  const seen = [record.heartbeatAt, record.startedAt, last?.endedAt].filter((time): time is string => time !== undefined).sort().at(-1) as string
  const alive = record.process ? (options.liveness ?? processLiveness)(record.process) : 'unknown'
  let why: string | undefined
  if (alive === 'dead') why = `its process (pid ${record.process?.pid} on ${record.process?.host}) is gone`
  else if (alive === 'unknown' && (options.now ?? Date.now)() - Date.parse(seen) > (options.staleAfterMs ?? STALE_AFTER_MS)) why = `no heartbeat since ${seen}`
  if (why === undefined) return record
  return { ...record, status: 'crashed', crash: { lastSeenAt: seen, ...(last ? { lastCompletedStep: `${last.asset}@${last.partition}` } : {}), why } }
}
