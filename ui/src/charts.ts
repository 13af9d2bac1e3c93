// Charts, by Observable Plot. A separate chunk: only the run and dashboard pages load it.
import * as Plot from '@observablehq/plot'
import type { DashboardJson, RunRecord } from './types.js'

const STEP_COLOURS = { domain: ['success', 'failed', 'running', 'skipped', 'canceled'], range: ['#2e9e5b', '#d63a3a', '#3b7dd8', '#9aa0a6', '#7a5ea8'] }
/** Day statuses: the usual words get the usual colours, any other word a grey. */
function dayColours(statuses: readonly string[]) {
  const known: Record<string, string> = { ok: '#2e9e5b', warn: '#e0a100', alert: '#d63a3a' }
  const domain = [...new Set(['ok', 'warn', 'alert', ...statuses])]
  return { domain, range: domain.map((status) => known[status] ?? '#9aa0a6') }
}
const DAY_MS = 86_400_000
const BAND_COLOURS = { warn: '#f5d76e', alert: '#f19a9a' }

/** A run's timeline: one bar per step that ran, from its start to its end. */
export function gantt(record: RunRecord): SVGSVGElement | HTMLElement {
  const steps = record.steps.filter((step) => step.startedAt).map((step) => ({ id: `${step.asset}(${step.partition})`, status: step.status, start: new Date(step.startedAt as string), end: new Date(step.endedAt ?? new Date().toISOString()) }))
  steps.sort((a, b) => a.start.getTime() - b.start.getTime())
  const shown = steps.slice(0, 400)
  return Plot.plot({
    width: 1000,
    height: 40 + shown.length * 16,
    marginLeft: 230,
    x: { type: 'utc', label: 'time (UTC)', tickFormat: '%H:%M:%S' },
    y: { domain: shown.map((step) => step.id), label: null },
    color: { ...STEP_COLOURS, legend: true },
    marks: [Plot.barX(shown, { x1: 'start', x2: 'end', y: 'id', fill: 'status', title: (d: (typeof shown)[number]) => `${d.id}: ${d.status}, ${((d.end.getTime() - d.start.getTime()) / 1000).toFixed(1)} s`, className: 'gantt-step' })],
  })
}

/** The dashboard: each day's status, then every chart, with the marked (warm-up) days shaded. */
export function dashboardCharts(data: DashboardJson): HTMLElement[] {
  const day = (key: string) => new Date(`${key}T00:00:00Z`)
  const next = (key: string) => new Date(day(key).getTime() + DAY_MS)
  // Figures sit in the middle of their day, over the day's status cell.
  const noon = (key: string) => new Date(day(key).getTime() + DAY_MS / 2)
  const span = data.days.length
  const marked = data.days.filter((d) => d.marked)
  const x = { type: 'utc' as const, domain: data.days.length > 0 ? [day(data.days[0]!.day), next(data.days.at(-1)!.day)] : undefined, label: null, ticks: Math.min(span + 1, 10), tickFormat: span > 400 ? '%Y-%m' : '%b %d' }
  const figures: HTMLElement[] = []
  const strip = Plot.plot({
    width: 1000,
    height: 70,
    x,
    y: { axis: null },
    color: { ...dayColours(data.days.map((d) => d.status ?? 'unknown')), legend: true },
    marks: [Plot.rectY(data.days, { x1: (d: (typeof data.days)[number]) => day(d.day), x2: (d: (typeof data.days)[number]) => next(d.day), y1: 0, y2: 1, inset: 0.5, fill: (d: (typeof data.days)[number]) => d.status ?? 'unknown', fillOpacity: (d: (typeof data.days)[number]) => (d.marked ? 0.45 : 1), title: (d: (typeof data.days)[number]) => `${d.day}: ${d.status ?? 'no status'}${d.marked ? ` (${data.markerLabel ?? 'marked'})` : ''}`, className: 'day-status' })],
  })
  figures.push(figure(`Status per day${data.markerLabel ? ` (faded: ${data.markerLabel})` : ''}`, strip, data.days.length))
  for (const chart of data.charts) {
    const points = chart.points.map((p) => ({ ...p, date: noon(p.day) }))
    const top = Math.max(0, ...points.map((p) => (chart.kind === 'line' ? p.value : 0)), ...(chart.bands ?? []).map((band) => band.to ?? band.from * 1.5))
    const bands = (chart.bands ?? []).map((band) => Plot.rectY([band], { y1: band.from, y2: band.to ?? Math.max(top, band.from * 1.5), fill: BAND_COLOURS[band.level], fillOpacity: 0.35, title: `${band.label}: ${band.from}${band.to === undefined ? '+' : ` … ${band.to}`}` }))
    const scaledShade = marked.length > 0 ? [Plot.rectY(marked, { x1: (d: (typeof marked)[number]) => day(d.day), x2: (d: (typeof marked)[number]) => next(d.day), y1: 0, y2: top || 1, fill: '#eef0f3' })] : []
    const marks =
      chart.kind === 'stacked-area'
        ? [Plot.areaY(points, { x: 'date', y: 'value', fill: 'series', title: 'series' }), Plot.ruleY([0])]
        : [...scaledShade, ...bands, Plot.lineY(points, { x: 'date', y: 'value', stroke: 'series', marker: 'dot', title: (p: (typeof points)[number]) => `${p.series} ${p.day}: ${p.value}` }), Plot.ruleY([0])]
    const plot = Plot.plot({ width: 1000, height: 240, x, y: { grid: true, label: null }, color: { legend: true }, marks })
    figures.push(figure(chart.title, plot, new Set(points.map((p) => p.day)).size))
  }
  return figures
}

function figure(title: string, plot: SVGSVGElement | HTMLElement, days: number): HTMLElement {
  const element = document.createElement('figure')
  element.className = 'chart'
  element.dataset.days = String(days)
  const caption = document.createElement('figcaption')
  caption.textContent = title
  element.append(caption, plot)
  return element
}
