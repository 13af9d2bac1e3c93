import { describe, expect, it } from 'vitest'
import { StrataError } from '../../../../framework/errors/index.js'
import { dateRange, daily, lookback, weekly } from '../../../../framework/partitions/index.js'
import { expectInverse } from './inverse.js'

describe('lookback(days)', () => {
  const curated = daily({ start: '2026-01-01' })
  const features = daily({ start: '2026-01-01' })
  const ninety = lookback(90)

  it('is frozen, keeps its length and describes itself', () => {
    expect(Object.isFrozen(ninety)).toBe(true)
    expect(ninety.kind).toBe('lookback')
    expect(ninety.days).toBe(90)
    expect(ninety.optionalWhenOutside).toBe(false)
    expect(ninety.describe()).toBe('the 90 days ending on D (D-89 … D)')
    expect(lookback(1).describe()).toBe('the 1 day ending on D (D)')
  })

  it('needs a whole number of days ≥ 1', () => {
    for (const days of [0, -3, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      let caught: unknown
      try {
        lookback(days)
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(StrataError)
      expect((caught as StrataError).code).toBe('definition')
      expect((caught as StrataError).message).toContain(`lookback(${days})`)
      expect((caught as StrataError).hint).toContain('lookback(90)')
    }
  })

  it('fits daily → daily only', () => {
    expect(ninety.validate(features, curated)).toBeUndefined()
    expect(ninety.validate(weekly({ start: '2026-01-05' }), curated)).toBe('lookback(90) needs a daily asset on both sides, got weekly → daily')
  })

  it('reads D-89 … D once the upstream has 90 days', () => {
    const result = ninety.upstreamFor('2026-06-30', features, curated)
    expect(result.keys).toHaveLength(90)
    expect(result.keys[0]).toBe('2026-04-02')
    expect(result.keys.at(-1)).toBe('2026-06-30')
    expect(result.missing).toEqual([])
  })

  it('clips days before the upstream start without calling them missing', () => {
    expect(ninety.upstreamFor('2026-01-01', features, curated)).toEqual({ keys: ['2026-01-01'], missing: [] })
    expect(ninety.upstreamFor('2026-01-03', features, curated)).toEqual({ keys: ['2026-01-01', '2026-01-02', '2026-01-03'], missing: [] })
    expect(ninety.upstreamFor('2026-03-30', features, curated).keys).toHaveLength(89)
    expect(ninety.upstreamFor('2026-03-31', features, curated).keys).toHaveLength(90)
  })

  it('reports days after the upstream end as missing', () => {
    const ended = daily({ start: '2026-01-01', end: '2026-01-31' })
    expect(lookback(3).upstreamFor('2026-02-01', features, ended)).toEqual({ keys: ['2026-01-30', '2026-01-31'], missing: ['2026-02-01'] })
    expect(lookback(3).upstreamFor('2026-02-10', features, ended)).toEqual({ keys: [], missing: ['2026-02-08', '2026-02-09', '2026-02-10'] })
  })

  it('crosses a leap day, a non-leap century and a year end with exact counts', () => {
    expect(lookback(3).upstreamFor('2024-03-01', features, daily({ start: '2024-01-01' })).keys).toEqual(['2024-02-28', '2024-02-29', '2024-03-01'])
    expect(lookback(2).upstreamFor('2100-03-01', features, daily({ start: '2100-01-01' })).keys).toEqual(['2100-02-28', '2100-03-01'])
    expect(lookback(2).upstreamFor('2000-03-01', features, daily({ start: '2000-01-01' })).keys).toEqual(['2000-02-29', '2000-03-01'])
    expect(lookback(3).upstreamFor('2027-01-01', features, curated).keys).toEqual(['2026-12-30', '2026-12-31', '2027-01-01'])
    expect(ninety.upstreamFor('2024-03-30', features, daily({ start: '2023-01-01' })).keys).toEqual(dateRange('2024-01-01', '2024-03-30'))
  })

  it('maps an upstream day to the days whose window holds it, clipped to the downstream', () => {
    expect(lookback(3).downstreamFor('2026-01-31', features, curated)).toEqual(['2026-01-31', '2026-02-01', '2026-02-02'])
    expect(lookback(3).downstreamFor('2025-12-30', features, daily({ start: '2025-12-01' }))).toEqual(['2026-01-01'])
    expect(lookback(3).downstreamFor('2026-01-31', daily({ start: '2026-01-01', end: '2026-02-01' }), curated)).toEqual(['2026-01-31', '2026-02-01'])
    expect(ninety.downstreamFor('2026-01-01', features, curated)).toHaveLength(90)
  })

  it('is inverted by downstreamFor over a few hundred days', () => {
    const down = daily({ start: '2025-12-20', end: '2026-09-30' })
    const up = daily({ start: '2026-01-01', end: '2026-08-31' })
    for (const days of [1, 7, 90]) expect(expectInverse(lookback(days), down, up, '2025-11-01', '2026-11-30')).toBeGreaterThan(200)
    expect(expectInverse(lookback(30), daily({ start: '2024-01-01' }), daily({ start: '2023-12-15' }), '2023-12-01', '2024-12-31')).toBeGreaterThan(9000)
  })
})
