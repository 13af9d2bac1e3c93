import { h, href } from './dom.js'
import type { AssetHealth } from './types.js'

/** States `status` reports today; any other word still draws, in a neutral colour. */
const KNOWN = new Set(['materialized', 'stale', 'missing', 'failed', 'blocked'])

/**
 * An asset's partitions as a bar of ranges (one element per range, never per partition), each
 * as wide as its share of partitions; hovering says which partitions, their state and why, and a
 * click opens the range's first partition.
 */
export function healthBar(health: AssetHealth, options: { compact?: boolean } = {}): HTMLElement {
  const bar = h('div', { class: `health-bar${options.compact ? ' compact' : ''}`, 'data-asset': health.asset, role: 'img', 'aria-label': summary(health) })
  if (health.total === 0) bar.append(h('span', { class: 'range state-none', style: 'flex-grow: 1', title: 'no partitions in range' }))
  for (const range of health.ranges) {
    const span = range.from === range.to ? range.from : `${range.from} … ${range.to} (${range.count})`
    // Status reasons start with their state word ("missing: not materialized yet"); others get it in front.
    const words = !range.reason || range.reason === range.state ? range.state : range.reason.startsWith(range.state) ? range.reason : `${range.state} — ${range.reason}`
    const first = range.reason && range.count > 1 && /\d{4}-\d{2}-\d{2}/.test(range.reason) ? ' (first of the range)' : ''
    const attributes = { class: `range state-${KNOWN.has(range.state) ? range.state : 'other'}`, 'data-state': range.state, style: `flex-grow: ${range.count}`, title: `${span}: ${words}${first}` }
    // Compact bars sit inside a link (a graph node), and links do not nest.
    bar.append(options.compact ? h('span', attributes) : h('a', { ...attributes, href: href('assets', health.asset, 'partitions', range.from) }))
  }
  return bar
}

/** "12 materialized, 3 missing" */
export function summary(health: AssetHealth): string {
  return Object.entries(health.counts).map(([state, n]) => `${n} ${state}`).join(', ') || 'no partitions'
}

/** A legend of the state colours. */
export function legend(): HTMLElement {
  return h('div', { class: 'legend' }, [...KNOWN].map((state) => h('span', {}, h('i', { class: `swatch state-${state}` }), state)))
}
