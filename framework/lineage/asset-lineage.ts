import { StrataError } from '../errors/index.js'
import type { AssetGraph } from '../graph/index.js'
import type { PartitionMapping } from '../partitions/mappings/partition-mapping.js'

/** Which side of an asset to follow. */
export type LineageDirection = 'upstream' | 'downstream' | 'both'

/** How {@link formatAssetLineage} renders. */
export type LineageFormat = 'text' | 'json' | 'mermaid' | 'dot'

/** One dependency edge, data flowing `from` the upstream `to` the downstream through `input`. */
export interface LineageEdge {
  readonly from: string
  readonly to: string
  /** The input name declared by `to`. */
  readonly input: string
  readonly mapping: PartitionMapping
}

/**
 * A node of the lineage tree, reached through one edge. An asset is expanded the first time it
 * appears; later appearances have `repeated: true` and no children, so the tree stays finite
 * (a self-dependency) and small (diamonds).
 */
export interface LineageNode {
  readonly asset: string
  /** The edge that led here from the parent (or the root). */
  readonly edge: LineageEdge
  readonly children: readonly LineageNode[]
  /** True when this asset's subtree was already shown earlier in the same tree. */
  readonly repeated: boolean
}

/** The asset-level lineage of one asset. */
export interface AssetLineage {
  readonly asset: string
  readonly direction: LineageDirection
  /** The assets `asset` reads from, as a tree; present for 'upstream' and 'both'. */
  readonly upstream?: readonly LineageNode[]
  /** The assets that read `asset`, as a tree; present for 'downstream' and 'both'. */
  readonly downstream?: readonly LineageNode[]
  /**
   * Every edge of the tree(s) once, ordered by the downstream asset's topological index, then by
   * its input declaration order.
   */
  readonly edges: readonly LineageEdge[]
}

/**
 * The lineage of `key`: the trees of what it reads and/or what reads it, and the edge set.
 * Throws StrataError('selection') when `key` is unknown.
 *
 * @example
 * assetLineage(graph, 'cdi_scores', 'upstream').edges.map((e) => `${e.from}->${e.to}`)
 * // ['raw->curated', 'curated->customer_activity', 'customer_activity->features', 'curated->features', 'features->cdi_scores']
 */
export function assetLineage(graph: AssetGraph, key: string, direction: LineageDirection): AssetLineage {
  graph.asset(key)
  const edges = new Map<string, LineageEdge>()
  const collect = (edge: LineageEdge): void => {
    edges.set(edgeId(edge), edge)
  }
  const upstream = direction === 'downstream' ? undefined : upstreamTree(graph, key, collect)
  const downstream = direction === 'upstream' ? undefined : downstreamTree(graph, key, collect)
  const ordered = [...edges.values()].sort(
    (a, b) => graph.topoIndex(a.to) - graph.topoIndex(b.to) || inputIndex(graph, a) - inputIndex(graph, b),
  )
  return {
    asset: key,
    direction,
    ...(upstream ? { upstream } : {}),
    ...(downstream ? { downstream } : {}),
    edges: ordered,
  }
}

function edgeId(edge: LineageEdge): string {
  // Input names are unique per downstream asset, so (to, input) names one edge; JSON keeps any
  // character in an input name from making two ids collide.
  return JSON.stringify([edge.to, edge.input])
}

function inputIndex(graph: AssetGraph, edge: LineageEdge): number {
  return graph.dependenciesOf(edge.to).findIndex((dep) => dep.input === edge.input)
}

function upstreamTree(graph: AssetGraph, root: string, collect: (edge: LineageEdge) => void): LineageNode[] {
  const expanded = new Set<string>([root])
  const expand = (key: string): LineageNode[] =>
    graph.dependenciesOf(key).map((dep) => node(dep.asset, { from: dep.asset, to: key, input: dep.input, mapping: dep.mapping }))
  const node = (asset: string, edge: LineageEdge): LineageNode => {
    collect(edge)
    if (expanded.has(asset)) return { asset, edge, children: [], repeated: hasAny(graph.dependenciesOf(asset)) }
    expanded.add(asset)
    return { asset, edge, children: expand(asset), repeated: false }
  }
  return expand(root)
}

function downstreamTree(graph: AssetGraph, root: string, collect: (edge: LineageEdge) => void): LineageNode[] {
  const expanded = new Set<string>([root])
  const expand = (key: string): LineageNode[] =>
    graph.dependentsOf(key).map((dependent) =>
      node(dependent.asset, { from: key, to: dependent.asset, input: dependent.input, mapping: dependent.mapping }),
    )
  const node = (asset: string, edge: LineageEdge): LineageNode => {
    collect(edge)
    if (expanded.has(asset)) return { asset, edge, children: [], repeated: hasAny(graph.dependentsOf(asset)) }
    expanded.add(asset)
    return { asset, edge, children: expand(asset), repeated: false }
  }
  return expand(root)
}

/** A leaf shown twice hides nothing, so it is not marked as repeated. */
function hasAny(list: readonly unknown[]): boolean {
  return list.length > 0
}

/** Options of {@link formatAssetLineage}. */
export interface LineageFormatOptions {
  readonly direction: LineageDirection
  readonly format: LineageFormat
}

