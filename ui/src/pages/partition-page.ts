import { getJson } from '../api.js'
import { h, href, render, show, table } from '../dom.js'
import { materializePanel } from '../materialize-panel.js'
import type { LineageLevel, PartitionJson } from '../types.js'

type Rows = { kind: 'rows'; columns: string[]; rows: Record<string, unknown>[] } | { kind: 'document'; document: unknown }

/** `/assets/:key/partitions/:partition`: status, checks, row counts, lineage (one level at a time), the first rows. */
export async function partitionPage(asset: string, partition: string): Promise<void> {
  const base = `/api/assets/${encodeURIComponent(asset)}/partitions/${encodeURIComponent(partition)}`
  const data = await getJson<PartitionJson>(base)
  const table_ = new URLSearchParams(location.search).get('table')
  const rowsSection = h('section', { class: 'rows' }, h('h2', {}, table_ ? `Rows: ${table_}` : 'Rows'), h('p', { class: 'muted' }, 'Loading…'))
  const { manifest, status, failure } = data
  render(
    h('p', { class: 'crumbs' }, h('a', { href: '/' }, 'Assets'), ' / ', h('a', { href: href('assets', asset) }, asset), ' / ', partition),
    h('h1', {}, `${asset}(${partition})`),
    status ? h('p', { class: `status state-${status.state}`, 'data-state': status.state }, `${status.state}${status.reason && status.reason !== status.state ? ` — ${status.reason}` : ''}`) : h('p', { class: 'muted' }, 'Outside the status range.'),
    failure ? h('p', { class: 'error' }, `Failed in run `, h('a', { href: href('runs', failure.runId) }, failure.runId), ` at ${failure.failedAt}: ${failure.error}`) : null,
    manifest
      ? h(
          'section',
          {},
          table(['rows', 'data version', 'code version', 'committed', 'run'], [[show(manifest.rowCount), h('code', {}, manifest.dataVersion.slice(0, 16)), manifest.codeVersion, manifest.committedAt, h('a', { href: href('runs', manifest.runId) }, manifest.runId)]]),
          h('h2', {}, 'Checks'),
          manifest.checks.length === 0 ? h('p', { class: 'muted' }, 'No checks.') : table(['check', 'result', 'severity', 'message', 'failing'], manifest.checks.map((c) => [c.name, h('span', { class: c.passed ? 'ok' : 'error' }, c.passed ? 'passed' : 'FAILED'), `${c.severity}${c.blocking ? ', blocking' : ''}`, c.message, show(c.failingCount)])),
        )
      : h('p', { class: 'muted' }, 'Not materialized.'),
    h('section', { class: 'lineage' }, h('h2', {}, 'Lineage (upstream)'), data.lineage.children.length === 0 ? h('p', { class: 'muted' }, 'No upstream partitions.') : lineageList(data.lineage.children)),
    manifest ? rowsSection : null,
    materializePanel({ selection: `+${asset}`, from: partition, to: partition }, () => location.reload()),
  )
  if (!manifest) return
  const tables = data.tables.length > 1 ? h('p', { class: 'tables' }, 'Tables: ', h('a', { href: location.pathname }, '(default)'), ...data.tables.flatMap((name) => [' ', h('a', { href: `${location.pathname}?table=${encodeURIComponent(name)}` }, name)])) : null
  try {
    const rows = await getJson<Rows>(`${base}/rows${table_ ? `?table=${encodeURIComponent(table_)}` : ''}`)
    const body =
      rows.kind === 'document'
        ? h('pre', {}, JSON.stringify(rows.document, null, 2))
        : h('div', { class: 'scroll' }, table(rows.columns, rows.rows.map((row) => rows.columns.map((column) => show(row[column]))), { class: 'data', 'data-rows': rows.rows.length }))
    rowsSection.replaceChildren(h('h2', {}, table_ ? `Rows: ${table_}` : 'Rows'), tables ?? '', rows.kind === 'rows' ? h('p', { class: 'muted' }, `First ${rows.rows.length} rows, as strata show prints them.`) : '', body)
  } catch (error) {
    rowsSection.replaceChildren(h('h2', {}, 'Rows'), tables ?? '', h('p', { class: 'error' }, (error as Error).message))
  }
}

/** Upstream partitions one level at a time: a node's own upstream is fetched when it is opened. */
function lineageList(nodes: readonly LineageLevel[]): HTMLElement {
  return h('ul', { class: 'tree' }, nodes.map((node) => h('li', {}, lineageNode(node))))
}

function lineageNode(node: LineageLevel): HTMLElement {
  const label = h(
    'span',
    { class: 'lineage-node', 'data-id': `${node.asset}@${node.partition}` },
    h('a', { href: href('assets', node.asset, 'partitions', node.partition) }, `${node.asset}(${node.partition})`),
    ' ',
    h('code', {}, node.dataVersion ? node.dataVersion.slice(0, 12) : 'not materialized'),
    node.readVersion ? h('span', { class: 'warn' }, ` built from ${node.readVersion.slice(0, 12)}, now stale`) : null,
  )
  if (node.upstream === 0) return label
  const details = h('details', {}, h('summary', {}, label, h('span', { class: 'muted expand' }, ` — ${node.upstream} upstream`)))
  let loaded = false
  details.addEventListener('toggle', () => {
    if (!details.open || loaded) return
    loaded = true
    getJson<LineageLevel>(`/api/assets/${encodeURIComponent(node.asset)}/partitions/${encodeURIComponent(node.partition)}/lineage`)
      .then((level) => details.append(lineageList(level.children)))
      .catch((error: unknown) => details.append(h('p', { class: 'error' }, (error as Error).message)))
  })
  return details
}
