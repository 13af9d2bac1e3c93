import { Cron } from 'croner'
import { asStrataError } from '../errors/index.js'
import type { Logger } from '../definitions/logger.js'
import type { ScheduleDefinition } from './schedule-definition.js'

export interface ScheduleLoopOptions {
  readonly schedules: readonly ScheduleDefinition[]
  /** Aborted on SIGTERM / SIGINT: the loop stops its timers, lets the current tick wind down, and returns. */
  readonly signal: AbortSignal
  /** Handle one tick of a schedule at time `at` (e.g. tickSchedule, then evaluate freshness). */
  readonly tick: (schedule: ScheduleDefinition, at: Date) => Promise<void>
  readonly log: Logger
  readonly now?: () => Date
  /** Tick every schedule once at start, so ticks missed while the loop was down are caught up by policy (default true). */
  readonly catchUpOnStart?: boolean
}

/**
 * The scheduler daemon: one croner job per schedule, in the schedule's timezone, each tick
 * handled through the same idempotent tick as `strata schedule tick`. Ticks run one at a time,
 * so two schedules never materialize the same partitions at once. Resolves when the signal
 * aborts and the tick in progress (if any) has returned.
 */
export async function runScheduleLoop(options: ScheduleLoopOptions): Promise<void> {
  const { schedules, signal, log } = options
  const now = options.now ?? (() => new Date())
  let chain: Promise<void> = Promise.resolve()
  const enqueue = (schedule: ScheduleDefinition) => {
    chain = chain.then(async () => {
      if (signal.aborted) return
      try {
        await options.tick(schedule, now())
      } catch (error) {
        // One bad tick must not stop the daemon: log it, the next tick tries again.
        const failure = asStrataError(error)
        log.error(`schedule ${schedule.name}: tick failed: ${failure.message}${failure.hint ? ` (hint: ${failure.hint})` : ''}`)
      }
    })
  }
  if (signal.aborted) return
  const jobs = schedules.map((schedule) => new Cron(schedule.cron, { timezone: schedule.timezone, protect: true }, () => enqueue(schedule)))
  try {
    log.info(`scheduler started: ${schedules.map((schedule) => `${schedule.name} (${schedule.cron} ${schedule.timezone}, next ${jobs[schedules.indexOf(schedule)]?.nextRun()?.toISOString() ?? 'never'})`).join(', ') || 'no schedules'}`)
    if (options.catchUpOnStart ?? true) for (const schedule of schedules) enqueue(schedule)
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve()
      else signal.addEventListener('abort', () => resolve(), { once: true })
    })
  } finally {
    for (const job of jobs) job.stop()
  }
  await chain
  log.info('scheduler stopped')
}
