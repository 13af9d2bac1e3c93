import { MultiDirectedGraph } from 'graphology'
import { StrataError } from '../errors/index.js'
import { didYouMean, formatSuggestions } from '../selection/did-you-mean.js'
import { unknownAssetError } from '../selection/unknown-asset-error.js'
import type { AssetDefinition } from '../definitions/asset-definition.js'
import type { PartitionMapping } from '../partitions/mappings/partition-mapping.js'

/** One input of an asset: the input name, the asset it reads and how partitions map. */
export interface GraphDependency {
  /** The input name, as declared in the downstream asset's `deps`. */
  readonly input: string
  /** The upstream asset read through this input. */
  readonly asset: string
  readonly mapping: PartitionMapping
}

/** One reader of an asset: the downstream asset, its input name and the mapping it declared. */
export interface GraphDependent {
  readonly input: string
  /** The downstream asset that reads through `input`. */
  readonly asset: string
  readonly mapping: PartitionMapping
}

interface EdgeAttributes {
  readonly input: string
  readonly mapping: PartitionMapping
}

/** Only a self-dependency through this mapping kind is allowed; it reads an earlier partition. */
const SELF_DEPENDENCY_KIND: PartitionMapping['kind'] = 'previous'

/**
 * The validated asset graph: every asset, every dependency (edge upstream → downstream, carrying
 * the input name and the partition mapping), in a deterministic topological order.
 *
 * Built once when the definitions load; everything after that (planner, selection, lineage)
 * trusts it. All answers are stable: the same definitions always give the same order.
 *
 * @example
 * const graph = AssetGraph.build([raw, curated, features])
 * graph.keys                   // ['raw', 'curated', 'features']
 * graph.ancestors('features')  // Set { 'curated', 'raw' }
 */
export class AssetGraph<R = unknown> {
  /** Asset keys in topological order, ties broken by declaration order. */
  readonly keys: readonly string[]

  // A multigraph because one asset may read another through two inputs (segments(D) and
  // segments(D-1)); self-loops carry previous() self-dependencies.
  private readonly graph: MultiDirectedGraph<Record<string, never>, EdgeAttributes>
  private readonly definitions: ReadonlyMap<string, AssetDefinition<R>>
  private readonly order: ReadonlyMap<string, number>
  private readonly dependencies: ReadonlyMap<string, readonly GraphDependency[]>
  private readonly dependents: ReadonlyMap<string, readonly GraphDependent[]>

  private constructor(definitions: ReadonlyMap<string, AssetDefinition<R>>, keys: readonly string[]) {
    this.definitions = definitions
    this.keys = Object.freeze([...keys])
    this.order = new Map(keys.map((key, index) => [key, index]))
    this.graph = new MultiDirectedGraph<Record<string, never>, EdgeAttributes>({ allowSelfLoops: true })
    for (const key of keys) this.graph.addNode(key)
    const dependencies = new Map<string, GraphDependency[]>()
    const dependents = new Map<string, GraphDependent[]>(keys.map((key) => [key, []]))
    for (const key of keys) {
      const deps = dependencyList(definitions.get(key) as AssetDefinition<R>)
      dependencies.set(key, deps)
      for (const dep of deps) {
        this.graph.addDirectedEdge(dep.asset, key, { input: dep.input, mapping: dep.mapping })
        dependents.get(dep.asset)?.push(Object.freeze({ input: dep.input, asset: key, mapping: dep.mapping }))
      }
    }
    // Keys are iterated in topological order above, so each dependents list is already ordered
    // by the downstream's topological index, then by its input declaration order.
    this.dependencies = dependencies
    this.dependents = new Map([...dependents].map(([key, list]) => [key, Object.freeze(list)]))
  }

