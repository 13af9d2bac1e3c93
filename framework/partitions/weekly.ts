import { StrataError } from '../errors/index.js'
import { addDays, isDateKey, toEpochDay, type DateKey } from './date-key.js'
import { assertDate, assertOrdered, parseDefinitionDate } from './date-checks.js'
import { keyOfDay, keysOfDays, mondayOfDay, mondayOnOrAfter, weekdayName, weekdayOfDay } from './day-keys.js'
import type { PartitionKey, PartitionsDefinition } from './partitions-definition.js'

/**
 * Options of {@link weekly}: the first week and optionally the last, each named by its Monday
 * (a week keyed by another day would be ambiguous, so that is refused at load).
 *
 * @example
 * // segment_model: one model a week, the first on the Monday of 2026-01-05
 * const options: WeeklyOptions = { start: '2026-01-05' }
 * const partitions = weekly(options)
 */
export interface WeeklyOptions {
  /** The first week, given by its Monday (UTC, `YYYY-MM-DD`). */
  readonly start: DateKey
  /** The last week, inclusive, given by its Monday; leave out for an open-ended asset. */
  readonly end?: DateKey
}

/**
 * One partition per week (Monday to Sunday, UTC), keyed by the week's Monday.
 * Throws StrataError('definition') when start or end is not a real date, not a Monday, or
 * end < start.
 *
 * @example
 * weekly({ start: '2026-01-05' }).keysInRange('2026-01-10', '2026-01-12') // ['2026-01-05', '2026-01-12']
 */
export function weekly(options: WeeklyOptions): PartitionsDefinition {
  const start = parseMonday(options.start, 'weekly() start')
  const end = options.end === undefined ? undefined : parseMonday(options.end, 'weekly() end')
  assertOrdered(start, end, 'weekly()')

  const isMonday = (key: DateKey): boolean => weekdayOfDay(toEpochDay(key)) === 1

  return Object.freeze({
    kind: 'weekly' as const,
    start,
    ...(end === undefined ? {} : { end }),
    contains: (key: PartitionKey): boolean => isDateKey(key) && isMonday(key) && key >= start && (end === undefined || key <= end),
    validateKey(key: string, asset: string): PartitionKey {
      assertDate(key, asset)
      if (!isMonday(key)) {
        const monday = keyOfDay(mondayOfDay(toEpochDay(key)))
        throw new StrataError(
          'partition',
          `partition ${key} is a ${weekdayName(key)}, not a Monday (asset ${asset} is weekly)`,
          `Weekly partitions are keyed by their Monday: use ${monday} for the week that contains ${key}.`,
        )
      }
      if (key < start) {
        throw new StrataError(
          'partition',
          `partition ${key} is before the first partition of asset ${asset} (${start})`,
          `Pick a Monday on or after ${start}, the first week of ${asset}.`,
        )
      }
      if (end !== undefined && key > end) {
        throw new StrataError(
          'partition',
          `partition ${key} is after the last partition of asset ${asset} (${end})`,
          `Pick a Monday on or before ${end}, the last week of ${asset}.`,
        )
      }
      return key
    },
    keysInRange(from: DateKey, to: DateKey): PartitionKey[] {
      const fromDay = toEpochDay(from)
      const toDay = toEpochDay(to)
      // An empty range overlaps no week, even when both ends fall in the same one.
      if (!(fromDay <= toDay)) return []
      // A week overlaps [from, to] when its Monday is ≤ to and its Sunday ≥ from.
      const first = Math.max(mondayOfDay(fromDay), toEpochDay(start))
      const last = end === undefined ? mondayOfDay(toDay) : Math.min(mondayOfDay(toDay), toEpochDay(end))
      return keysOfDays(first, last, 7)
    },
    daysOf: (key: PartitionKey): { from: DateKey; to: DateKey } => ({ from: key, to: addDays(key, 6) }),
    pathSegment: (key: PartitionKey): string => `week=${key}`,
    describe: (): string => (end === undefined ? `weekly (Mondays) from ${start}` : `weekly (Mondays) from ${start} to ${end}`),
  })
}

function parseMonday(value: DateKey, what: string): DateKey {
  const key = parseDefinitionDate(value, what)
  const day = toEpochDay(key)
  if (weekdayOfDay(day) === 1) return key
  const before = keyOfDay(mondayOfDay(day))
  const after = keyOfDay(mondayOnOrAfter(day))
  throw new StrataError(
    'definition',
    `${what} ${key} is a ${weekdayName(key)}, not a Monday`,
    `Weekly keys are Mondays: use ${before} (the Monday of that week) or ${after} (the next Monday).`,
  )
}
