import { Cron } from 'croner'
import { StrataError } from '../errors/index.js'

/**
 * What to do with ticks missed while nothing was running (e.g. a daemon stopped for three days).
 * `skip` and `latest` behave the same: only the newest due tick runs and the older missed ones
 * are recorded as skipped (two names, because configs read better with the one that fits).
 * `all`: the newest `max` missed ticks run, oldest first; older ones are recorded as skipped,
 * so an outage longer than `max` ticks still ends with the most recent partitions built.
 *
 * @example
 * // after a three-day outage, build the three missed days, but never more than seven
 * const catchUp: CatchUpPolicy = { policy: 'all', max: 7 }
 */
export interface CatchUpPolicy {
  readonly policy: 'skip' | 'latest' | 'all'
  readonly max?: number
}

/**
 * A schedule: on each cron tick (in `timezone`), materialize `selection` for the partitions
 * `partitionsFor(tick)` returns. The daily schedule asks for the day that just ended.
 * `strata schedule tick` (EventBridge on AWS) or `strata schedule run` fires it; a tick is
 * claimed once, so two processes never run the same one.
 *
 * @example
 * const nightly: ScheduleDefinition = defineSchedule({
 *   name: 'nightly',
 *   description: 'build every asset for the day that just ended',
 *   cron: '0 2 * * *',
 *   timezone: 'UTC',
 *   selection: '*',
 *   catchUp: { policy: 'all', max: 7 },
 *   partitionsFor(tick) {
 *     const day = new Date(tick.getTime() - 86_400_000).toISOString().slice(0, 10)
 *     return { from: day, to: day }
 *   },
 * })
 */
export interface ScheduleDefinition {
  readonly name: string
  readonly description: string
  /** Five or six fields (croner syntax), read in `timezone`. */
  readonly cron: string
  /** IANA timezone, e.g. `UTC` or `Europe/Berlin`. */
  readonly timezone: string
  readonly selection: string
  readonly catchUp: CatchUpPolicy
  /** The partition date range a tick materializes. */
  partitionsFor(tick: Date): { readonly from: string; readonly to: string }
}

/**
 * Validate and freeze a schedule definition: name, cron, timezone and catch-up policy are
 * checked at load, so a typo in the cron or the zone fails `strata` at once with
 * StrataError('definition'), not at 02:00.
 *
 * @example
 * const weeklyModel = defineSchedule({
 *   name: 'weekly_model',
 *   description: 'retrain the segment model for the week that starts today',
 *   cron: '30 3 * * 1',
 *   timezone: 'Europe/Berlin',
 *   selection: 'segment_model',
 *   catchUp: { policy: 'latest' },
 *   partitionsFor: (tick) => ({ from: tick.toISOString().slice(0, 10), to: tick.toISOString().slice(0, 10) }),
 * })
 * export default defineDefinitions({ assets, schedules: [weeklyModel] })
 */
export function defineSchedule(spec: ScheduleDefinition): ScheduleDefinition {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(spec.name)) throw new StrataError('definition', `schedule name ${JSON.stringify(spec.name)} is not snake_case`, 'Name schedules like assets: lowercase letters, digits and _.')
  if (!['skip', 'latest', 'all'].includes(spec.catchUp.policy)) {
    throw new StrataError('definition', `schedule ${spec.name}: catch-up policy ${JSON.stringify(spec.catchUp.policy)} is not skip, latest or all`, 'Use catchUp: { policy: "skip" }, { policy: "latest" } or { policy: "all", max: N }.')
  }
  if (spec.catchUp.policy === 'all' && !(Number.isInteger(spec.catchUp.max) && (spec.catchUp.max ?? 0) >= 1)) {
    throw new StrataError('definition', `schedule ${spec.name}: catch-up policy "all" needs a max`, 'Set catchUp: { policy: "all", max: N } so a long outage cannot launch unbounded work.')
  }
  try {
    // nextRun converts into the timezone, so an unknown zone fails here, at load, not at 02:00.
    new Cron(spec.cron, { timezone: spec.timezone, paused: true }).nextRun(new Date(0))
  } catch (error) {
    throw new StrataError('definition', `schedule ${spec.name}: cron "${spec.cron}" in timezone "${spec.timezone}" is not valid: ${error instanceof Error ? error.message : String(error)}`, 'Use five cron fields (minute hour day month weekday), e.g. "0 2 * * *", and an IANA timezone such as UTC or Europe/Berlin.')
  }
  return Object.freeze({ ...spec, catchUp: Object.freeze({ ...spec.catchUp }) })
}
