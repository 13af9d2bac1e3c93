import { describe, expect, it } from 'vitest'
import { StrataError } from '../../../../framework/errors/index.js'
import { weekly, weeksEndingOn } from '../../../../framework/partitions/index.js'
import { mappingLabel } from '../../../../framework/ui/ui-api.js'
import { expectInverse } from './inverse.js'

describe('weeksEndingOn(weeks)', () => {
  const stats = weekly({ start: '2026-01-05' })
  const model = weekly({ start: '2026-01-05' })
  const twelve = weeksEndingOn(12)

  it('is frozen, keeps its length and describes itself', () => {
    expect(Object.isFrozen(twelve)).toBe(true)
    expect(twelve.kind).toBe('weeks-ending-on')
    expect(twelve.weeks).toBe(12)
    expect(twelve.describe()).toBe('the 12 weeks ending on this one (Monday-77 … Monday)')
    expect(weeksEndingOn(1).describe()).toBe('the same week')
    expect(mappingLabel(twelve)).toBe('12 weeks')
    expect(mappingLabel(weeksEndingOn(1))).toBe('same week')
  })

  it('needs a whole number of weeks ≥ 1', () => {
    for (const bad of [0, 1.5, -2]) {
      let caught: unknown
      try {
        weeksEndingOn(bad)
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(StrataError)
      expect((caught as StrataError).code).toBe('definition')
      expect((caught as StrataError).message).toContain(`weeksEndingOn(${bad})`)
      expect((caught as StrataError).hint).toContain('weeksEndingOn(12)')
    }
  })

  it('fits weekly assets on both sides only', () => {
    expect(twelve.validate(model, stats)).toBeUndefined()
    expect(twelve.validate(model, { ...stats, kind: 'daily' } as never)).toBe('weeksEndingOn(12) needs a weekly asset on both sides, got weekly → daily')
  })

  it('reads W-7·(weeks-1) … W, across a year end', () => {
    expect(weeksEndingOn(3).upstreamFor('2027-01-11', model, stats)).toEqual({ keys: ['2026-12-28', '2027-01-04', '2027-01-11'], missing: [] })
    expect(twelve.upstreamFor('2026-06-01', model, stats).keys).toHaveLength(12)
    expect(twelve.upstreamFor('2026-06-01', model, stats).keys[0]).toBe('2026-03-16')
  })

  it('leaves out weeks before the upstream start', () => {
    expect(twelve.upstreamFor('2026-01-19', model, stats)).toEqual({ keys: ['2026-01-05', '2026-01-12', '2026-01-19'], missing: [] })
    expect(twelve.upstreamFor('2026-01-19', model, weekly({ start: '2026-02-02' }))).toEqual({ keys: [], missing: [] })
  })

  it('reports weeks after the upstream end as missing', () => {
    const ended = weekly({ start: '2026-01-05', end: '2026-01-19' })
    expect(weeksEndingOn(4).upstreamFor('2026-02-02', model, ended)).toEqual({ keys: ['2026-01-12', '2026-01-19'], missing: ['2026-01-26', '2026-02-02'] })
  })

  it('maps a week to the weeks whose window holds it, clipped to the downstream', () => {
    expect(weeksEndingOn(3).downstreamFor('2026-01-12', model, stats)).toEqual(['2026-01-12', '2026-01-19', '2026-01-26'])
    expect(weeksEndingOn(3).downstreamFor('2026-01-12', weekly({ start: '2026-01-19', end: '2026-01-19' }), stats)).toEqual(['2026-01-19'])
  })

  it('is inverted by downstreamFor over a year', () => {
    for (const weeks of [1, 2, 12]) {
      expect(expectInverse(weeksEndingOn(weeks), model, stats, '2025-12-01', '2026-12-27')).toBeGreaterThanOrEqual(50)
    }
    expect(expectInverse(weeksEndingOn(5), weekly({ start: '2026-02-02', end: '2026-08-31' }), weekly({ start: '2026-01-05', end: '2026-06-29' }), '2025-11-03', '2026-12-27')).toBeGreaterThan(50)
  })
})