  /**
   * Validate the definitions as a whole and build the graph. Throws StrataError('definition')
   * for a key defined twice, a dependency on an undefined asset, a self-dependency not through
   * previous(), a mapping that does not fit the two partitions definitions, or a cycle.
   */
  static build<R>(assets: readonly AssetDefinition<R>[]): AssetGraph<R> {
    const definitions = new Map<string, AssetDefinition<R>>()
    for (const asset of assets) {
      if (definitions.has(asset.key)) {
        throw new StrataError('definition', `asset key "${asset.key}" is defined twice`, 'Give every asset its own key, or remove the duplicate from the definitions list.')
      }
      definitions.set(asset.key, asset)
    }
    for (const asset of assets) {
      for (const dep of dependencyList(asset)) checkDependency(asset, dep, definitions)
    }
    return new AssetGraph(definitions, topologicalOrder(assets))
  }

  /** True when an asset with this key is defined. */
  has(key: string): boolean {
    return this.definitions.has(key)
  }

  /** The definition of `key`; StrataError('selection') with a suggestion when it is unknown. */
  asset(key: string): AssetDefinition<R> {
    const definition = this.definitions.get(key)
    if (!definition) throw unknownAssetError(key, this.keys)
    return definition
  }

  /** Position of `key` in {@link AssetGraph.keys}. */
  topoIndex(key: string): number {
    this.asset(key)
    return this.order.get(key) as number
  }

  /** The inputs of `key` in declaration order, a self-dependency included. */
  dependenciesOf(key: string): readonly GraphDependency[] {
    this.asset(key)
    return this.dependencies.get(key) ?? []
  }

  /**
   * The inputs that read `key`, a self-dependency included, ordered by the reader's topological
   * index and then by its input declaration order.
   */
  dependentsOf(key: string): readonly GraphDependent[] {
    this.asset(key)
    return this.dependents.get(key) ?? []
  }

  /** Direct upstream assets of `key` (without `key` itself), in topological order. */
  upstreamOf(key: string): string[] {
    this.asset(key)
    return this.sorted(this.graph.inNeighbors(key).filter((neighbour) => neighbour !== key))
  }

  /** Direct downstream assets of `key` (without `key` itself), in topological order. */
  downstreamOf(key: string): string[] {
    this.asset(key)
    return this.sorted(this.graph.outNeighbors(key).filter((neighbour) => neighbour !== key))
  }

  /**
   * Every asset `key` reads from, directly or not, up to `depth` levels (undefined: all).
   * Excludes `key`. Iterates in topological order.
   */
  ancestors(key: string, depth?: number): Set<string> {
    return this.reach(key, depth, (node) => this.upstreamOf(node))
  }

  /**
   * Every asset that reads `key`, directly or not, up to `depth` levels (undefined: all).
   * Excludes `key`. Iterates in topological order.
   */
  descendants(key: string, depth?: number): Set<string> {
    return this.reach(key, depth, (node) => this.downstreamOf(node))
  }

  private reach(key: string, depth: number | undefined, next: (node: string) => string[]): Set<string> {
    this.asset(key)
    if (depth !== undefined && (!Number.isInteger(depth) || depth < 0)) {
      throw new StrataError('selection', `depth ${String(depth)} for asset ${key} is not a whole number of levels`, 'Give a depth of 0 or more, or none for all levels.')
    }
    const found = new Set<string>()
    let frontier = [key]
    for (let level = 0; frontier.length > 0 && (depth === undefined || level < depth); level++) {
      const nextFrontier: string[] = []
      for (const node of frontier) {
        for (const neighbour of next(node)) {
          if (neighbour === key || found.has(neighbour)) continue
          found.add(neighbour)
          nextFrontier.push(neighbour)
        }
      }
      frontier = nextFrontier
    }
    return new Set(this.sorted([...found]))
  }

  private sorted(keys: string[]): string[] {
    return [...new Set(keys)].sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0))
  }
}

function dependencyList(asset: AssetDefinition<unknown>): GraphDependency[] {
  return Object.entries(asset.deps).map(([input, dep]) => Object.freeze({ input, asset: dep.asset, mapping: dep.mapping }))
}

