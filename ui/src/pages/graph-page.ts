import dagre from '@dagrejs/dagre'
import { getJson } from '../api.js'
import { h, href, render, s } from '../dom.js'
import { healthBar, legend, summary } from '../health-bar.js'
import type { GraphJson } from '../types.js'

const NODE_WIDTH = 230
const NODE_HEIGHT = 86

/** `/`: every asset as a node (partitioning, code version, health), edges labelled with their mapping; laid out by dagre. */
export async function graphPage(): Promise<void> {
  const data = await getJson<GraphJson>('/api/graph')
  const layout = new dagre.graphlib.Graph({ multigraph: true })
  // Top to bottom: a pipeline is a long chain, and a page scrolls down more easily than across.
  layout.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 54, edgesep: 16, marginx: 16, marginy: 16 })
  layout.setDefaultEdgeLabel(() => ({}))
  for (const asset of data.assets) layout.setNode(asset.key, { width: NODE_WIDTH, height: NODE_HEIGHT })
  // dagre routes self-edges poorly; a partition reading its own previous one is drawn as a loop below.
  for (const edge of data.edges.filter((e) => e.from !== e.to)) layout.setEdge(edge.from, edge.to, { label: edge.label, width: edge.label.length * 6.5 + 8, height: 14, labelpos: 'c' }, edge.input)
  dagre.layout(layout)
  const size = layout.graph()
  // Room on the right for the self-loops' labels.
  const width = Math.ceil(size.width ?? 0) + 90
  const height = Math.ceil(size.height ?? 0)

  const svg = s('svg', { class: 'edges', width, height, viewBox: `0 0 ${width} ${height}` })
  svg.append(s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z' }))))
  for (const edge of data.edges.filter((e) => e.from === e.to)) {
    const node = layout.node(edge.from)
    const right = node.x + NODE_WIDTH / 2
    svg.append(
      s('path', { d: `M ${right} ${node.y - 12} C ${right + 42} ${node.y - 30}, ${right + 42} ${node.y + 30}, ${right} ${node.y + 12}`, class: 'edge', 'marker-end': 'url(#arrow)' }, s('title', {}, `${edge.from} → ${edge.to} (${edge.input}): ${edge.mapping}`)),
      s('text', { x: right + 36, y: node.y + 4, class: 'edge-label' }, edge.label, s('title', {}, edge.mapping)),
    )
  }
  for (const edge of data.edges.filter((e) => e.from !== e.to)) {
    const laid = layout.edge(edge.from, edge.to, edge.input) as { points: { x: number; y: number }[]; x?: number; y?: number } | undefined
    if (!laid) continue
    const d = laid.points.map((point, i) => `${i === 0 ? 'M' : 'L'} ${point.x.toFixed(1)} ${point.y.toFixed(1)}`).join(' ')
    svg.append(s('path', { d, class: 'edge', 'marker-end': 'url(#arrow)' }, s('title', {}, `${edge.from} → ${edge.to} (${edge.input}): ${edge.mapping}`)))
    if (laid.x !== undefined && laid.y !== undefined) {
      const w = edge.label.length * 6.5 + 8
      svg.append(s('rect', { x: laid.x - w / 2, y: laid.y - 8, width: w, height: 15, rx: 3, class: 'edge-label-bg' }), s('text', { x: laid.x, y: laid.y + 4, class: 'edge-label', 'text-anchor': 'middle' }, edge.label, s('title', {}, edge.mapping)))
    }
  }
  const canvas = h('div', { class: 'graph', style: `width: ${width}px; height: ${height}px` }, svg)
  for (const asset of data.assets) {
    const node = layout.node(asset.key)
    canvas.append(
      h(
        'a',
        { class: 'node', href: href('assets', asset.key), 'data-asset': asset.key, style: `left: ${node.x - NODE_WIDTH / 2}px; top: ${node.y - NODE_HEIGHT / 2}px; width: ${NODE_WIDTH}px; height: ${NODE_HEIGHT}px`, title: `${asset.description}\n${summary(asset.health)}` },
        h('strong', {}, asset.key),
        h('span', { class: 'muted small' }, `${asset.partitions} · ${asset.codeVersion}`),
        healthBar(asset.health, { compact: true }),
      ),
    )
  }
  render(
    h('h1', {}, 'Assets'),
    h('p', { class: 'muted' }, `${data.assets.length} assets in ${data.storage}; partitions ${data.range.from} … ${data.range.to}.`),
    legend(),
    h('div', { class: 'graph-scroll' }, canvas),
  )
}
