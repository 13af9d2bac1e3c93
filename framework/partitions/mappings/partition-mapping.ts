import type { PartitionKey, PartitionsDefinition } from '../partitions-definition.js'

/**
 * Which upstream partitions one downstream partition reads. A partition the mapping wants but
 * the upstream does not define is reported in `missing`, never thrown (Dagster does the same):
 * the planner decides what that means.
 */
export interface UpstreamPartitions {
  /** Upstream keys that exist in the upstream's partitions definition, in ascending order. */
  readonly keys: readonly PartitionKey[]
  /** Keys the mapping wants that the upstream does not define (e.g. before its start). */
  readonly missing: readonly PartitionKey[]
}

/**
 * A partition mapping: immutable, validated once at load, describes itself in words.
 * `downstream` is the partitions definition of the asset that depends; `upstream` that of the
 * asset depended on. The built-in ones (`sameDay`, `lookback`, `previous`, `weekOf`,
 * `previousWeekOnMonday`, `daysBeforeWeek`, `allPartitions`) cover the CDI pipeline; an asset
 * names one per dependency in `deps`.
 *
 * @example
 * const mapping: PartitionMapping = lookback(90)
 * mapping.describe() // 'the 90 days ending on D (D-89 … D)'
 * const features = defineAsset({ key: 'features', description: 'features per customer', partitions, deps: { curated: mapping }, codeVersion: '1', materialize: computeFeatures })
 */
export interface PartitionMapping {
  readonly kind: 'same-day' | 'lookback' | 'previous' | 'week-of' | 'previous-week-on-monday' | 'days-before-week' | 'weeks-ending-on' | 'all-partitions'
  /**
   * Undefined when the mapping fits the two partition kinds, else an error sentence that says
   * why (e.g. "previous() needs a daily asset on both sides, got weekly → daily").
   */
  validate(downstream: PartitionsDefinition, upstream: PartitionsDefinition): string | undefined
  /** e.g. "the 90 days ending on D (D-89 … D)". */
  describe(): string
  upstreamFor(key: PartitionKey, downstream: PartitionsDefinition, upstream: PartitionsDefinition): UpstreamPartitions
  /** The downstream keys that read `upstreamKey` (inverse of upstreamFor), ascending. */
  downstreamFor(upstreamKey: PartitionKey, downstream: PartitionsDefinition, upstream: PartitionsDefinition): PartitionKey[]
  /**
   * True when a partition may run with nothing from this dependency — previous() at the first
   * partition. The planner then drops the edge instead of reporting it missing.
   */
  readonly optionalWhenOutside: boolean
}
