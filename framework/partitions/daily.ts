import { StrataError } from '../errors/index.js'
import { isDateKey, toEpochDay, type DateKey } from './date-key.js'
import { keysOfDays } from './day-keys.js'
import { assertDate, assertOrdered, parseDefinitionDate } from './date-checks.js'
import type { PartitionKey, PartitionsDefinition } from './partitions-definition.js'

/**
 * Options of {@link daily}: the first day and, for a pipeline over a fixed period, the last.
 * Both are checked when the definitions load.
 *
 * @example
 * const options: DailyOptions = { start: '2026-11-01', end: '2026-11-02' }
 * const partitions = daily(options) // 2026-11-01, 2026-11-02
 */
export interface DailyOptions {
  /** The first partition, a UTC date `YYYY-MM-DD`. */
  readonly start: DateKey
  /** The last partition, inclusive; leave out for an open-ended asset. */
  readonly end?: DateKey
}

/**
 * One partition per UTC day, keyed `YYYY-MM-DD`, from `start` (and up to `end` when given).
 * Throws StrataError('definition') when start or end is not a real date or end < start.
 *
 * @example
 * daily({ start: '2026-01-01' }).keysInRange('2025-12-30', '2026-01-02') // ['2026-01-01', '2026-01-02']
 */
export function daily(options: DailyOptions): PartitionsDefinition {
  const start = parseDefinitionDate(options.start, 'daily() start')
  const end = options.end === undefined ? undefined : parseDefinitionDate(options.end, 'daily() end')
  assertOrdered(start, end, 'daily()')

  // YYYY-MM-DD keys of 4-digit years sort like the dates they name, so bounds are string compares.
  const inBounds = (key: DateKey): boolean => key >= start && (end === undefined || key <= end)

  return Object.freeze({
    kind: 'daily' as const,
    start,
    ...(end === undefined ? {} : { end }),
    contains: (key: PartitionKey): boolean => isDateKey(key) && inBounds(key),
    validateKey(key: string, asset: string): PartitionKey {
      assertDate(key, asset)
      if (key < start) {
        throw new StrataError(
          'partition',
          `partition ${key} is before the first partition of asset ${asset} (${start})`,
          `Pick a day on or after ${start}, the first partition of ${asset} (its definition sets the first day).`,
        )
      }
      if (end !== undefined && key > end) {
        throw new StrataError(
          'partition',
          `partition ${key} is after the last partition of asset ${asset} (${end})`,
          `Pick a day on or before ${end}, the last partition of ${asset}.`,
        )
      }
      return key
    },
    keysInRange(from: DateKey, to: DateKey): PartitionKey[] {
      const first = Math.max(toEpochDay(from), toEpochDay(start))
      const last = end === undefined ? toEpochDay(to) : Math.min(toEpochDay(to), toEpochDay(end))
      return keysOfDays(first, last)
    },
    daysOf: (key: PartitionKey): { from: DateKey; to: DateKey } => ({ from: key, to: key }),
    pathSegment: (key: PartitionKey): string => `dt=${key}`,
    describe: (): string => (end === undefined ? `daily from ${start}` : `daily from ${start} to ${end}`),
  })
}
