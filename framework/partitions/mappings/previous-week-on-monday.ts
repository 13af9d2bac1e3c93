import { toEpochDay } from '../date-key.js'
import { firstDayOf, keyOfDay, lastDayOf, mondayOfDay, NO_KEYS } from '../day-keys.js'
import type { PartitionKey, PartitionsDefinition } from '../partitions-definition.js'
import type { PartitionMapping, UpstreamPartitions } from './partition-mapping.js'

// Any day but a Monday, and the first week, read nothing (and miss nothing).
const NONE: UpstreamPartitions = Object.freeze({ keys: NO_KEYS, missing: NO_KEYS })

const PREVIOUS_WEEK_ON_MONDAY: PartitionMapping = Object.freeze({
  kind: 'previous-week-on-monday' as const,
  optionalWhenOutside: true,
  validate(downstream: PartitionsDefinition, upstream: PartitionsDefinition): string | undefined {
    if (downstream.kind === 'daily' && upstream.kind === 'weekly') return undefined
    return `previousWeekOnMonday() maps a daily asset onto a weekly one, got ${downstream.kind} → ${upstream.kind}`
  },
  describe: (): string => "on a Monday, the week before D's (Monday-7); other days and the first week nothing",
  upstreamFor(key: PartitionKey, _downstream: PartitionsDefinition, upstream: PartitionsDefinition): UpstreamPartitions {
    const day = toEpochDay(key)
    if (mondayOfDay(day) !== day) return NONE
    const before = day - 7
    if (before < firstDayOf(upstream)) return NONE
    return before > lastDayOf(upstream) ? { keys: NO_KEYS, missing: [keyOfDay(before)] } : { keys: [keyOfDay(before)], missing: NO_KEYS }
  },
  downstreamFor(upstreamKey: PartitionKey, downstream: PartitionsDefinition): PartitionKey[] {
    const monday = toEpochDay(upstreamKey) + 7
    return monday >= firstDayOf(downstream) && monday <= lastDayOf(downstream) ? [keyOfDay(monday)] : []
  },
})

/**
 * On a Monday, the weekly partition of the week before (Monday-7), e.g. drift_report(Monday) ←
 * segment_model(the previous week) to measure what the retrain changed. Other days read nothing,
 * as does the first Monday (no week before it: `optionalWhenOutside`).
 *
 * @example
 * previousWeekOnMonday().upstreamFor('2026-03-09', down, up).keys // ['2026-03-02']
 * previousWeekOnMonday().upstreamFor('2026-03-10', down, up).keys // []
 */
export function previousWeekOnMonday(): PartitionMapping {
  return PREVIOUS_WEEK_ON_MONDAY
}
