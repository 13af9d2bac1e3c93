import type { AssetGraph } from '../graph/index.js'
import { observeSource, type SourceVersion } from '../sources/index.js'
import type { FailureRecord, Manifest } from '../storage/manifest.js'
import type { Storage } from '../storage/storage.js'

/** What storage knows of one asset partition, and what its source holds now. */
export interface PartitionState {
  readonly manifest?: Manifest
  readonly failure?: FailureRecord
  /** For an asset with an observed source: the source partition as listed when the state was loaded. */
  readonly source?: SourceVersion
}

/** The stored state the planner reads. Pure lookups: the planner never touches storage itself. */
export interface StoredState {
  get(asset: string, partition: string): PartitionState | undefined
}

/** Observations of sources, keyed like manifests: asset, then partition. */
export type SourceObservations = ReadonlyMap<string, ReadonlyMap<string, SourceVersion>>

/** An in-memory StoredState, e.g. for tests and dry runs. */
export function storedStateOf(manifests: readonly Manifest[], failures: readonly FailureRecord[] = [], sources: SourceObservations = new Map()): StoredState {
  const states = new Map<string, { manifest?: Manifest; failure?: FailureRecord; source?: SourceVersion }>()
  const slot = (asset: string, partition: string) => {
    const id = `${asset}@${partition}`
    let state = states.get(id)
    if (!state) states.set(id, (state = {}))
    return state
  }
  for (const manifest of manifests) slot(manifest.asset, manifest.partition).manifest = manifest
  for (const failure of failures) slot(failure.asset, failure.partition).failure = failure
  for (const [asset, partitions] of sources) for (const [partition, source] of partitions) slot(asset, partition).source = source
  return { get: (asset, partition) => states.get(`${asset}@${partition}`) }
}

/**
 * Read every manifest and failure record of the given assets (default: all), and observe the
 * sources of those that read one, for the partitions they have built: a listing, not a read,
 * unless a file's listing changed at the same size.
 */
export async function loadStoredState(storage: Storage, graph: AssetGraph, assets: readonly string[] = graph.keys): Promise<StoredState> {
  const perAsset = await Promise.all(assets.map(async (asset) => [asset, await storage.listManifests(asset), await storage.listFailures(asset)] as const))
  const sources = new Map<string, Map<string, SourceVersion>>()
  await Promise.all(
    perAsset.map(async ([asset, manifests]) => {
      const source = graph.asset(asset).source
      if (!source || manifests.length === 0) return
      const recorded = new Map(manifests.map((manifest) => [manifest.partition, manifest.source]))
      sources.set(asset, await observeSource(source, [...recorded.keys()], (partition) => recorded.get(partition)))
    }),
  )
  return storedStateOf(
    perAsset.flatMap(([, manifests]) => manifests),
    perAsset.flatMap(([, , failures]) => failures),
    sources,
  )
}
