import { StrataError } from '../errors/index.js'
import type { AssetGraph } from '../graph/index.js'
import { daysBetween } from '../partitions/index.js'
import type { Manifest } from '../storage/manifest.js'
import type { Storage } from '../storage/storage.js'

/**
 * One line of a partition-level lineage: the partitions of one asset that the line above read
 * (upstream) or that read it (downstream). A single partition carries its data version; a window
 * (lookback, a model's training days) is one range; a self-dependency chain (each partition built
 * from the one before) is one summarised line, however long it is.
 */
export interface PartitionLineageNode {
  readonly asset: string
  /** The partitions, ascending. */
  readonly partitions: readonly string[]
  /** Single partition: its committed data version (absent when it is not materialized). */
  readonly dataVersion?: string
  /** Single partition: the version the line above was built from, when it differs from what is committed now. */
  readonly readVersion?: string
  readonly runId?: string
  readonly committedAt?: string
  /** How many of the partitions are not materialized. */
  readonly missing: number
  /** How many were rebuilt after the line above read them (so the line above is stale). */
  readonly rebuilt: number
  /** A self-dependency chain: the partitions before (upstream) or after (downstream), each from the next one. */
  readonly chain?: { readonly step: string }
  /** Assets beyond --depth, not expanded (their partitions are not read). */
  readonly beyond?: readonly string[]
  readonly children: readonly PartitionLineageNode[]
}

export interface PartitionLineageOptions {
  readonly direction: 'upstream' | 'downstream'
  /** Levels of partitions to expand below the root (default 1); further assets are only named. */
  readonly depth?: number
}

interface Neighbour {
  readonly asset: string
  readonly partition: string
  readonly dataVersion?: string
}

/** The longest self-dependency chain followed; a chain is one line, so this only bounds the reads. */
const MAX_CHAIN = 100_000

/**
 * Partition-level lineage from manifests, `depth` levels deep: upstream = which partitions (and
 * data versions) built this one; downstream = which committed partitions read it. A partition
 * that is not materialized has no lineage: a usage error saying so.
 */
export async function partitionLineage(graph: AssetGraph, storage: Storage, asset: string, partition: string, options: PartitionLineageOptions): Promise<PartitionLineageNode> {
  const depth = options.depth ?? 1
  const manifests = new Map<string, Promise<Manifest | undefined>>()
  const manifestOf = (a: string, p: string) => {
    const id = `${a}@${p}`
    let found = manifests.get(id)
    if (!found) manifests.set(id, (found = storage.readManifest(a, graph.asset(a).partitions.pathSegment(p))))
    return found
  }
  const root = await manifestOf(asset, partition)
  if (!root) throw new StrataError('usage', `${asset}(${partition}) is not materialized, so it has no lineage yet`, `Materialize it first: strata materialize +${asset} --partition ${partition}; or see the asset graph: strata lineage ${asset}`)

  let readers: Map<string, Neighbour[]> | undefined
  const neighbours = async (a: string, p: string): Promise<readonly Neighbour[]> => {
    if (options.direction === 'upstream') return (await manifestOf(a, p))?.upstream ?? []
    readers ??= await readersOf(graph, storage, asset)
    return readers.get(`${a}@${p}`) ?? []
  }

  const build = async (a: string, partitions: readonly string[], read: readonly Neighbour[], level: number): Promise<PartitionLineageNode> => {
    const found = await Promise.all(partitions.map((p) => manifestOf(a, p)))
    const committed = found.filter((m): m is Manifest => m !== undefined)
    const versions = new Map(committed.map((m) => [m.partition, m.dataVersion]))
    const rebuilt = read.filter((entry) => entry.dataVersion !== undefined && versions.has(entry.partition) && versions.get(entry.partition) !== entry.dataVersion).length
    const single = partitions.length === 1 ? committed[0] : undefined
    const readVersion = partitions.length === 1 ? read[0]?.dataVersion : undefined
    const base = {
      asset: a,
      partitions,
      ...(single ? { dataVersion: single.dataVersion, runId: single.runId, committedAt: single.committedAt } : {}),
      ...(readVersion && single && readVersion !== single.dataVersion ? { readVersion } : {}),
      missing: partitions.length - committed.length,
      rebuilt,
    }
    if (level >= depth) {
      const further = [...(options.direction === 'upstream' ? graph.ancestors(a) : graph.descendants(a))].filter((key) => key !== a).sort((x, y) => graph.topoIndex(x) - graph.topoIndex(y))
      return { ...base, ...(further.length > 0 ? { beyond: further } : {}), children: [] }
    }
    const inGroup = new Set(partitions)
    const byAsset = new Map<string, Neighbour[]>()
    for (const p of partitions) {
      for (const entry of await neighbours(a, p)) {
        if (entry.asset === a && inGroup.has(entry.partition)) continue
        byAsset.set(entry.asset, [...(byAsset.get(entry.asset) ?? []), entry])
      }
    }
    const children: PartitionLineageNode[] = []
    for (const [child, entries] of [...byAsset].sort(([x], [y]) => graph.topoIndex(x) - graph.topoIndex(y))) {
      if (child === a) {
        children.push(await chainOf(a, entries))
        continue
      }
      const unique = [...new Map(entries.map((entry) => [entry.partition, entry])).values()].sort((x, y) => x.partition.localeCompare(y.partition))
      children.push(await build(child, unique.map((entry) => entry.partition), unique, level + 1))
    }
    return { ...base, children }
  }

  // A self-dependency, followed to its end without expanding: its other inputs are the same kind
  // as the partition that starts it, so one line says all there is.
  const chainOf = async (a: string, start: readonly Neighbour[]): Promise<PartitionLineageNode> => {
    const chain = new Set<string>()
    let frontier = start.map((entry) => entry.partition)
    while (frontier.length > 0 && chain.size < MAX_CHAIN) {
      const next: string[] = []
      for (const p of frontier) {
        if (chain.has(p)) continue
        chain.add(p)
        for (const entry of await neighbours(a, p)) if (entry.asset === a && !chain.has(entry.partition)) next.push(entry.partition)
      }
      frontier = next
    }
    const partitions = [...chain].sort()
    const found = await Promise.all(partitions.map((p) => manifestOf(a, p)))
    const gap = partitions.length > 1 ? daysBetween(partitions[0] as string, partitions[1] as string) : 1
    const unit = gap === 1 ? 'day' : gap === 7 ? 'week' : 'partition'
    const step = options.direction === 'upstream' ? `each from the ${unit} before` : `each read by the ${unit} after`
    return { asset: a, partitions, missing: found.filter((m) => m === undefined).length, rebuilt: 0, chain: { step }, children: [] }
  }

  return build(asset, [partition], [], 0)
}