/**
 * Render the lineage of `key` for a person (`text`: an indented tree), a program (`json`), or a
 * diagram (`mermaid` flowchart, Graphviz `dot`). Output is deterministic: the same graph always
 * gives the same bytes. Throws StrataError('selection') when `key` is unknown.
 *
 * @example
 * formatAssetLineage(graph, 'curated', { direction: 'upstream', format: 'mermaid' })
 * // 'graph LR\n  raw -->|"same partition"| curated\n'
 */
export function formatAssetLineage(graph: AssetGraph, key: string, options: LineageFormatOptions): string {
  const lineage = assetLineage(graph, key, options.direction)
  switch (options.format) {
    case 'text':
      return formatText(graph, lineage)
    case 'json':
      return `${JSON.stringify(toJson(graph, lineage), null, 2)}\n`
    case 'mermaid':
      return formatMermaid(lineage)
    case 'dot':
      return formatDot(lineage)
    default:
      throw new StrataError('usage', `lineage format "${String(options.format)}" is not known`, 'Use --format text, json, mermaid or dot.')
  }
}

function formatText(graph: AssetGraph, lineage: AssetLineage): string {
  const lines = [`${lineage.asset} (${graph.asset(lineage.asset).partitions.describe()})`]
  const section = (title: string, nodes: readonly LineageNode[] | undefined): void => {
    if (!nodes) return
    lines.push(`${title}:`)
    if (nodes.length === 0) lines.push('  (none)')
    treeLines(nodes, '  ', lines)
  }
  section('upstream', lineage.upstream)
  section('downstream', lineage.downstream)
  return `${lines.join('\n')}\n`
}

function treeLines(nodes: readonly LineageNode[], prefix: string, lines: string[]): void {
  nodes.forEach((node, index) => {
    const last = index === nodes.length - 1
    lines.push(`${prefix}${last ? '└── ' : '├── '}${nodeLabel(node)}`)
    treeLines(node.children, `${prefix}${last ? '    ' : '│   '}`, lines)
  })
}

function nodeLabel(node: LineageNode): string {
  // Inputs are named after the asset they read unless there is a reason (a self-dependency, two
  // inputs on one asset), and then the name is worth showing.
  const { edge } = node
  const via = edge.input === edge.from ? '' : ` via ${edge.input}`
  return `${node.asset}${via} [${edge.mapping.describe()}]${node.repeated ? ' (see above)' : ''}`
}

type JsonLineageNode = {
  asset: string
  input: string
  mapping: string
  partitions: string
  seeAbove?: true
  upstream?: JsonLineageNode[]
  downstream?: JsonLineageNode[]
}

function toJson(graph: AssetGraph, lineage: AssetLineage): Record<string, unknown> {
  const convert = (side: 'upstream' | 'downstream', nodes: readonly LineageNode[]): JsonLineageNode[] =>
    nodes.map((node) => ({
      asset: node.asset,
      input: node.edge.input,
      mapping: node.edge.mapping.describe(),
      partitions: graph.asset(node.asset).partitions.describe(),
      ...(node.repeated ? { seeAbove: true as const } : {}),
      ...(node.children.length > 0 ? { [side]: convert(side, node.children) } : {}),
    }))
  return {
    asset: lineage.asset,
    partitions: graph.asset(lineage.asset).partitions.describe(),
    ...(lineage.upstream ? { upstream: convert('upstream', lineage.upstream) } : {}),
    ...(lineage.downstream ? { downstream: convert('downstream', lineage.downstream) } : {}),
  }
}

/** Words Mermaid reads as syntax when used as a bare node id. */
const MERMAID_KEYWORDS: ReadonlySet<string> = new Set(['end', 'graph', 'flowchart', 'subgraph', 'direction', 'style', 'class', 'classdef', 'click', 'linkstyle', 'default'])

function mermaidNode(key: string): string {
  // Asset keys are lowercase, so a capitalised id can never collide with another asset.
  return MERMAID_KEYWORDS.has(key) ? `A_${key}["${key}"]` : key
}

function mermaidLabel(text: string): string {
  // Inside a quoted label Mermaid still decodes #name; entities, may render HTML and ends the
  // label at |, so the few characters that could change the diagram are written as entities.
  const escaped = text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/\|/g, '#124;')
  return `"${escaped}"`
}

function formatMermaid(lineage: AssetLineage): string {
  const lines = ['graph LR']
  if (lineage.edges.length === 0) lines.push(`  ${mermaidNode(lineage.asset)}`)
  for (const edge of lineage.edges) {
    lines.push(`  ${mermaidNode(edge.from)} -->|${mermaidLabel(edge.mapping.describe())}| ${mermaidNode(edge.to)}`)
  }
  return `${lines.join('\n')}\n`
}

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n|\r/g, '\\n')}"`
}

function formatDot(lineage: AssetLineage): string {
  const lines = ['digraph strata {', '  rankdir=LR;']
  if (lineage.edges.length === 0) lines.push(`  ${dotString(lineage.asset)};`)
  for (const edge of lineage.edges) {
    lines.push(`  ${dotString(edge.from)} -> ${dotString(edge.to)} [label=${dotString(edge.mapping.describe())}];`)
  }
  lines.push('}')
  return `${lines.join('\n')}\n`
}
