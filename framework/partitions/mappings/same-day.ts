import { NO_KEYS } from '../day-keys.js'
import type { PartitionKey, PartitionsDefinition } from '../partitions-definition.js'
import type { PartitionMapping, UpstreamPartitions } from './partition-mapping.js'

// Keys of one kind sort like what they name ('all' has no bounds), so a bounds check is two
// string compares; this runs for every step of a plan.
function inBounds(key: PartitionKey, definition: PartitionsDefinition): boolean {
  return (definition.start === undefined || key >= definition.start) && (definition.end === undefined || key <= definition.end)
}

const SAME_DAY: PartitionMapping = Object.freeze({
  kind: 'same-day' as const,
  optionalWhenOutside: false,
  validate(downstream: PartitionsDefinition, upstream: PartitionsDefinition): string | undefined {
    if (downstream.kind === upstream.kind) return undefined
    return `sameDay() maps an asset onto one with the same kind of partitions, got ${downstream.kind} → ${upstream.kind}`
  },
  describe: (): string => 'same partition',
  upstreamFor(key: PartitionKey, _downstream: PartitionsDefinition, upstream: PartitionsDefinition): UpstreamPartitions {
    return inBounds(key, upstream) ? { keys: [key], missing: NO_KEYS } : { keys: NO_KEYS, missing: [key] }
  },
  downstreamFor(upstreamKey: PartitionKey, downstream: PartitionsDefinition): PartitionKey[] {
    return inBounds(upstreamKey, downstream) ? [upstreamKey] : []
  },
})

/**
 * Each partition reads the upstream partition with the same key: daily → daily, weekly →
 * weekly or unpartitioned → unpartitioned. A key the upstream does not define is `missing`.
 *
 * @example
 * defineAsset({ key: 'cdi_scores', partitions: daily({ start }), deps: { features: sameDay() }, … })
 */
export function sameDay(): PartitionMapping {
  return SAME_DAY
}
