import { StrataError } from '../../errors/index.js'
import { toEpochDay } from '../date-key.js'
import { firstDayOf, keysOfDays, lastDayOf, NO_KEYS } from '../day-keys.js'
import type { PartitionKey, PartitionsDefinition } from '../partitions-definition.js'
import type { PartitionMapping, UpstreamPartitions } from './partition-mapping.js'

/** A {@link weeksEndingOn} mapping; `weeks` is the window length. */
export interface WeeksEndingOnMapping extends PartitionMapping {
  readonly kind: 'weeks-ending-on'
  readonly weeks: number
}

/**
 * Each week reads the `weeks` weekly partitions that end on it (W-7·(weeks-1) … W), e.g.
 * segment_model(week) ← week_stats of its 12 weeks. Weekly on both sides. Weeks before the
 * upstream's start do not exist and are left out (use what exists); weeks after its end are
 * `missing`.
 * Throws StrataError('definition') unless `weeks` is an integer ≥ 1.
 *
 * @example
 * weeksEndingOn(2).upstreamFor('2026-03-09', down, up).keys // ['2026-03-02', '2026-03-09']
 */
export function weeksEndingOn(weeks: number): WeeksEndingOnMapping {
  if (!Number.isInteger(weeks) || weeks < 1) {
    throw new StrataError('definition', `weeksEndingOn(${String(weeks)}) needs a whole number of weeks ≥ 1`, 'Pass the window length in weeks, e.g. weeksEndingOn(12) reads W-77 … W.')
  }
  const span = 7 * (weeks - 1)
  const name = `weeksEndingOn(${weeks})`
  return Object.freeze({
    kind: 'weeks-ending-on' as const,
    weeks,
    optionalWhenOutside: false,
    validate(downstream: PartitionsDefinition, upstream: PartitionsDefinition): string | undefined {
      if (downstream.kind === 'weekly' && upstream.kind === 'weekly') return undefined
      return `${name} needs a weekly asset on both sides, got ${downstream.kind} → ${upstream.kind}`
    },
    describe: (): string => (weeks === 1 ? 'the same week' : `the ${weeks} weeks ending on this one (Monday-${span} … Monday)`),
    upstreamFor(key: PartitionKey, _downstream: PartitionsDefinition, upstream: PartitionsDefinition): UpstreamPartitions {
      const monday = toEpochDay(key)
      const last = lastDayOf(upstream)
      const first = onOrAfter(monday - span, firstDayOf(upstream))
      const keys = keysOfDays(first, Math.min(monday, last), 7)
      const missing = monday > last ? keysOfDays(onOrAfter(first, last + 1), monday, 7) : NO_KEYS
      return { keys, missing }
    },
    downstreamFor(upstreamKey: PartitionKey, downstream: PartitionsDefinition): PartitionKey[] {
      const monday = toEpochDay(upstreamKey)
      const first = onOrAfter(monday, firstDayOf(downstream))
      return keysOfDays(first, Math.min(monday + span, lastDayOf(downstream)), 7)
    },
  })
}

/** The first of the days `from`, `from` + 7, … that is on or after `start`. */
function onOrAfter(from: number, start: number): number {
  return start > from ? from + 7 * Math.ceil((start - from) / 7) : from
}
