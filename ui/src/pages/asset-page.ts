import { getJson } from '../api.js'
import { h, href, render, show, table } from '../dom.js'
import { healthBar, legend, summary } from '../health-bar.js'
import { materializePanel } from '../materialize-panel.js'
import type { AssetJson } from '../types.js'

/** `/assets/:key`: health over the whole range, freshness, checks, the latest manifest, neighbours, and Materialize. */
export async function assetPage(key: string): Promise<void> {
  const url = `/api/assets/${encodeURIComponent(key)}`
  const data = await getJson<AssetJson>(url)
  // The panel stays while the rest redraws after a run, so its progress line stays readable.
  const top = h('div', {})
  const bottom = h('div', {})
  const fill = (fresh: AssetJson) => {
    top.replaceChildren(...header(fresh))
    bottom.replaceChildren(...details(fresh))
  }
  fill(data)
  const first = data.asset.health.ranges[0]?.from ?? data.range.from
  const last = data.asset.health.ranges.at(-1)?.to ?? data.range.to
  render(top, materializePanel({ selection: `+${key}`, from: first, to: last }, () => void getJson<AssetJson>(url).then(fill)), bottom)
}

function header(data: AssetJson): HTMLElement[] {
  const { asset } = data
  const key = asset.key
  const partitionInput = h('input', { name: 'partition', placeholder: 'YYYY-MM-DD', size: 11, 'aria-label': 'partition', value: asset.health.ranges.at(-1)?.to ?? data.range.to })
  const go = h('form', { class: 'inline', onsubmit: (event: Event) => {
    event.preventDefault()
    location.href = href('assets', key, 'partitions', partitionInput.value.trim())
  } }, 'Open partition ', partitionInput, ' ', h('button', { type: 'submit' }, 'Open'))
  return [
    h('p', { class: 'crumbs' }, h('a', { href: '/' }, 'Assets'), ' / ', key),
    h('h1', {}, key),
    h('p', {}, asset.description),
    h('p', { class: 'muted' }, `${asset.partitions} · code version ${asset.codeVersion}${asset.freshness ? ` · ${asset.freshness}` : ''}`),
    h('section', { class: 'health' }, ...healthContent(data)),
    go,
  ]
}

function details(data: AssetJson): HTMLElement[] {
  const { latest } = data
  const key = data.asset.key
  return [
    h('section', {}, h('h2', {}, 'Freshness'), freshness(data)),
    h('section', {}, h('h2', {}, 'Checks'), data.checks.length === 0 ? h('p', { class: 'muted' }, 'No checks.') : table(['check', 'severity', 'latest result'], data.checks.map((check) => [h('span', { title: check.description }, check.name), `${check.severity}${check.blocking ? ', blocking' : ''}`, check.latest ? h('span', { class: check.latest.passed ? 'ok' : 'error' }, `${check.latest.passed ? 'passed' : 'FAILED'} on ${check.latest.partition}: ${check.latest.message}`) : 'never run']))),
    h(
      'section',
      {},
      h('h2', {}, 'Latest manifest'),
      latest
        ? h(
            'div',
            {},
            table(['partition', 'rows', 'data version', 'committed', 'run'], [[h('a', { href: href('assets', key, 'partitions', latest.partition) }, latest.partition), show(latest.rowCount), h('code', {}, latest.dataVersion.slice(0, 16)), latest.committedAt, h('a', { href: href('runs', latest.runId) }, latest.runId)]]),
            h('details', {}, h('summary', {}, `Schema (${latest.schema.length} columns)`), table(['column', 'type'], latest.schema.map((c) => [c.name, c.type]))),
            h('details', {}, h('summary', {}, 'Metadata'), h('pre', {}, JSON.stringify(latest.metadata, null, 2))),
          )
        : h('p', { class: 'muted' }, 'Nothing materialized yet.'),
    ),
    h(
      'section',
      { class: 'neighbours' },
      h('h2', {}, 'Upstream and downstream'),
      table(
        ['direction', 'asset', 'input', 'mapping'],
        [...data.upstream.map((edge) => ['upstream', h('a', { href: href('assets', edge.from) }, edge.from), edge.input, edge.mapping]), ...data.downstream.map((edge) => ['downstream', h('a', { href: href('assets', edge.to) }, edge.to), edge.input, edge.mapping])],
      ),
    ),
  ]
}

function healthContent(data: AssetJson): HTMLElement[] {
  return [h('h2', {}, `Partitions ${data.asset.health.ranges[0]?.from ?? ''} … ${data.asset.health.ranges.at(-1)?.to ?? ''}`), healthBar(data.asset.health), h('p', { class: 'muted health-summary' }, summary(data.asset.health)), legend()]
}

function freshness(data: AssetJson): HTMLElement {
  const f = data.freshness
  if (!f) return h('p', { class: 'muted' }, 'No freshness policy.')
  const late = f.late.map((p) => `${p.partition}${p.why === 'failed-check' ? ` (check ${p.check ?? ''} failed)` : ''}`)
  return table(['state', 'policy', 'newest due', 'lag', 'late'], [[h('span', { class: `fresh-${f.state}` }, f.state), f.policy, f.newestDue ?? '-', f.lag, late.length > 6 ? `${late.slice(0, 3).join(', ')} … ${late.slice(-2).join(', ')} (${late.length})` : late.join(', ') || '-']])
}
