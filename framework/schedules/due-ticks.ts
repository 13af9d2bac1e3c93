import { Cron } from 'croner'
import type { ScheduleDefinition } from './schedule-definition.js'

/**
 * How many of the newest due ticks are looked at. More than any sensible `max`; the older ones of
 * a long outage are neither run nor recorded, only counted, so one tick never writes thousands
 * of documents for a minutely schedule that was down for a month.
 */
export const TICK_LOOKBACK = 100

/** What one `tick` at time `at` should do, by the schedule's catch-up policy. */
export interface TickDecision {
  /** Ticks to run, oldest first. */
  readonly run: readonly Date[]
  /** Missed ticks that will not run, oldest first (at most {@link TICK_LOOKBACK}). */
  readonly skipped: readonly Date[]
  /** Missed ticks older than the lookback, counted only. */
  readonly olderUncounted: boolean
  /** The newest tick due by `at`, whatever happened to it (undefined when the cron never fired before `at`). */
  readonly newestDue?: Date
}

function cronOf(schedule: ScheduleDefinition): Cron {
  return new Cron(schedule.cron, { timezone: schedule.timezone, paused: true })
}

/** The next tick strictly after `after`, in the schedule's timezone. */
export function nextTick(schedule: ScheduleDefinition, after: Date): Date | undefined {
  return cronOf(schedule).nextRun(after) ?? undefined
}

/** The newest ticks at or before `at`, newest first, at most `count`. */
export function ticksUpTo(schedule: ScheduleDefinition, at: Date, count: number): Date[] {
  // croner's previousRuns excludes its reference and works in whole seconds: ask from one second
  // later, then drop anything after `at`.
  return cronOf(schedule)
    .previousRuns(count, new Date(at.getTime() + 1000))
    .filter((tick) => tick.getTime() <= at.getTime())
}

/**
 * Decide which ticks run at time `at`, given the last recorded tick (run or skipped). Pure.
 * With no history only the newest due tick runs: a new schedule does not backfill the past
 * (that is what `strata backfill` is for).
 */
export function decideTicks(schedule: ScheduleDefinition, lastRecorded: Date | undefined, at: Date): TickDecision {
  const newest = ticksUpTo(schedule, at, TICK_LOOKBACK + 1)
  const newestDue = newest[0]
  const pending = newest.filter((tick) => lastRecorded === undefined || tick.getTime() > lastRecorded.getTime()).reverse()
  const olderUncounted = lastRecorded !== undefined && pending.length === TICK_LOOKBACK + 1
  const missed = olderUncounted ? pending.slice(1) : pending
  const base = newestDue ? { newestDue } : {}
  if (lastRecorded === undefined) return { ...base, run: missed.slice(-1), skipped: [], olderUncounted: false }
  const keep = schedule.catchUp.policy === 'all' ? (schedule.catchUp.max ?? 1) : 1
  return { ...base, run: missed.slice(-keep), skipped: missed.slice(0, Math.max(0, missed.length - keep)), olderUncounted }
}
