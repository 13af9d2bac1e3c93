import { asStrataError } from '../errors/index.js'
import type { Logger } from '../definitions/logger.js'
import { decideTicks } from './due-ticks.js'
import type { ScheduleDefinition } from './schedule-definition.js'
import { TickStore, type TickRecord } from './tick-store.js'

/** What a launched tick reports back: the run's outcome. */
export interface TickRunResult {
  readonly status: 'success' | 'failed' | 'canceled'
  readonly message?: string
}

/** Plans and executes the run of one tick; `runId` is already recorded in the tick document. */
export type TickLauncher = (request: { readonly schedule: ScheduleDefinition; readonly tick: Date; readonly partitions: { readonly from: string; readonly to: string }; readonly runId: string }) => Promise<TickRunResult>

/** What happened to one tick in this call. */
export interface TickOutcome {
  readonly schedule: string
  readonly tick: string
  readonly runKey: string
  /** launched: this call ran it; skipped: missed, not run by policy; already-recorded: an earlier tick call handled it, nothing launched. */
  readonly action: 'launched' | 'skipped' | 'already-recorded'
  readonly status: TickRecord['status']
  readonly partitions: { readonly from: string; readonly to: string }
  readonly runId?: string
  readonly message?: string
}

export interface TickReport {
  readonly schedule: string
  readonly at: string
  readonly outcomes: readonly TickOutcome[]
  /** The newest tick recorded before this call. */
  readonly lastRecorded?: string
  /** True when an outage was longer than the lookback: older missed ticks were neither run nor recorded. */
  readonly olderUncounted: boolean
}

export interface TickOptions {
  readonly schedule: ScheduleDefinition
  /** The time to tick at: every tick due by then and not recorded yet is handled. */
  readonly at: Date
  readonly store: TickStore
  readonly launch: TickLauncher
  readonly newRunId: () => string
  readonly log: Logger
  readonly signal?: AbortSignal
  /** The wall clock, for `recordedAt`. */
  readonly now?: () => Date
}

/**
 * Tick a schedule at time `at`: find the ticks due since the last recorded one, apply the
 * catch-up policy, record skipped ticks, and for each tick to run record its run key (with the
 * run id) BEFORE launching, so a second tick for the same time, from any driver, launches
 * nothing. Then launch, and record the outcome. Never throws for a failed run: the outcome says.
 */
export async function tickSchedule(options: TickOptions): Promise<TickReport> {
  const { schedule, at, store, log } = options
  const now = options.now ?? (() => new Date())
  const last = await store.last(schedule.name)
  const decision = decideTicks(schedule, last ? new Date(last.tick) : undefined, at)
  const outcomes: TickOutcome[] = []
  const record = async (tick: Date, fields: Pick<TickRecord, 'status'> & Partial<TickRecord>): Promise<TickRecord> => {
    const full: TickRecord = { schedule: schedule.name, tick: tick.toISOString(), runKey: TickStore.runKey(schedule.name, tick), recordedAt: now().toISOString(), partitions: schedule.partitionsFor(tick), ...fields }
    await store.write(full)
    return full
  }
  const outcomeOf = (entry: TickRecord, action: TickOutcome['action']): TickOutcome => ({
    schedule: entry.schedule,
    tick: entry.tick,
    runKey: entry.runKey,
    action,
    status: entry.status,
    partitions: entry.partitions,
    ...(entry.runId ? { runId: entry.runId } : {}),
    ...(entry.message ? { message: entry.message } : {}),
  })

  if (decision.olderUncounted) log.warn(`schedule ${schedule.name}: more missed ticks than the lookback; the oldest were not recorded`)
  for (const tick of decision.skipped) {
    if (await store.read(schedule.name, tick)) continue
    const why = `missed; catch-up policy ${schedule.catchUp.policy}${schedule.catchUp.policy === 'all' ? ` runs the newest ${schedule.catchUp.max ?? 1}` : ' runs only the newest'}`
    outcomes.push(outcomeOf(await record(tick, { status: 'skipped', message: why }), 'skipped'))
  }
  if (decision.run.length === 0 && decision.newestDue) {
    // Nothing new is due: say what happened to the newest due tick, so a repeated tick is visibly a no-op.
    const existing = await store.read(schedule.name, decision.newestDue)
    if (existing) outcomes.push(outcomeOf(existing, 'already-recorded'))
  }
  for (const tick of decision.run) {
    if (options.signal?.aborted) break
    const existing = await store.read(schedule.name, tick)
    if (existing) {
      outcomes.push(outcomeOf(existing, 'already-recorded'))
      continue
    }
    const runId = options.newRunId()
    const launched = await record(tick, { status: 'launched', runId })
    log.info(`schedule ${schedule.name}: tick ${launched.tick} launches run ${runId} for ${launched.partitions.from}${launched.partitions.to === launched.partitions.from ? '' : ` … ${launched.partitions.to}`}`)
    let result: TickRunResult
    try {
      result = await options.launch({ schedule, tick, partitions: launched.partitions, runId })
    } catch (error) {
      const failure = asStrataError(error)
      outcomes.push(outcomeOf(await record(tick, { status: 'error', runId, message: failure.hint ? `${failure.message} (hint: ${failure.hint})` : failure.message }), 'launched'))
      continue
    }
    outcomes.push(outcomeOf(await record(tick, { status: result.status, runId, ...(result.message ? { message: result.message } : {}) }), 'launched'))
  }
  return { schedule: schedule.name, at: at.toISOString(), outcomes, ...(last ? { lastRecorded: last.tick } : {}), olderUncounted: decision.olderUncounted }
}