/** Downstream: the lineage recorded in every manifest of the asset and its descendants, inverted. */
async function readersOf(graph: AssetGraph, storage: Storage, asset: string): Promise<Map<string, Neighbour[]>> {
  const readers = new Map<string, Neighbour[]>()
  for (const key of [asset, ...graph.descendants(asset)]) {
    for (const manifest of await storage.listManifests(key)) {
      for (const entry of manifest.upstream) {
        const id = `${entry.asset}@${entry.partition}`
        readers.set(id, [...(readers.get(id) ?? []), { asset: manifest.asset, partition: manifest.partition, dataVersion: manifest.dataVersion }])
      }
    }
  }
  return readers
}

/** The partitions of a node in words: one key, or `first … last, n partitions`. */
function partitionsText(node: PartitionLineageNode): string {
  const [first, last] = [node.partitions[0] ?? '', node.partitions.at(-1) ?? '']
  return node.partitions.length === 1 ? `(${first})` : ` ${first} … ${last}, ${node.partitions.length} partitions`
}

/** One node as a line of text. */
export function describeLineageNode(node: PartitionLineageNode): string {
  const parts = [`${node.asset}${partitionsText(node)}`]
  if (node.chain) parts[0] += `, ${node.chain.step}`
  if (node.partitions.length === 1 && !node.chain) {
    parts.push(node.dataVersion ? `data ${node.dataVersion.slice(0, 12)}` : 'not materialized')
    if (node.readVersion) parts.push(`— built from ${node.readVersion.slice(0, 12)}, now stale`)
  } else {
    if (node.missing > 0) parts.push(`(${node.missing} not materialized)`)
    if (node.rebuilt > 0) parts.push(`(${node.rebuilt} rebuilt since they were read: stale)`)
  }
  return parts.join(' ')
}

/** Render a partition lineage as text, JSON, Mermaid or DOT: one line (node) per asset group. */
export function formatPartitionLineage(root: PartitionLineageNode, format: 'text' | 'json' | 'mermaid' | 'dot', options: { depth?: number; direction?: 'upstream' | 'downstream' } = {}): string {
  if (format === 'json') return JSON.stringify(root, null, 2)
  const more = (node: PartitionLineageNode) => `… ${node.beyond?.join(', ') ?? ''} (--depth ${(options.depth ?? 1) + 1} or more to see their partitions)`
  if (format === 'text') {
    const lines: string[] = []
    const walk = (node: PartitionLineageNode, prefix: string, last: boolean, top: boolean) => {
      lines.push(`${top ? '' : `${prefix}${last ? '└─ ' : '├─ '}`}${describeLineageNode(node)}`)
      const next = top ? '' : `${prefix}${last ? '   ' : '│  '}`
      const children: (PartitionLineageNode | string)[] = [...node.children, ...(node.beyond ? [more(node)] : [])]
      children.forEach((child, i) => {
        const isLast = i === children.length - 1
        if (typeof child === 'string') lines.push(`${next}${isLast ? '└─ ' : '├─ '}${child}`)
        else walk(child, next, isLast, false)
      })
    }
    walk(root, '', true, true)
    return lines.join('\n')
  }
  let count = 0
  const nodes: string[] = []
  const edges: string[] = []
  const quote = (text: string) => (format === 'mermaid' ? `"${text.replace(/"/g, "'")}"` : `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
  const node = (id: string, text: string) => nodes.push(format === 'mermaid' ? `  ${id}[${quote(text)}]` : `  ${id} [label=${quote(text)}];`)
  const edge = (from: string, to: string) => edges.push(format === 'mermaid' ? `  ${from} --> ${to}` : `  ${from} -> ${to};`)
  const walk = (current: PartitionLineageNode): string => {
    const id = `n${count++}`
    node(id, describeLineageNode(current))
    for (const child of current.children) {
      const childId = walk(child)
      // Edges follow the data: from what was read to what read it.
      if (options.direction === 'downstream') edge(id, childId)
      else edge(childId, id)
    }
    if (current.beyond) {
      const beyondId = `n${count++}`
      node(beyondId, more(current))
      if (options.direction === 'downstream') edge(id, beyondId)
      else edge(beyondId, id)
    }
    return id
  }
  walk(root)
  return format === 'mermaid' ? ['graph LR', ...nodes, ...edges].join('\n') : ['digraph lineage {', '  rankdir=LR;', ...nodes, ...edges].join('\n') + '\n}'
}
