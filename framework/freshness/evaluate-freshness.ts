import { StrataError } from '../errors/index.js'
import { blocks } from '../checks/check.js'
import type { AssetGraph } from '../graph/index.js'
import type { FreshnessPolicy } from '../definitions/asset-definition.js'
import { addDays, dateKeyOf, daily, isDateKey, toEpochDay, type PartitionsDefinition } from '../partitions/index.js'
import type { StoredState } from '../planner/index.js'
import { formatDuration } from './format-duration.js'
import { parseTimeOfDay } from './time-of-day.js'

/**
 * How many days back freshness looks: the partitions that fell due in the last 7 days (and the
 * newest due one, always). Freshness answers "is recent data there on time?": an older gap is a
 * backfill question (`strata status`), not an alert, and a bounded window keeps the evaluation
 * cheap however long the history is.
 */
export const DEFAULT_FRESHNESS_WINDOW = 7

/** One partition's freshness at the evaluation time. */
export interface PartitionFreshness {
  readonly partition: string
  /** fresh: committed and passing its blocking checks; warn: past warnAfter, not there yet; late: past its due time and not there (or blocked). */
  readonly state: 'fresh' | 'warn' | 'late'
  /** Why a warn/late partition is not fresh. */
  readonly why?: 'missing' | 'failed-check'
  /** The blocking check that failed, when `why` is failed-check. */
  readonly check?: string
  readonly dueAt: string
  readonly committedAt?: string
}

/** fresh < warn < late < missing (nothing at all in the window is there). */
export type FreshnessState = 'fresh' | 'warn' | 'late' | 'missing'

/** One asset's (or the landing data's) freshness. */
export interface AssetFreshness {
  readonly asset: string
  readonly kind: 'asset' | 'source'
  /** The policy in words, e.g. "D due by 03:00Z on D+1, warn after 02:30Z". */
  readonly policy: string
  readonly state: FreshnessState
  /** How many partitions fell due within the window (at least the newest due one). */
  readonly due: number
  /** The newest partition due by the evaluation time. */
  readonly newestDue?: string
  /** Late partitions, oldest first; a gap in the middle of the window is listed too. */
  readonly late: readonly PartitionFreshness[]
  /** Partitions past their warn time, not yet due and not there yet. */
  readonly warn: readonly PartitionFreshness[]
  /**
   * When late: the evaluation time minus the due time of the oldest late partition. Otherwise:
   * how long since the newest due partition was committed (null when unknown, e.g. landing data).
   */
  readonly lagMs: number | null
  /** `lagMs` for people, e.g. "1d 2h"; "-" when null. */
  readonly lag: string
}

export interface FreshnessReport {
  readonly at: string
  /** Days back judged: the partitions that fell due in (at − window days, at]. */
  readonly window: number
  /** False when any asset or source is late or missing. */
  readonly ok: boolean
  readonly assets: readonly AssetFreshness[]
}

/** The landing data's policy and the days present, for {@link evaluateFreshness}. */
export interface SourceFreshnessInput {
  readonly name: string
  readonly policy: FreshnessPolicy
  /** The `ingest_date=D` days present in landing. */
  readonly days: readonly string[]
}

export interface FreshnessInput {
  readonly graph: AssetGraph
  /** Committed manifests of (at least) the assets with a policy. */
  readonly state: StoredState
  readonly at: Date
  readonly window?: number
  readonly source?: SourceFreshnessInput
}

const RANK: Record<FreshnessState, number> = { fresh: 0, warn: 1, late: 2, missing: 3 }
const MS_PER_MINUTE = 60_000
const MS_PER_DAY = 86_400_000

/**
 * Evaluate every freshness policy at time `at`. Pure: it reads the graph and the stored state it
 * is given and runs nothing. Partition D (weekly: the week's last day) is due by `dueBy` on the
 * day after D, plus `lagDays`; it warns after `warnAfter` that same day. A partition whose
 * blocking check failed is not usable downstream, so it counts as late.
 *
 * @example
 * const report = evaluateFreshness({ graph, state: await loadStoredState(storage, graph), at: new Date() })
 * if (!report.ok) process.exitCode = 1
 */
export function evaluateFreshness(input: FreshnessInput): FreshnessReport {
  const window = input.window ?? DEFAULT_FRESHNESS_WINDOW
  if (!Number.isInteger(window) || window < 1) throw new StrataError('usage', `freshness window ${window} is not a positive whole number of days`, 'e.g. --window 7')
  const assets: AssetFreshness[] = []
  for (const key of input.graph.keys) {
    const definition = input.graph.asset(key)
    if (!definition.freshness) continue
    assets.push(
      evaluateSeries(key, 'asset', definition.freshness, definition.partitions, input.at, window, (partition) => {
        const manifest = input.state.get(key, partition)?.manifest
        if (!manifest) return undefined
        const failed = manifest.checks.find(blocks)
        return { committedAt: manifest.committedAt, ...(failed ? { failedCheck: failed.name } : {}) }
      }),
    )
  }
  if (input.source) {
    const { name, policy, days } = input.source
    const present = new Set(days.filter(isDateKey))
    const first = [...present].sort()[0]
    // Landing has no declared start: its first day present is where it starts.
    const partitions = first ? daily({ start: first }) : undefined
    assets.push(
      partitions
        ? evaluateSeries(name, 'source', policy, partitions, input.at, window, (day) => (present.has(day) ? {} : undefined))
        : { asset: name, kind: 'source', policy: describePolicy(policy), state: 'missing', due: 0, late: [], warn: [], lagMs: null, lag: '-' },
    )
  }
  return { at: input.at.toISOString(), window, ok: assets.every((asset) => RANK[asset.state] < RANK.late), assets }
}

