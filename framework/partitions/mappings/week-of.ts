import { toEpochDay } from '../date-key.js'
import { firstDayOf, keyOfDay, keysOfDays, lastDayOf, mondayOfDay, NO_KEYS } from '../day-keys.js'
import type { PartitionKey, PartitionsDefinition } from '../partitions-definition.js'
import type { PartitionMapping, UpstreamPartitions } from './partition-mapping.js'

const WEEK_OF: PartitionMapping = Object.freeze({
  kind: 'week-of' as const,
  optionalWhenOutside: false,
  validate(downstream: PartitionsDefinition, upstream: PartitionsDefinition): string | undefined {
    if (downstream.kind === 'daily' && upstream.kind === 'weekly') return undefined
    return `weekOf() maps a daily asset onto a weekly one, got ${downstream.kind} → ${upstream.kind}`
  },
  describe: (): string => 'the week containing D (its Monday)',
  upstreamFor(key: PartitionKey, _downstream: PartitionsDefinition, upstream: PartitionsDefinition): UpstreamPartitions {
    const monday = mondayOfDay(toEpochDay(key))
    const inside = monday >= firstDayOf(upstream) && monday <= lastDayOf(upstream)
    return inside ? { keys: [keyOfDay(monday)], missing: NO_KEYS } : { keys: NO_KEYS, missing: [keyOfDay(monday)] }
  },
  downstreamFor(upstreamKey: PartitionKey, downstream: PartitionsDefinition): PartitionKey[] {
    const monday = toEpochDay(upstreamKey)
    return keysOfDays(Math.max(monday, firstDayOf(downstream)), Math.min(monday + 6, lastDayOf(downstream)))
  },
})

/**
 * Each day reads the weekly partition of the week that contains it (the Monday on or before
 * D), e.g. segments(D) ← segment_model(week of D). A week before the upstream's first is
 * `missing`.
 *
 * @example
 * weekOf().upstreamFor('2026-03-08', down, up).keys // ['2026-03-02'] (a Sunday reads its Monday)
 */
export function weekOf(): PartitionMapping {
  return WEEK_OF
}
