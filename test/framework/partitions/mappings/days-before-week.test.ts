import { describe, expect, it } from 'vitest'
import { StrataError } from '../../../../framework/errors/index.js'
import { dateRange, daily, daysBeforeWeek, weekly } from '../../../../framework/partitions/index.js'
import { expectInverse } from './inverse.js'

describe('daysBeforeWeek(days)', () => {
  const features = daily({ start: '2026-01-01' })
  const model = weekly({ start: '2026-01-05' })
  const ninety = daysBeforeWeek(90)

  it('is frozen, keeps its length and describes itself', () => {
    expect(Object.isFrozen(ninety)).toBe(true)
    expect(ninety.kind).toBe('days-before-week')
    expect(ninety.days).toBe(90)
    expect(ninety.describe()).toBe("the 90 days before the week's Monday (Monday-90 … Monday-1)")
    expect(daysBeforeWeek(1).describe()).toBe("the day before the week's Monday (Monday-1)")
  })

  it('needs a whole number of days ≥ 1', () => {
    let caught: unknown
    try {
      daysBeforeWeek(0)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(StrataError)
    expect((caught as StrataError).code).toBe('definition')
    expect((caught as StrataError).message).toContain('daysBeforeWeek(0)')
    expect((caught as StrataError).hint).toBeTruthy()
  })

  it('fits a weekly downstream and a daily upstream only', () => {
    expect(ninety.validate(model, features)).toBeUndefined()
    expect(ninety.validate(features, model)).toBe('daysBeforeWeek(90) maps a weekly asset onto a daily one, got daily → weekly')
  })

  it('reads Monday-90 … Monday-1, across a year end', () => {
    const result = ninety.upstreamFor('2026-06-01', model, features)
    expect(result.keys).toEqual(dateRange('2026-03-03', '2026-05-31'))
    expect(result.missing).toEqual([])
    expect(daysBeforeWeek(3).upstreamFor('2025-01-06', model, daily({ start: '2024-01-01' })).keys).toEqual(['2025-01-03', '2025-01-04', '2025-01-05'])
    expect(daysBeforeWeek(2).upstreamFor('2024-03-04', model, daily({ start: '2024-01-01' })).keys).toEqual(['2024-03-02', '2024-03-03'])
  })

  it('clips days before the upstream start; the first week may read nothing', () => {
    expect(ninety.upstreamFor('2026-01-05', model, features)).toEqual({ keys: ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04'], missing: [] })
    expect(ninety.upstreamFor('2026-01-05', model, daily({ start: '2026-01-05' }))).toEqual({ keys: [], missing: [] })
  })

  it('reports days after the upstream end as missing', () => {
    const ended = daily({ start: '2026-01-01', end: '2026-01-09' })
    expect(daysBeforeWeek(7).upstreamFor('2026-01-12', model, ended)).toEqual({
      keys: ['2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09'],
      missing: ['2026-01-10', '2026-01-11'],
    })
  })

  it('maps a day to the Mondays whose window holds it, clipped to the downstream', () => {
    // Sunday 2026-01-11 is Monday-1 of 2026-01-12 and Monday-8 of 2026-01-19.
    expect(daysBeforeWeek(14).downstreamFor('2026-01-11', model, features)).toEqual(['2026-01-12', '2026-01-19'])
    expect(daysBeforeWeek(7).downstreamFor('2026-01-12', model, features)).toEqual(['2026-01-19']) // a Monday is not in its own window
    expect(daysBeforeWeek(1).downstreamFor('2026-01-10', model, features)).toEqual([]) // Saturday is no Monday's day before
    expect(ninety.downstreamFor('2026-01-01', model, features)).toHaveLength(13)
    expect(ninety.downstreamFor('2026-01-01', weekly({ start: '2026-01-05', end: '2026-01-19' }), features)).toEqual(['2026-01-05', '2026-01-12', '2026-01-19'])
  })

  it('is inverted by downstreamFor over a few hundred days', () => {
    for (const days of [1, 6, 7, 8, 90]) {
      expect(expectInverse(daysBeforeWeek(days), model, features, '2025-12-01', '2026-12-27')).toBeGreaterThanOrEqual(50)
    }
    expect(expectInverse(daysBeforeWeek(10), weekly({ start: '2025-12-29', end: '2026-08-31' }), daily({ start: '2026-01-01', end: '2026-06-30' }), '2025-11-03', '2026-12-27')).toBeGreaterThan(100)
  })
})
