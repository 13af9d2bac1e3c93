import { randomBytes } from 'node:crypto'
import type { CheckResult } from '../checks/check.js'
import type { ProcessIdentity } from '../process/index.js'

/**
 * How a step ended, or where it is. The four ways a step does not run are kept apart, because they
 * call for different actions: `up-to-date` (nothing to do), `blocked` (an upstream failed a
 * blocking check, before this run or in it, or is missing outside the selection: fix the input),
 * `skipped` (an upstream step failed in this run for another reason: see that failure) and
 * `canceled` (the run was stopped before the step ran, or an upstream was canceled).
 */
export type StepStatus = 'pending' | 'running' | 'success' | 'failed' | 'up-to-date' | 'blocked' | 'skipped' | 'canceled'

/** What happened to one step (asset × partition) of a run. Plain JSON, stored as is. */
export interface StepRecord {
  asset: string
  partition: string
  status: StepStatus
  /** Why the step runs or did not, e.g. "missing", "upstream source@2026-03-01 failed blocking check gate". */
  reason?: string
  /** ISO timestamps. */
  startedAt?: string
  endedAt?: string
  durationMs?: number
  error?: { code: string; message: string; hint?: string; stack?: string }
  rowCount?: number | null
  checks?: CheckResult[]
  /** Things that went wrong without failing the step, e.g. a Glue catalog update after the commit. */
  warnings?: string[]
  /** Where the step's log went, e.g. a CloudWatch log stream for a Fargate task. */
  logStream?: string
  /** Skipped because an overlapping run committed this very partition first: that run's id. */
  builtBy?: string
  /** The container task (e.g. an ECS task ARN) that ran the step last, when it ran in one. */
  task?: string
  /** Every launch of a task holding this step, oldest first (Fargate retries transient failures). */
  attempts?: TaskAttempt[]
}

/** One launch of a container task for a step, as the run record keeps it. */
export interface TaskAttempt {
  /** The task's id (ARN) when it was launched; none when the launch was refused. */
  task?: string
  startedAt: string
  endedAt: string
  logStream?: string
  stopCode?: string
  stopReason?: string
  exitCode?: number
  /** What this attempt came to, e.g. "exited 0", "retried: SpotInterruption …", "RunTask refused: RESOURCE:FARGATE". */
  outcome: string
}

/** One run of `strata materialize` / `backfill` / a schedule tick, as `strata runs` lists it. */
export interface RunRecord {
  /** Sortable by start time, see {@link newRunId}. */
  runId: string
  /** The command line that started the run, e.g. `materialize +cdi_scores`. */
  command: string
  /** The selection as typed. */
  selection: string
  partitions: { from: string; to: string }
  /**
   * `running` only while its process lives (a fresh heartbeat, or a live pid on this host);
   * `crashed` when it was recorded as running but its process died (see run-liveness.ts).
   */
  status: 'running' | 'success' | 'failed' | 'canceled' | 'crashed'
  /** ISO timestamps. */
  startedAt: string
  endedAt?: string
  /** The process running it, so a reader can tell a crashed run from a running one. */
  process?: ProcessIdentity
  /** Written every few seconds while the run lives. */
  heartbeatAt?: string
  /** Set on a run judged `crashed`: when it was last seen and how far it got. */
  crash?: RunCrash
  executor: 'local' | 'fargate'
  steps: StepRecord[]
  counts: RunCounts
}

/** What is known of a crashed run. */
export interface RunCrash {
  /** The newest of its heartbeat, start and step times. */
  lastSeenAt: string
  /** The last step that finished, e.g. `curated@2026-09-10`. */
  lastCompletedStep?: string
  /** How the crash was seen: its pid is gone on this host, or its heartbeat stopped. */
  why: string
}

/** Steps per outcome; `planned` is every step of the plan, whatever its state. */
export interface RunCounts {
  planned: number
  succeeded: number
  failed: number
  upToDate: number
  blocked: number
  /** Skipped because an upstream step failed in this run. */
  skipped: number
  canceled: number
}

const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/

/**
 * A new run id: the UTC start second, then six hex digits: the millisecond (3 digits) and a
 * random part (3 digits). Ids sort by start time to the millisecond as plain strings, so two
 * runs started in the same second still list newest first, and the shape stays the one older
 * ids have. Runs started in the same millisecond differ by the random part.
 *
 * @example
 * newRunId(new Date('2026-03-01T02:00:00.123Z')) // '20260301T020000Z-07b9c4' (0x07b = 123 ms)
 */
export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')
  const millisecond = now.getUTCMilliseconds().toString(16).padStart(3, '0')
  return `${stamp}-${millisecond}${randomBytes(2).toString('hex').slice(0, 3)}`
}

/** True when `value` has the shape {@link newRunId} produces. */
export function isRunId(value: string): boolean {
  return RUN_ID.test(value)
}

/** The counts of a run from its steps. */
export function countSteps(steps: readonly StepRecord[]): RunCounts {
  const counts: RunCounts = { planned: steps.length, succeeded: 0, failed: 0, upToDate: 0, blocked: 0, skipped: 0, canceled: 0 }
  for (const step of steps) {
    if (step.status === 'success') counts.succeeded++
    else if (step.status === 'failed') counts.failed++
    else if (step.status === 'up-to-date') counts.upToDate++
    else if (step.status === 'blocked') counts.blocked++
    else if (step.status === 'skipped') counts.skipped++
    else if (step.status === 'canceled') counts.canceled++
  }
  return counts
}

/**
 * The status a finished run records, which is also its exit code: `success` (exit 0) only when
 * every step succeeded or was up to date; a failed, blocked or skipped step makes it `failed`
 * (exit 1). `canceled` when the run was stopped.
 */
export function finalRunStatus(counts: RunCounts, canceled: boolean): 'success' | 'failed' | 'canceled' {
  if (canceled) return 'canceled'
  return counts.failed > 0 || counts.blocked > 0 || counts.skipped > 0 ? 'failed' : 'success'
}

/** A step status in words, as the summary line and `runs show` print it. */
export function describeStepStatus(status: StepStatus): string {
  switch (status) {
    case 'up-to-date':
      return 'up to date'
    case 'skipped':
      return 'skipped (upstream failed)'
    default:
      return status
  }
}

/**
 * The end-of-run counts in words, every outcome named as `describeStepStatus` names it, e.g.
 * "3 succeeded, 1 failed, 2 skipped (upstream failed), 40 up to date". Zero counts are left out
 * except succeeded and failed.
 */
export function describeCounts(counts: RunCounts): string {
  const parts = [`${counts.succeeded} succeeded`, `${counts.failed} failed`]
  if (counts.blocked > 0) parts.push(`${counts.blocked} blocked`)
  if (counts.skipped > 0) parts.push(`${counts.skipped} skipped (upstream failed)`)
  if (counts.canceled > 0) parts.push(`${counts.canceled} canceled`)
  if (counts.upToDate > 0) parts.push(`${counts.upToDate} up to date`)
  return parts.join(', ')
}
