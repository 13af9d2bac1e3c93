import { describe, expect, it } from 'vitest'
import { daily, weekOf, weekly } from '../../../../framework/partitions/index.js'
import { expectInverse } from './inverse.js'

describe('weekOf()', () => {
  const mapping = weekOf()
  const segments = daily({ start: '2026-01-05' })
  const model = weekly({ start: '2026-01-05' })

  it('is frozen and describes itself', () => {
    expect(Object.isFrozen(mapping)).toBe(true)
    expect(mapping.kind).toBe('week-of')
    expect(mapping.optionalWhenOutside).toBe(false)
    expect(mapping.describe()).toBe('the week containing D (its Monday)')
  })

  it('fits a daily downstream and a weekly upstream only', () => {
    expect(mapping.validate(segments, model)).toBeUndefined()
    expect(mapping.validate(model, segments)).toBe('weekOf() maps a daily asset onto a weekly one, got weekly → daily')
    expect(mapping.validate(segments, segments)).toBe('weekOf() maps a daily asset onto a weekly one, got daily → daily')
  })

  it('reads the Monday of D’s week; Sunday belongs to the week before', () => {
    expect(mapping.upstreamFor('2026-01-05', segments, model)).toEqual({ keys: ['2026-01-05'], missing: [] })
    expect(mapping.upstreamFor('2026-01-11', segments, model)).toEqual({ keys: ['2026-01-05'], missing: [] }) // Sunday
    expect(mapping.upstreamFor('2026-01-12', segments, model)).toEqual({ keys: ['2026-01-12'], missing: [] }) // Monday
    expect(mapping.upstreamFor('2026-03-01', segments, model).keys).toEqual(['2026-02-23']) // month end in the week
    expect(mapping.upstreamFor('2025-01-01', segments, weekly({ start: '2024-12-30' })).keys).toEqual(['2024-12-30']) // year end
    expect(mapping.upstreamFor('2024-03-01', segments, weekly({ start: '2024-01-01' })).keys).toEqual(['2024-02-26'])
  })

  it('reports a week before the weekly start (or after its end) as missing', () => {
    expect(mapping.upstreamFor('2026-01-04', daily({ start: '2026-01-01' }), model)).toEqual({ keys: [], missing: ['2025-12-29'] })
    expect(mapping.upstreamFor('2026-01-19', segments, weekly({ start: '2026-01-05', end: '2026-01-12' }))).toEqual({ keys: [], missing: ['2026-01-19'] })
  })

  it('maps a Monday to its seven days, clipped to the downstream', () => {
    expect(mapping.downstreamFor('2026-02-23', segments, model)).toEqual(['2026-02-23', '2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27', '2026-02-28', '2026-03-01'])
    expect(mapping.downstreamFor('2025-12-29', daily({ start: '2026-01-01' }), weekly({ start: '2025-12-29' }))).toEqual(['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04'])
    expect(mapping.downstreamFor('2026-01-05', daily({ start: '2026-01-05', end: '2026-01-06' }), model)).toEqual(['2026-01-05', '2026-01-06'])
    expect(mapping.downstreamFor('2025-12-29', segments, weekly({ start: '2025-12-29' }))).toEqual([])
  })

  it('is inverted by downstreamFor over a few hundred days', () => {
    expect(expectInverse(mapping, segments, model, '2025-12-01', '2026-12-27')).toBe(357)
    expect(expectInverse(mapping, daily({ start: '2025-12-31', end: '2026-10-07' }), weekly({ start: '2026-01-12', end: '2026-09-28' }), '2025-12-01', '2026-12-27')).toBe(7 * 38)
  })
})
