import { expect } from 'vitest'
import type { DateKey, PartitionKey, PartitionMapping, PartitionsDefinition } from '../../../../framework/partitions/index.js'

/**
 * Property check over a window of dates: u ∈ upstreamFor(D).keys ⇔ D ∈ downstreamFor(u), for
 * every downstream key D and upstream key u whose days lie inside [from, to]. Both directions
 * must return keys of their definitions, ascending. Returns the number of pairs, so a test
 * can assert the check was not vacuous.
 */
export function expectInverse(
  mapping: PartitionMapping,
  downstream: PartitionsDefinition,
  upstream: PartitionsDefinition,
  from: DateKey,
  to: DateKey,
): number {
  expect(mapping.validate(downstream, upstream)).toBeUndefined()
  const inside = (definition: PartitionsDefinition, key: PartitionKey): boolean => {
    const days = definition.daysOf(key)
    return days.from >= from && days.to <= to
  }
  const pairs = (edges: Iterable<[PartitionKey, PartitionKey]>): Set<string> =>
    new Set([...edges].filter(([d, u]) => inside(downstream, d) && inside(upstream, u)).map(([d, u]) => `${d} <- ${u}`))

  // Collected rather than asserted one by one: thousands of expect() calls are slow.
  const problems: string[] = []
  const forward: [PartitionKey, PartitionKey][] = []
  for (const d of downstream.keysInRange(from, to)) {
    const { keys } = mapping.upstreamFor(d, downstream, upstream)
    if (!isAscending(keys)) problems.push(`upstreamFor(${d}) is not ascending`)
    for (const u of keys) {
      if (!upstream.contains(u)) problems.push(`upstreamFor(${d}) gave ${u}, not an upstream key`)
      forward.push([d, u])
    }
  }
  const backward: [PartitionKey, PartitionKey][] = []
  for (const u of upstream.keysInRange(from, to)) {
    const downs = mapping.downstreamFor(u, downstream, upstream)
    if (!isAscending(downs)) problems.push(`downstreamFor(${u}) is not ascending`)
    for (const d of downs) {
      if (!downstream.contains(d)) problems.push(`downstreamFor(${u}) gave ${d}, not a downstream key`)
      backward.push([d, u])
    }
  }
  expect(problems).toEqual([])
  const expected = pairs(forward)
  expect(pairs(backward)).toEqual(expected)
  return expected.size
}

function isAscending(keys: readonly PartitionKey[]): boolean {
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] ?? '') >= (keys[i] ?? '')) return false
  return true
}
