import type { FailureRecord, Manifest } from '../storage/manifest.js'
import type { Storage } from '../storage/storage.js'

/** What storage knows of one asset partition. */
export interface PartitionState {
  readonly manifest?: Manifest
  readonly failure?: FailureRecord
}

/** The stored state the planner reads. Pure lookups: the planner never touches storage itself. */
export interface StoredState {
  get(asset: string, partition: string): PartitionState | undefined
}

/** An in-memory StoredState, e.g. for tests and dry runs. */
export function storedStateOf(manifests: readonly Manifest[], failures: readonly FailureRecord[] = []): StoredState {
  const states = new Map<string, { manifest?: Manifest; failure?: FailureRecord }>()
  const slot = (asset: string, partition: string) => {
    const id = `${asset}@${partition}`
    let state = states.get(id)
    if (!state) states.set(id, (state = {}))
    return state
  }
  for (const manifest of manifests) slot(manifest.asset, manifest.partition).manifest = manifest
  for (const failure of failures) slot(failure.asset, failure.partition).failure = failure
  return { get: (asset, partition) => states.get(`${asset}@${partition}`) }
}

/** Read every manifest and failure record of the given assets. */
export async function loadStoredState(storage: Storage, assets: readonly string[]): Promise<StoredState> {
  const perAsset = await Promise.all(assets.map(async (asset) => [await storage.listManifests(asset), await storage.listFailures(asset)] as const))
  return storedStateOf(
    perAsset.flatMap(([manifests]) => manifests),
    perAsset.flatMap(([, failures]) => failures),
  )
}
