import { toEpochDay } from '../date-key.js'
import { firstDayOf, keyOfDay, lastDayOf, NO_KEYS } from '../day-keys.js'
import type { PartitionKey, PartitionsDefinition } from '../partitions-definition.js'
import type { PartitionMapping, UpstreamPartitions } from './partition-mapping.js'

// No previous day at the first partition: that is how a self-dependency chain starts.
const NONE: UpstreamPartitions = Object.freeze({ keys: NO_KEYS, missing: NO_KEYS })

const PREVIOUS: PartitionMapping = Object.freeze({
  kind: 'previous' as const,
  optionalWhenOutside: true,
  validate(downstream: PartitionsDefinition, upstream: PartitionsDefinition): string | undefined {
    if (downstream.kind === 'daily' && upstream.kind === 'daily') return undefined
    return `previous() needs a daily asset on both sides, got ${downstream.kind} → ${upstream.kind}`
  },
  describe: (): string => 'the day before (D-1), none for the first partition',
  upstreamFor(key: PartitionKey, _downstream: PartitionsDefinition, upstream: PartitionsDefinition): UpstreamPartitions {
    const day = toEpochDay(key) - 1
    if (day < firstDayOf(upstream)) return NONE
    return day > lastDayOf(upstream) ? { keys: NO_KEYS, missing: [keyOfDay(day)] } : { keys: [keyOfDay(day)], missing: NO_KEYS }
  },
  downstreamFor(upstreamKey: PartitionKey, downstream: PartitionsDefinition): PartitionKey[] {
    const day = toEpochDay(upstreamKey) + 1
    return day >= firstDayOf(downstream) && day <= lastDayOf(downstream) ? [keyOfDay(day)] : []
  },
})

/**
 * Each day reads the day before it, D-1: the self-dependency of an asset that carries state
 * forward (segments(D) ← segments(D-1)). Daily on both sides. At the first partition there is
 * no day before, so it reads nothing and misses nothing (`optionalWhenOutside`).
 *
 * @example
 * defineAsset({ key: 'segments', deps: { segments: previous(), … }, … })
 */
export function previous(): PartitionMapping {
  return PREVIOUS
}
