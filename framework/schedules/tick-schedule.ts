import { asStrataError } from '../errors/index.js'
import type { Logger } from '../definitions/logger.js'
import { decideTicks } from './due-ticks.js'
import type { ScheduleDefinition } from './schedule-definition.js'
import type { Storage } from '../storage/storage.js'
import { judgeClaim, thisClaimant } from './tick-claim.js'
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
  /** The storage the tick and run records are in, to judge claims left by crashed runs. */
  readonly storage: Storage
  readonly launch: TickLauncher
  readonly newRunId: () => string
  readonly log: Logger
  readonly signal?: AbortSignal
  /** The wall clock, for `recordedAt`. */
  readonly now?: () => Date
}

/** How often one tick is launched in all before a crashing run is left for a person (`error`). */
export const MAX_TICK_ATTEMPTS = 3

/**
 * Tick a schedule at time `at`: find the ticks due since the last recorded one, apply the
 * catch-up policy, record skipped ticks, and for each tick to run CLAIM it (an exclusive create
 * of its record with the run id, see TickStore.claim) BEFORE launching, so of any number of
 * concurrent ticks for the same time, from any driver on any machine, exactly one launches.
 * A claim left by a run that crashed or never started is taken over (once per attempt, also
 * exclusively; see tick-claim.ts), at most {@link MAX_TICK_ATTEMPTS} launches in all. Then
 * launch, and record the outcome. Never throws for a failed run: the outcome says.
 */
export async function tickSchedule(options: TickOptions): Promise<TickReport> {
  const { schedule, at, store, log } = options
  const now = options.now ?? (() => new Date())
  const last = await store.last(schedule.name)
  const decision = decideTicks(schedule, last ? new Date(last.tick) : undefined, at)
  const outcomes: TickOutcome[] = []
  const recordOf = (tick: Date, fields: Pick<TickRecord, 'status'> & Partial<TickRecord>): TickRecord => ({ schedule: schedule.name, tick: tick.toISOString(), runKey: TickStore.runKey(schedule.name, tick), recordedAt: now().toISOString(), partitions: schedule.partitionsFor(tick), ...fields })
  const record = async (tick: Date, fields: Pick<TickRecord, 'status'> & Partial<TickRecord>): Promise<TickRecord> => {
    const full = recordOf(tick, fields)
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

  /** Launch the run of a tick this call has claimed, and record its outcome. */
  const launch = async (claimed: TickRecord): Promise<TickOutcome> => {
    const tick = new Date(claimed.tick)
    const runId = claimed.runId as string
    const kept = { runId, ...(claimed.claimedBy ? { claimedBy: claimed.claimedBy } : {}), ...(claimed.attempt ? { attempt: claimed.attempt } : {}) }
    log.info(`schedule ${schedule.name}: tick ${claimed.tick} launches run ${runId} for ${claimed.partitions.from}${claimed.partitions.to === claimed.partitions.from ? '' : ` … ${claimed.partitions.to}`}${(claimed.attempt ?? 1) > 1 ? ` (attempt ${claimed.attempt})` : ''}`)
    let result: TickRunResult
    try {
      result = await options.launch({ schedule, tick, partitions: claimed.partitions, runId })
    } catch (error) {
      const failure = asStrataError(error)
      return outcomeOf(await record(tick, { status: 'error', ...kept, message: failure.hint ? `${failure.message} (hint: ${failure.hint})` : failure.message }), 'launched')
    }
    return outcomeOf(await record(tick, { status: result.status, ...kept, ...(result.message ? { message: result.message } : {}) }), 'launched')
  }

  /**
   * A tick that already has a record: normally nothing to do. A `launched` claim whose run
   * finished takes the run's status; one whose run crashed or never started is taken over.
   */
  const revisit = async (existing: TickRecord): Promise<TickOutcome> => {
    if (existing.status !== 'launched') return outcomeOf(existing, 'already-recorded')
    const state = await judgeClaim(existing, options.storage, now())
    if (state.kind === 'live') return outcomeOf(existing, 'already-recorded')
    const tick = new Date(existing.tick)
    if (state.kind === 'finished') return outcomeOf(await record(tick, { ...existing, status: state.status, recordedAt: now().toISOString(), message: `run ${existing.runId ?? '?'} ended ${state.status}; its tick record was completed later` }), 'already-recorded')
    let why = state.why
    for (let attempt = (existing.attempt ?? 1) + 1; attempt <= MAX_TICK_ATTEMPTS; attempt++) {
      const claim = recordOf(tick, { status: 'launched', runId: options.newRunId(), claimedBy: thisClaimant(), attempt, message: `taken over: ${why}` })
      if (await store.claimTakeover(claim)) {
        log.warn(`schedule ${schedule.name}: tick ${existing.tick} was claimed by run ${existing.runId ?? '?'}, which was abandoned (${why}); launching it again`)
        await store.write(claim)
        return launch(claim)
      }
      // Another ticker has this attempt. Leave it to that ticker, unless it died before its claim reached the tick record.
      const current = await store.read(schedule.name, tick)
      if (current && (current.attempt ?? 1) >= attempt) return outcomeOf(current, 'already-recorded')
      const taker = await store.readTakeover(schedule.name, tick, attempt)
      const takerState = taker ? await judgeClaim(taker, options.storage, now()) : undefined
      if (takerState && takerState.kind !== 'abandoned') return outcomeOf(current ?? existing, 'already-recorded')
      why = takerState?.why ?? `the takeover of attempt ${attempt} left no record`
    }
    return outcomeOf(await record(tick, { ...existing, status: 'error', recordedAt: now().toISOString(), message: `launched ${MAX_TICK_ATTEMPTS} times, the last run abandoned: ${why}; run it by hand (strata backfill)` }), 'already-recorded')
  }

  if (decision.olderUncounted) log.warn(`schedule ${schedule.name}: more missed ticks than the lookback; the oldest were not recorded`)
  for (const tick of decision.skipped) {
    const why = `missed; catch-up policy ${schedule.catchUp.policy}${schedule.catchUp.policy === 'all' ? ` runs the newest ${schedule.catchUp.max ?? 1}` : ' runs only the newest'}`
    const skipped = recordOf(tick, { status: 'skipped', message: why })
    // Exclusive too: a concurrent tick that decided to run this one keeps its claim.
    if (await store.claim(skipped)) outcomes.push(outcomeOf(skipped, 'skipped'))
  }
  if (decision.run.length === 0 && decision.newestDue) {
    // Nothing new is due: say what happened to the newest due tick, so a repeated tick is visibly a no-op.
    const existing = await store.read(schedule.name, decision.newestDue)
    if (existing) outcomes.push(await revisit(existing))
  }
  for (const tick of decision.run) {
    if (options.signal?.aborted) break
    const claim = recordOf(tick, { status: 'launched', runId: options.newRunId(), claimedBy: thisClaimant(), attempt: 1 })
    if (await store.claim(claim)) {
      outcomes.push(await launch(claim))
      continue
    }
    const existing = await store.read(schedule.name, tick)
    if (existing) outcomes.push(await revisit(existing))
  }
  return { schedule: schedule.name, at: at.toISOString(), outcomes, ...(last ? { lastRecorded: last.tick } : {}), olderUncounted: decision.olderUncounted }
}
