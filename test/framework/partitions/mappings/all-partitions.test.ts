import { describe, expect, it } from 'vitest'
import { StrataError } from '../../../../framework/errors/index.js'
import { allPartitions, daily, unpartitioned, weekly } from '../../../../framework/partitions/index.js'
import { expectInverse } from './inverse.js'

describe('allPartitions()', () => {
  const mapping = allPartitions()
  const scores = daily({ start: '2026-01-01' })
  const holidays = daily({ start: '2026-01-01', end: '2026-01-03' })

  it('is frozen and describes itself', () => {
    expect(Object.isFrozen(mapping)).toBe(true)
    expect(mapping.kind).toBe('all-partitions')
    expect(mapping.describe()).toBe('every partition of the upstream')
  })

  it('fits any downstream onto an unpartitioned or bounded upstream', () => {
    expect(mapping.validate(scores, unpartitioned())).toBeUndefined()
    expect(mapping.validate(weekly({ start: '2026-01-05' }), holidays)).toBeUndefined()
    expect(mapping.validate(unpartitioned(), weekly({ start: '2026-01-05', end: '2026-02-02' }))).toBeUndefined()
    expect(mapping.validate(scores, daily({ start: '2026-01-01' }))).toBe(
      'allPartitions() needs an unpartitioned upstream or one with an end, got daily → daily with no end',
    )
    expect(mapping.validate(scores, weekly({ start: '2026-01-05' }))).toContain('daily → weekly')
  })

  it('reads every upstream key for any downstream key', () => {
    expect(mapping.upstreamFor('2026-06-01', scores, unpartitioned())).toEqual({ keys: ['all'], missing: [] })
    expect(mapping.upstreamFor('2026-06-01', scores, holidays)).toEqual({ keys: ['2026-01-01', '2026-01-02', '2026-01-03'], missing: [] })
    expect(mapping.upstreamFor('all', unpartitioned(), weekly({ start: '2026-01-05', end: '2026-01-19' })).keys).toEqual(['2026-01-05', '2026-01-12', '2026-01-19'])
  })

  it('maps back to every downstream key when that set is finite, else says so', () => {
    expect(mapping.downstreamFor('all', unpartitioned(), unpartitioned())).toEqual(['all'])
    expect(mapping.downstreamFor('2026-01-02', daily({ start: '2026-02-27', end: '2026-03-01' }), holidays)).toEqual(['2026-02-27', '2026-02-28', '2026-03-01'])
    let caught: unknown
    try {
      mapping.downstreamFor('2026-01-02', scores, holidays)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(StrataError)
    expect((caught as StrataError).code).toBe('definition')
    expect((caught as StrataError).hint).toContain('keysInRange')
  })

  it('is inverted by downstreamFor', () => {
    expect(expectInverse(mapping, daily({ start: '2026-01-01', end: '2026-03-31' }), holidays, '2025-12-01', '2026-04-30')).toBe(90 * 3)
    expect(expectInverse(mapping, weekly({ start: '2026-01-05', end: '2026-03-30' }), daily({ start: '2026-01-01', end: '2026-01-31' }), '2025-12-01', '2026-04-30')).toBe(13 * 31)
  })
})
