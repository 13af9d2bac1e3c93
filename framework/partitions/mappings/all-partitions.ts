import { StrataError } from '../../errors/index.js'
import { UNPARTITIONED_KEY, type PartitionKey, type PartitionsDefinition } from '../partitions-definition.js'
import type { PartitionMapping, UpstreamPartitions } from './partition-mapping.js'

function isBounded(definition: PartitionsDefinition): boolean {
  return definition.kind === 'unpartitioned' || definition.end !== undefined
}

/** Every key of a bounded or unpartitioned definition, ascending. */
function everyKey(definition: PartitionsDefinition): PartitionKey[] {
  if (definition.kind === 'unpartitioned') return [UNPARTITIONED_KEY]
  if (definition.start === undefined || definition.end === undefined) return []
  return definition.keysInRange(definition.start, definition.end)
}

/**
 * Each partition reads every partition of the upstream, e.g. a lookup table or a model fitted
 * once. The upstream must be unpartitioned or bounded (have an end), or "every partition"
 * would grow without end; the downstream may be anything.
 *
 * @example
 * defineAsset({ key: 'scores', partitions: daily({ start }), deps: { calendar: allPartitions() }, … })
 */
export function allPartitions(): PartitionMapping {
  // The answer is the same for every downstream key, so build it once per upstream.
  const upstreamCache = new WeakMap<PartitionsDefinition, UpstreamPartitions>()
  return Object.freeze({
    kind: 'all-partitions' as const,
    optionalWhenOutside: false,
    validate(downstream: PartitionsDefinition, upstream: PartitionsDefinition): string | undefined {
      if (isBounded(upstream)) return undefined
      return `allPartitions() needs an unpartitioned upstream or one with an end, got ${downstream.kind} → ${upstream.kind} with no end`
    },
    describe: (): string => 'every partition of the upstream',
    upstreamFor(_key: PartitionKey, _downstream: PartitionsDefinition, upstream: PartitionsDefinition): UpstreamPartitions {
      let result = upstreamCache.get(upstream)
      if (result === undefined) {
        result = Object.freeze({ keys: Object.freeze(everyKey(upstream)), missing: Object.freeze([]) })
        upstreamCache.set(upstream, result)
      }
      return result
    },
    downstreamFor(_upstreamKey: PartitionKey, downstream: PartitionsDefinition): PartitionKey[] {
      if (!isBounded(downstream)) {
        throw new StrataError(
          'definition',
          `allPartitions(): every partition of the ${downstream.describe()} downstream reads this upstream, and that set has no end`,
          "List the downstream keys of the range you need with the downstream's keysInRange(from, to) instead.",
        )
      }
      return everyKey(downstream)
    },
  })
}
