import { assertWholeDays } from '../date-checks.js'
import { toEpochDay } from '../date-key.js'
import { firstDayOf, keysOfDays, lastDayOf, NO_KEYS } from '../day-keys.js'
import type { PartitionKey, PartitionsDefinition } from '../partitions-definition.js'
import type { PartitionMapping, UpstreamPartitions } from './partition-mapping.js'

/** A {@link lookback} mapping; `days` is the window length. */
export interface LookbackMapping extends PartitionMapping {
  readonly kind: 'lookback'
  readonly days: number
}

/**
 * Each day reads the `days` days that end on it, e.g. features(D) ← curated(D-89 … D) with
 * `lookback(90)`. Daily on both sides. Days before the upstream's start do not exist and are
 * left out (use what exists); days after its end are `missing`.
 * Throws StrataError('definition') unless `days` is an integer ≥ 1.
 *
 * @example
 * lookback(3).upstreamFor('2026-03-01', down, up).keys // ['2026-02-27', '2026-02-28', '2026-03-01']
 */
export function lookback(days: number): LookbackMapping {
  assertWholeDays(days, 'lookback', 'lookback(90) reads D-89 … D')
  const span = days - 1
  const name = `lookback(${days})`
  return Object.freeze({
    kind: 'lookback' as const,
    days,
    optionalWhenOutside: false,
    validate(downstream: PartitionsDefinition, upstream: PartitionsDefinition): string | undefined {
      if (downstream.kind === 'daily' && upstream.kind === 'daily') return undefined
      return `${name} needs a daily asset on both sides, got ${downstream.kind} → ${upstream.kind}`
    },
    describe: (): string => (days === 1 ? 'the 1 day ending on D (D)' : `the ${days} days ending on D (D-${span} … D)`),
    upstreamFor(key: PartitionKey, _downstream: PartitionsDefinition, upstream: PartitionsDefinition): UpstreamPartitions {
      const day = toEpochDay(key)
      const last = lastDayOf(upstream)
      const first = Math.max(day - span, firstDayOf(upstream))
      const keys = keysOfDays(first, Math.min(day, last))
      const missing = day > last ? keysOfDays(Math.max(first, last + 1), day) : NO_KEYS
      return { keys, missing }
    },
    downstreamFor(upstreamKey: PartitionKey, downstream: PartitionsDefinition): PartitionKey[] {
      const day = toEpochDay(upstreamKey)
      return keysOfDays(Math.max(day, firstDayOf(downstream)), Math.min(day + span, lastDayOf(downstream)))
    },
  })
}
