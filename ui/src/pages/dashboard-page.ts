import { getJson } from '../api.js'
import { h, href, render } from '../dom.js'
import type { DashboardJson } from '../types.js'

/** A dashboard (e.g. `/drift`): the day's status and every chart over the asset's committed days. */
export async function dashboardPage(name: string): Promise<void> {
  const data = await getJson<DashboardJson>(`/api/dashboards/${encodeURIComponent(name)}`)
  const holder = h('div', { class: 'charts', 'data-days': data.days.length }, h('p', { class: 'muted' }, 'Loading charts…'))
  const counts = data.days.reduce<Record<string, number>>((acc, d) => ({ ...acc, [d.status ?? 'none']: (acc[d.status ?? 'none'] ?? 0) + 1 }), {})
  render(
    h('h1', {}, data.title),
    h('p', { class: 'muted' }, `${data.days.length} days of `, h('a', { href: href('assets', data.asset) }, data.asset), data.days.length > 0 ? ` (${data.days[0]?.day} … ${data.days.at(-1)?.day}): ${Object.entries(counts).map(([status, n]) => `${n} ${status}`).join(', ')}` : ''),
    holder,
  )
  if (data.days.length === 0) return void holder.replaceChildren(h('p', { class: 'muted' }, `Nothing yet: materialize ${data.asset} first.`))
  const { dashboardCharts } = await import('../charts.js')
  holder.replaceChildren(...dashboardCharts(data))
}
