import { describe, expect, it } from 'vitest'
import { daily, previous, weekly } from '../../../../framework/partitions/index.js'
import { expectInverse } from './inverse.js'

describe('previous()', () => {
  const mapping = previous()
  const segments = daily({ start: '2026-01-05' })

  it('is frozen, optional outside, and describes itself', () => {
    expect(Object.isFrozen(mapping)).toBe(true)
    expect(mapping.kind).toBe('previous')
    expect(mapping.optionalWhenOutside).toBe(true)
    expect(mapping.describe()).toBe('the day before (D-1), none for the first partition')
  })

  it('fits daily → daily only', () => {
    expect(mapping.validate(segments, segments)).toBeUndefined()
    expect(mapping.validate(weekly({ start: '2026-01-05' }), segments)).toBe('previous() needs a daily asset on both sides, got weekly → daily')
  })

  it('reads D-1, and nothing at all at the first partition', () => {
    expect(mapping.upstreamFor('2026-01-05', segments, segments)).toEqual({ keys: [], missing: [] })
    expect(mapping.upstreamFor('2026-01-06', segments, segments)).toEqual({ keys: ['2026-01-05'], missing: [] })
    expect(mapping.upstreamFor('2026-03-01', segments, segments)).toEqual({ keys: ['2026-02-28'], missing: [] })
    expect(mapping.upstreamFor('2024-03-01', segments, daily({ start: '2024-01-01' })).keys).toEqual(['2024-02-29'])
    expect(mapping.upstreamFor('2026-01-01', segments, daily({ start: '2025-01-01' })).keys).toEqual(['2025-12-31'])
  })

  it('reports a day after the upstream end as missing', () => {
    expect(mapping.upstreamFor('2026-02-02', segments, daily({ start: '2026-01-05', end: '2026-01-31' }))).toEqual({ keys: [], missing: ['2026-02-01'] })
  })

  it('maps D to D+1 inside the downstream', () => {
    expect(mapping.downstreamFor('2026-01-05', segments, segments)).toEqual(['2026-01-06'])
    expect(mapping.downstreamFor('2025-12-31', daily({ start: '2025-01-01' }), segments)).toEqual(['2026-01-01'])
    expect(mapping.downstreamFor('2026-01-03', segments, daily({ start: '2026-01-01' }))).toEqual([])
    expect(mapping.downstreamFor('2026-01-31', daily({ start: '2026-01-05', end: '2026-01-31' }), segments)).toEqual([])
  })

  it('is inverted by downstreamFor over a few hundred days', () => {
    expect(expectInverse(mapping, segments, segments, '2025-12-01', '2026-12-31')).toBe(360)
    expect(expectInverse(mapping, daily({ start: '2026-01-01', end: '2026-06-30' }), daily({ start: '2026-01-10' }), '2025-12-01', '2026-12-31')).toBe(171)
  })
})
