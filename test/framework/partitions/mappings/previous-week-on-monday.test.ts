import { describe, expect, it } from 'vitest'
import { daily, previousWeekOnMonday, weekly } from '../../../../framework/partitions/index.js'
import { expectInverse } from './inverse.js'

describe('previousWeekOnMonday()', () => {
  const mapping = previousWeekOnMonday()
  const drift = daily({ start: '2026-01-05' })
  const model = weekly({ start: '2026-01-05' })

  it('is frozen, optional outside and describes itself', () => {
    expect(Object.isFrozen(mapping)).toBe(true)
    expect(mapping.kind).toBe('previous-week-on-monday')
    expect(mapping.optionalWhenOutside).toBe(true)
    expect(mapping.describe()).toBe("on a Monday, the week before D's (Monday-7); other days and the first week nothing")
  })

  it('fits a daily downstream and a weekly upstream only', () => {
    expect(mapping.validate(drift, model)).toBeUndefined()
    expect(mapping.validate(model, drift)).toBe('previousWeekOnMonday() maps a daily asset onto a weekly one, got weekly → daily')
  })

  it('reads the week before on a Monday and nothing on other days or in the first week', () => {
    expect(mapping.upstreamFor('2026-01-12', drift, model)).toEqual({ keys: ['2026-01-05'], missing: [] })
    expect(mapping.upstreamFor('2026-03-02', drift, model)).toEqual({ keys: ['2026-02-23'], missing: [] })
    for (const day of ['2026-01-13', '2026-01-17', '2026-01-18']) expect(mapping.upstreamFor(day, drift, model)).toEqual({ keys: [], missing: [] })
    expect(mapping.upstreamFor('2026-01-05', drift, model)).toEqual({ keys: [], missing: [] })
    expect(mapping.upstreamFor('2026-01-19', drift, weekly({ start: '2026-01-05', end: '2026-01-05' }))).toEqual({ keys: [], missing: ['2026-01-12'] })
  })

  it('maps a week to the next Monday, clipped to the downstream', () => {
    expect(mapping.downstreamFor('2026-02-23', drift, model)).toEqual(['2026-03-02'])
    expect(mapping.downstreamFor('2026-02-23', daily({ start: '2026-01-05', end: '2026-03-01' }), model)).toEqual([])
  })

  it('is inverted by downstreamFor over a few hundred days', () => {
    expect(expectInverse(mapping, drift, model, '2025-12-01', '2026-12-27')).toBe(50)
  })
})
