import { StrataError } from '../errors/index.js'
import type { AssetDefinition, AssetDependency, AssetSpec } from './asset-definition.js'
import type { PartitionMapping } from '../partitions/mappings/partition-mapping.js'

/** Asset keys are snake_case: they become path segments, table names and SQL identifiers. */
export const ASSET_KEY_PATTERN = /^[a-z][a-z0-9_]{0,62}$/

/** Validate an asset key given by a user or a definition. */
export function validateAssetKey(key: string, what = 'asset key'): string {
  if (!ASSET_KEY_PATTERN.test(key)) {
    throw new StrataError('definition', `${what} ${JSON.stringify(key.slice(0, 80))} is not a valid asset key`, 'Asset keys are snake_case: a lowercase letter, then lowercase letters, digits or _ (at most 63).')
  }
  return key
}

function isMapping(value: PartitionMapping | AssetDependency): value is PartitionMapping {
  return 'upstreamFor' in value
}

/**
 * Declare an asset. The spec is checked and frozen here; the graph checks what needs every
 * asset at once (unknown dependencies, cycles, mappings that do not fit).
 *
 * @example
 * defineAsset({ key: 'cdi_scores', partitions: daily({ start }), deps: { features: sameDay() }, … })
 */
export function defineAsset<R>(spec: AssetSpec<R>): AssetDefinition<R> {
  validateAssetKey(spec.key)
  if (!spec.description.trim()) throw new StrataError('definition', `asset ${spec.key} has no description`, 'Say in one sentence what the asset holds.')
  if (!spec.codeVersion.trim()) throw new StrataError('definition', `asset ${spec.key} has no codeVersion`, 'Give a code version; bump it when the compute changes so partitions go stale.')
  const deps: Record<string, AssetDependency> = {}
  for (const [name, value] of Object.entries(spec.deps ?? {})) {
    const dep = isMapping(value) ? { asset: name, mapping: value } : value
    validateAssetKey(dep.asset, `dependency of ${spec.key}`)
    deps[name] = Object.freeze({ asset: dep.asset, mapping: dep.mapping })
  }
  const names = new Set<string>()
  for (const check of spec.checks ?? []) {
    if (names.has(check.name)) throw new StrataError('definition', `asset ${spec.key} declares check "${check.name}" twice`, 'Give each check of an asset its own name.')
    names.add(check.name)
  }
  return Object.freeze({ ...spec, deps: Object.freeze(deps), checks: Object.freeze([...(spec.checks ?? [])]) })
}
