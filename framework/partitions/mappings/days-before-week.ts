import { assertWholeDays } from '../date-checks.js'
import { toEpochDay } from '../date-key.js'
import { firstDayOf, keysOfDays, lastDayOf, mondayOnOrAfter, NO_KEYS } from '../day-keys.js'
import type { PartitionKey, PartitionsDefinition } from '../partitions-definition.js'
import type { PartitionMapping, UpstreamPartitions } from './partition-mapping.js'

/** A {@link daysBeforeWeek} mapping; `days` is the window length. */
export interface DaysBeforeWeekMapping extends PartitionMapping {
  readonly kind: 'days-before-week'
  readonly days: number
}

/**
 * Each week reads the `days` days before its Monday (Monday-days … Monday-1), e.g.
 * segment_model(week) ← features of the 90 days before the week starts. Weekly downstream,
 * daily upstream. Days before the upstream's start do not exist and are left out, so an early
 * week may read fewer days, or none (the asset then decides whether that is enough); days
 * after the upstream's end are `missing`.
 * Throws StrataError('definition') unless `days` is an integer ≥ 1.
 *
 * @example
 * daysBeforeWeek(2).upstreamFor('2026-03-02', down, up).keys // ['2026-02-28', '2026-03-01']
 */
export function daysBeforeWeek(days: number): DaysBeforeWeekMapping {
  assertWholeDays(days, 'daysBeforeWeek', 'daysBeforeWeek(90) reads Monday-90 … Monday-1')
  const name = `daysBeforeWeek(${days})`
  return Object.freeze({
    kind: 'days-before-week' as const,
    days,
    optionalWhenOutside: false,
    validate(downstream: PartitionsDefinition, upstream: PartitionsDefinition): string | undefined {
      if (downstream.kind === 'weekly' && upstream.kind === 'daily') return undefined
      return `${name} maps a weekly asset onto a daily one, got ${downstream.kind} → ${upstream.kind}`
    },
    describe: (): string =>
      days === 1 ? "the day before the week's Monday (Monday-1)" : `the ${days} days before the week's Monday (Monday-${days} … Monday-1)`,
    upstreamFor(key: PartitionKey, _downstream: PartitionsDefinition, upstream: PartitionsDefinition): UpstreamPartitions {
      const lastWanted = toEpochDay(key) - 1
      const last = lastDayOf(upstream)
      const first = Math.max(lastWanted + 1 - days, firstDayOf(upstream))
      const keys = keysOfDays(first, Math.min(lastWanted, last))
      const missing = lastWanted > last ? keysOfDays(Math.max(first, last + 1), lastWanted) : NO_KEYS
      return { keys, missing }
    },
    downstreamFor(upstreamKey: PartitionKey, downstream: PartitionsDefinition): PartitionKey[] {
      // A day is read by the weeks whose Monday falls in (day, day + days].
      const day = toEpochDay(upstreamKey)
      const first = Math.max(mondayOnOrAfter(day + 1), firstDayOf(downstream))
      return keysOfDays(first, Math.min(day + days, lastDayOf(downstream)), 7)
    },
  })
}