/** The policy in words, e.g. "D due by 03:00Z on D+1, warn after 02:30Z". */
export function describePolicy(policy: FreshnessPolicy): string {
  const lag = policy.lagDays ? `D+${1 + policy.lagDays}` : 'D+1'
  return `D due by ${policy.dueBy} on ${lag}${policy.warnAfter ? `, warn after ${policy.warnAfter}` : ''}`
}

interface Found {
  readonly committedAt?: string
  readonly failedCheck?: string
}

function evaluateSeries(name: string, kind: 'asset' | 'source', policy: FreshnessPolicy, partitions: PartitionsDefinition, at: Date, window: number, lookup: (partition: string) => Found | undefined): AssetFreshness {
  const where = kind === 'asset' ? `asset ${name}` : `source ${name}`
  const dueMinute = parseTimeOfDay(policy.dueBy, `${where}: freshness dueBy`)
  const warnMinute = policy.warnAfter === undefined ? undefined : parseTimeOfDay(policy.warnAfter, `${where}: freshness warnAfter`)
  const lagDays = policy.lagDays ?? 0
  if (!Number.isInteger(lagDays) || lagDays < 0 || lagDays > 366) throw new StrataError('definition', `${where}: freshness lagDays ${lagDays} is not a whole number of days from 0 to 366`, 'e.g. lagDays: 1 for data that lands a day later.')
  if (warnMinute !== undefined && warnMinute > dueMinute) throw new StrataError('definition', `${where}: freshness warnAfter ${policy.warnAfter} is after dueBy ${policy.dueBy}`, 'warnAfter is an early warning on the due day: make it earlier than dueBy.')
  const base = { asset: name, kind, policy: describePolicy(policy) }

  if (partitions.kind === 'unpartitioned') {
    // One partition that never falls due by date: it is fresh once committed.
    const found = lookup('all')
    const state = found && !found.failedCheck ? 'fresh' : found ? 'late' : 'missing'
    const late: PartitionFreshness[] = state === 'fresh' ? [] : [{ partition: 'all', state: 'late', why: found ? 'failed-check' : 'missing', ...(found?.failedCheck ? { check: found.failedCheck } : {}), dueAt: at.toISOString() }]
    const lagMs = found?.committedAt ? at.getTime() - Date.parse(found.committedAt) : null
    return { ...base, state, due: 1, newestDue: 'all', late, warn: [], lagMs, lag: lagMs === null ? '-' : formatDuration(lagMs) }
  }

  const deadline = (key: string, minute: number) => (toEpochDay(partitions.daysOf(key).to) + 1 + lagDays) * MS_PER_DAY + minute * MS_PER_MINUTE
  const now = at.getTime()
  // No partition whose last day is today or later can be due (or warn) yet; look back far enough
  // to find every partition that fell due in the window, and the newest due one before it.
  const today = dateKeyOf(at)
  const span = window + 7 + lagDays + 1
  const candidates = partitions.keysInRange(addDays(today, -span), today)
  const allDue = candidates.filter((key) => deadline(key, dueMinute) <= now)
  const recent = allDue.filter((key) => deadline(key, dueMinute) > now - window * MS_PER_DAY)
  const due = recent.length > 0 ? recent : allDue.slice(-1)
  const warnKeys = warnMinute === undefined ? [] : candidates.filter((key) => deadline(key, warnMinute) <= now && deadline(key, dueMinute) > now)

  const late: PartitionFreshness[] = []
  let committedInWindow = 0
  for (const key of due) {
    const found = lookup(key)
    const dueAt = new Date(deadline(key, dueMinute)).toISOString()
    if (found) committedInWindow++
    if (!found) late.push({ partition: key, state: 'late', why: 'missing', dueAt })
    else if (found.failedCheck) late.push({ partition: key, state: 'late', why: 'failed-check', check: found.failedCheck, dueAt, ...(found.committedAt ? { committedAt: found.committedAt } : {}) })
  }
  const warn: PartitionFreshness[] = warnKeys.filter((key) => !lookup(key)).map((key) => ({ partition: key, state: 'warn', why: 'missing', dueAt: new Date(deadline(key, dueMinute)).toISOString() }))

  const newestDue = due.at(-1)
  const state: FreshnessState = due.length > 0 && committedInWindow === 0 ? 'missing' : late.length > 0 ? 'late' : warn.length > 0 ? 'warn' : 'fresh'
  const oldestLate = late[0]
  const newestCommitted = newestDue === undefined ? undefined : lookup(newestDue)?.committedAt
  const lagMs = oldestLate ? now - Date.parse(oldestLate.dueAt) : newestCommitted ? Math.max(0, now - Date.parse(newestCommitted)) : null
  return { ...base, state, due: due.length, ...(newestDue ? { newestDue } : {}), late, warn, lagMs, lag: lagMs === null ? '-' : formatDuration(lagMs) }
}
