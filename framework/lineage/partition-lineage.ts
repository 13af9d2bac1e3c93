import type { AssetGraph } from '../graph/index.js'
import type { Manifest } from '../storage/manifest.js'
import type { Storage } from '../storage/storage.js'

/** One partition in a partition-level lineage tree, with the data version read or committed. */
export interface PartitionLineageNode {
  readonly asset: string
  readonly partition: string
  /** The committed data version (undefined when the partition is not materialized). */
  readonly dataVersion?: string
  /** The data version the child was built from, when it differs from what is committed now. */
  readonly readVersion?: string
  readonly runId?: string
  readonly committedAt?: string
  /** Already shown elsewhere in the tree. */
  readonly repeated?: boolean
  readonly children: PartitionLineageNode[]
}

/**
 * Partition-level lineage from manifests: upstream = which partitions (and data versions) built
 * this one, transitively; downstream = which committed partitions read it.
 */
export async function partitionLineage(graph: AssetGraph, storage: Storage, asset: string, partition: string, direction: 'upstream' | 'downstream'): Promise<PartitionLineageNode> {
  const manifests = new Map<string, Manifest | undefined>()
  const manifestOf = async (a: string, p: string) => {
    const id = `${a}@${p}`
    if (!manifests.has(id)) manifests.set(id, await storage.readManifest(a, graph.asset(a).partitions.pathSegment(p)))
    return manifests.get(id)
  }
  const seen = new Set<string>()
  if (direction === 'upstream') {
    const build = async (a: string, p: string, readVersion?: string): Promise<PartitionLineageNode> => {
      const manifest = await manifestOf(a, p)
      const id = `${a}@${p}`
      const base = { asset: a, partition: p, ...(manifest ? { dataVersion: manifest.dataVersion, runId: manifest.runId, committedAt: manifest.committedAt } : {}), ...(readVersion && readVersion !== manifest?.dataVersion ? { readVersion } : {}) }
      if (seen.has(id)) return { ...base, repeated: true, children: [] }
      seen.add(id)
      const children: PartitionLineageNode[] = []
      for (const entry of manifest?.upstream ?? []) children.push(await build(entry.asset, entry.partition, entry.dataVersion))
      return { ...base, children }
    }
    return build(asset, partition)
  }
  // Downstream: invert the lineage recorded in every manifest of the downstream assets.
  const readers = new Map<string, Manifest[]>()
  for (const key of graph.descendants(asset)) {
    for (const manifest of await storage.listManifests(key)) {
      for (const entry of manifest.upstream) {
        const id = `${entry.asset}@${entry.partition}`
        readers.set(id, [...(readers.get(id) ?? []), manifest])
      }
    }
  }
  for (const manifest of await storage.listManifests(asset)) {
    for (const entry of manifest.upstream) {
      if (entry.asset !== asset) continue
      const id = `${entry.asset}@${entry.partition}`
      readers.set(id, [...(readers.get(id) ?? []), manifest])
    }
  }
  const build = async (a: string, p: string): Promise<PartitionLineageNode> => {
    const manifest = await manifestOf(a, p)
    const id = `${a}@${p}`
    const base = { asset: a, partition: p, ...(manifest ? { dataVersion: manifest.dataVersion, runId: manifest.runId, committedAt: manifest.committedAt } : {}) }
    if (seen.has(id)) return { ...base, repeated: true, children: [] }
    seen.add(id)
    const children: PartitionLineageNode[] = []
    for (const reader of (readers.get(id) ?? []).sort((x, y) => graph.topoIndex(x.asset) - graph.topoIndex(y.asset) || x.partition.localeCompare(y.partition))) children.push(await build(reader.asset, reader.partition))
    return { ...base, children }
  }
  return build(asset, partition)
}

/** Render a partition lineage tree as text, JSON, Mermaid or DOT. */
export function formatPartitionLineage(root: PartitionLineageNode, format: 'text' | 'json' | 'mermaid' | 'dot'): string {
  if (format === 'json') return JSON.stringify(root, null, 2)
  const label = (node: PartitionLineageNode) =>
    `${node.asset}(${node.partition}) ${node.dataVersion ? `data ${node.dataVersion.slice(0, 12)}` : 'not materialized'}${node.readVersion ? ` — built from ${node.readVersion.slice(0, 12)}, now stale` : ''}`
  if (format === 'text') {
    const lines: string[] = []
    const walk = (node: PartitionLineageNode, prefix: string, last: boolean, top: boolean) => {
      lines.push(`${top ? '' : `${prefix}${last ? '└─ ' : '├─ '}`}${label(node)}${node.repeated ? ' (see above)' : ''}`)
      const next = top ? '' : `${prefix}${last ? '   ' : '│  '}`
      node.children.forEach((child, i) => walk(child, next, i === node.children.length - 1, false))
    }
    walk(root, '', true, true)
    return lines.join('\n')
  }
  const ids = new Map<string, string>()
  const idOf = (node: PartitionLineageNode) => {
    const key = `${node.asset}@${node.partition}`
    if (!ids.has(key)) ids.set(key, `n${ids.size}`)
    return ids.get(key) as string
  }
  const nodes: string[] = []
  const edges: string[] = []
  const walk = (node: PartitionLineageNode) => {
    const id = idOf(node)
    if (!node.repeated) nodes.push(format === 'mermaid' ? `  ${id}["${label(node).replace(/"/g, "'")}"]` : `  ${id} [label="${label(node).replace(/"/g, '\\"')}"];`)
    for (const child of node.children) {
      edges.push(format === 'mermaid' ? `  ${idOf(child)} --> ${id}` : `  ${idOf(child)} -> ${id};`)
      walk(child)
    }
  }
  walk(root)
  return format === 'mermaid' ? ['graph LR', ...nodes, ...edges].join('\n') : ['digraph lineage {', '  rankdir=LR;', ...nodes, ...edges, '}'].join('\n')
}