function checkDependency<R>(asset: AssetDefinition<R>, dep: GraphDependency, definitions: ReadonlyMap<string, AssetDefinition<R>>): void {
  const upstream = definitions.get(dep.asset)
  if (!upstream) {
    const suggestion = formatSuggestions(didYouMean(dep.asset, definitions.keys()))
    throw new StrataError(
      'definition',
      `asset ${asset.key} depends on "${dep.asset}", which is not defined`,
      suggestion ?? `Define an asset "${dep.asset}" and add it to the definitions, or fix the dependency of ${asset.key}.`,
    )
  }
  if (dep.asset === asset.key && dep.mapping.kind !== SELF_DEPENDENCY_KIND) {
    throw new StrataError(
      'definition',
      `asset ${asset.key} depends on itself through input "${dep.input}" with a ${dep.mapping.kind} mapping (${dep.mapping.describe()})`,
      'An asset may only depend on itself through previous(), which reads the partition before; any other self-dependency is a cycle.',
    )
  }
  const problem = dep.mapping.validate(asset.partitions, upstream.partitions)
  if (problem !== undefined) {
    throw new StrataError(
      'definition',
      `asset ${asset.key}, input "${dep.input}" from ${dep.asset}: the mapping does not fit: ${problem}`,
      `Use a mapping that fits ${upstream.partitions.describe()} → ${asset.partitions.describe()}, or change the partitions of ${asset.key} or ${dep.asset}.`,
    )
  }
}

/**
 * Kahn's algorithm, always taking the earliest-declared ready asset, so that the order is stable
 * and reads like the definitions list. Self-dependencies are ignored: previous() reads an
 * earlier partition of the same asset, which is an order between partitions, not assets.
 */
function topologicalOrder(assets: readonly AssetDefinition<unknown>[]): string[] {
  const declared = new Map(assets.map((asset, index) => [asset.key, index]))
  const upstreams = new Map<string, Set<string>>()
  const downstreams = new Map<string, Set<string>>(assets.map((asset) => [asset.key, new Set()]))
  for (const asset of assets) {
    const ups = new Set(Object.values(asset.deps).map((dep) => dep.asset).filter((up) => up !== asset.key))
    upstreams.set(asset.key, ups)
    for (const up of ups) downstreams.get(up)?.add(asset.key)
  }
  const waiting = new Map([...upstreams].map(([key, ups]) => [key, ups.size]))
  const ready = assets.filter((asset) => waiting.get(asset.key) === 0).map((asset) => asset.key)
  const order: string[] = []
  while (ready.length > 0) {
    ready.sort((a, b) => (declared.get(a) ?? 0) - (declared.get(b) ?? 0))
    const key = ready.shift() as string
    order.push(key)
    for (const down of downstreams.get(key) ?? []) {
      const left = (waiting.get(down) ?? 0) - 1
      waiting.set(down, left)
      if (left === 0) ready.push(down)
    }
  }
  if (order.length < assets.length) throw cycleError(assets, new Set(order), upstreams)
  return order
}

function cycleError(assets: readonly AssetDefinition<unknown>[], placed: ReadonlySet<string>, upstreams: ReadonlyMap<string, ReadonlySet<string>>): StrataError {
  // Every asset left unplaced still waits on an unplaced upstream, so walking upstream from one
  // must come back to an asset already on the walk: that loop is a cycle.
  const stuck = assets.map((asset) => asset.key).filter((key) => !placed.has(key))
  const walk: string[] = []
  let node = stuck[0] as string
  while (!walk.includes(node)) {
    walk.push(node)
    node = stuck.find((key) => upstreams.get(node)?.has(key)) as string
  }
  // The walk went against the data flow; reverse it so each asset feeds the next, and start
  // at the earliest-declared asset of the loop so the message is stable.
  const loop = walk.slice(walk.indexOf(node)).reverse()
  const first = stuck.find((key) => loop.includes(key)) as string
  const start = loop.indexOf(first)
  const rotated = [...loop.slice(start), ...loop.slice(0, start), first]
  return new StrataError(
    'definition',
    `assets depend on each other in a cycle: ${rotated.join(' → ')}`,
    'Break the cycle by removing one of these dependencies; the only loop allowed is an asset depending on itself through previous().',
  )
}
