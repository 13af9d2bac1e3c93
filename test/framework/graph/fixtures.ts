import { defineAsset } from '../../../framework/definitions/define-asset.js'
import type { AssetDefinition, AssetDependency } from '../../../framework/definitions/asset-definition.js'
import type { PartitionMapping } from '../../../framework/partitions/mappings/partition-mapping.js'
import type { PartitionsDefinition } from '../../../framework/partitions/partitions-definition.js'

// Stubs, not the real factories: the graph only needs kind, describe() and validate(), and these
// tests must not depend on the partitions module being written alongside them.

function unused(): never {
  throw new Error('not used by graph, selection or lineage tests')
}

function stubPartitions(kind: PartitionsDefinition['kind'], description: string): PartitionsDefinition {
  return Object.freeze({
    kind,
    contains: unused,
    validateKey: unused,
    keysInRange: unused,
    daysOf: unused,
    pathSegment: unused,
    describe: () => description,
  })
}

export const dailyStub = stubPartitions('daily', 'daily from 2026-01-01')
export const weeklyStub = stubPartitions('weekly', 'weekly (Mondays) from 2026-01-05')
export const unpartitionedStub = stubPartitions('unpartitioned', 'unpartitioned')

type Fits = (downstream: PartitionsDefinition, upstream: PartitionsDefinition) => string | undefined

/** A mapping stub; `fits` plays validate(), so a test can make it refuse with any sentence. */
export function stubMapping(kind: PartitionMapping['kind'], description: string, fits: Fits = () => undefined): PartitionMapping {
  return Object.freeze({
    kind,
    validate: fits,
    describe: () => description,
    upstreamFor: unused,
    downstreamFor: unused,
    optionalWhenOutside: kind === 'previous',
  })
}

const kinds = (downstream: PartitionsDefinition['kind'], upstream: PartitionsDefinition['kind']): Fits => (down, up) =>
  down.kind === downstream && up.kind === upstream ? undefined : `needs ${upstream} → ${downstream}, got ${up.kind} → ${down.kind}`

export const sameDay = (): PartitionMapping =>
  stubMapping('same-day', 'same partition', (down, up) => (down.kind === up.kind ? undefined : `needs the same partitions on both sides, got ${up.kind} → ${down.kind}`))
export const lookback = (days: number): PartitionMapping =>
  stubMapping('lookback', `the ${days} days ending on D (D-${days - 1} … D)`, kinds('daily', 'daily'))
export const previous = (): PartitionMapping => stubMapping('previous', 'the day before (D-1)', kinds('daily', 'daily'))
export const weekOf = (): PartitionMapping => stubMapping('week-of', 'the week containing D', kinds('daily', 'weekly'))
export const daysBeforeWeek = (days: number): PartitionMapping =>
  stubMapping('days-before-week', `the ${days} days before the week starts`, kinds('weekly', 'daily'))
/** A mapping whose validate() always refuses with `sentence`. */
export const refusing = (sentence: string): PartitionMapping => stubMapping('all-partitions', 'every partition', () => sentence)

/** A minimal asset with the given dependencies (daily unless told). */
export function stubAsset(
  key: string,
  deps: Record<string, PartitionMapping | AssetDependency> = {},
  partitions: PartitionsDefinition = dailyStub,
): AssetDefinition {
  return defineAsset({
    key,
    description: `the ${key} stub`,
    partitions,
    deps,
    codeVersion: 'v1',
    materialize: () => Promise.resolve({}),
  })
}

/**
 * The CDI graph's shape (SPEC §2): raw → curated → customer_activity → features (lookback) and
 * curated → features (same day); features → cdi_scores; features → segment_model (days before
 * week); segment_model → segments (week of); cdi_scores → segments; segments → segments
 * (previous); segments → drift_report, segment_model → drift_report.
 */
export function cdiAssets(): AssetDefinition[] {
  return [
    stubAsset('raw'),
    stubAsset('curated', { raw: sameDay() }),
    stubAsset('customer_activity', { curated: sameDay() }),
    stubAsset('features', { customer_activity: lookback(90), curated: sameDay() }),
    stubAsset('cdi_scores', { features: sameDay() }),
    stubAsset('segment_model', { features: daysBeforeWeek(90) }, weeklyStub),
    stubAsset('segments', {
      cdi_scores: sameDay(),
      segment_model: weekOf(),
      previous_segments: { asset: 'segments', mapping: previous() },
    }),
    stubAsset('drift_report', { segments: sameDay(), segment_model: weekOf() }),
  ]
}

/** The keys of {@link cdiAssets} in topological order. */
export const CDI_ORDER = ['raw', 'curated', 'customer_activity', 'features', 'cdi_scores', 'segment_model', 'segments', 'drift_report']
