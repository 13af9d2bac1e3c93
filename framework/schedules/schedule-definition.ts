import { StrataError } from '../errors/index.js'

/** What to do with ticks missed while nothing was running (e.g. a daemon stopped for three days). */
export interface CatchUpPolicy {
  /** skip: only the newest due tick runs; missed ones are recorded as skipped. latest: same, named for clarity in configs. all: every missed tick runs, oldest first, at most `max`. */
  readonly policy: 'skip' | 'latest' | 'all'
  readonly max?: number
}

/**
 * A schedule: on each cron tick (in `timezone`), materialize `selection` for the partitions
 * `partitionsFor(tick)` returns. The daily schedule asks for the day that just ended.
 */
export interface ScheduleDefinition {
  readonly name: string
  readonly description: string
  readonly cron: string
  readonly timezone: string
  readonly selection: string
  readonly catchUp: CatchUpPolicy
  /** The partition date range a tick materializes. */
  partitionsFor(tick: Date): { readonly from: string; readonly to: string }
}

/** Validate and freeze a schedule definition. */
export function defineSchedule(spec: ScheduleDefinition): ScheduleDefinition {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(spec.name)) throw new StrataError('definition', `schedule name ${JSON.stringify(spec.name)} is not snake_case`, 'Name schedules like assets: lowercase letters, digits and _.')
  if (spec.catchUp.policy === 'all' && !(spec.catchUp.max && spec.catchUp.max >= 1)) {
    throw new StrataError('definition', `schedule ${spec.name}: catch-up policy "all" needs a max`, 'Set catchUp: { policy: "all", max: N } so a long outage cannot launch unbounded work.')
  }
  return Object.freeze({ ...spec })
}
