import { describe, expect, it } from 'vitest'
import { daily, sameDay, unpartitioned, weekly } from '../../../../framework/partitions/index.js'
import { expectInverse } from './inverse.js'

describe('sameDay()', () => {
  const mapping = sameDay()
  const up = daily({ start: '2026-01-01', end: '2026-03-31' })
  const down = daily({ start: '2025-12-01' })

  it('is frozen and describes itself', () => {
    expect(Object.isFrozen(mapping)).toBe(true)
    expect(mapping.kind).toBe('same-day')
    expect(mapping.optionalWhenOutside).toBe(false)
    expect(mapping.describe()).toBe('same partition')
  })

  it('fits two definitions of the same kind only', () => {
    expect(mapping.validate(down, up)).toBeUndefined()
    expect(mapping.validate(weekly({ start: '2026-01-05' }), weekly({ start: '2026-01-12' }))).toBeUndefined()
    expect(mapping.validate(unpartitioned(), unpartitioned())).toBeUndefined()
    expect(mapping.validate(down, weekly({ start: '2026-01-05' }))).toBe(
      'sameDay() maps an asset onto one with the same kind of partitions, got daily → weekly',
    )
    expect(mapping.validate(unpartitioned(), down)).toContain('unpartitioned → daily')
  })

  it('reads the same key, reporting one outside the upstream as missing', () => {
    expect(mapping.upstreamFor('2026-01-01', down, up)).toEqual({ keys: ['2026-01-01'], missing: [] })
    expect(mapping.upstreamFor('2024-02-29', daily({ start: '2024-01-01' }), daily({ start: '2024-02-29' }))).toEqual({ keys: ['2024-02-29'], missing: [] })
    expect(mapping.upstreamFor('2025-12-31', down, up)).toEqual({ keys: [], missing: ['2025-12-31'] })
    expect(mapping.upstreamFor('2026-04-01', down, up)).toEqual({ keys: [], missing: ['2026-04-01'] })
    expect(mapping.upstreamFor('all', unpartitioned(), unpartitioned())).toEqual({ keys: ['all'], missing: [] })
    const weeks = weekly({ start: '2026-01-05' })
    expect(mapping.upstreamFor('2025-12-29', weekly({ start: '2025-12-29' }), weeks)).toEqual({ keys: [], missing: ['2025-12-29'] })
  })

  it('maps back to the same key inside the downstream only', () => {
    expect(mapping.downstreamFor('2026-01-01', down, up)).toEqual(['2026-01-01'])
    expect(mapping.downstreamFor('2026-01-01', daily({ start: '2026-01-02' }), up)).toEqual([])
    expect(mapping.downstreamFor('all', unpartitioned(), unpartitioned())).toEqual(['all'])
  })

  it('is its own inverse over a year boundary and a leap day', () => {
    expect(expectInverse(mapping, down, up, '2025-11-01', '2026-05-31')).toBe(90)
    expect(expectInverse(mapping, daily({ start: '2024-02-01' }), daily({ start: '2023-12-01', end: '2024-03-15' }), '2023-11-01', '2024-06-30')).toBe(44)
    expect(expectInverse(mapping, weekly({ start: '2026-01-05' }), weekly({ start: '2025-12-29', end: '2026-06-29' }), '2025-11-03', '2026-09-27')).toBe(26)
  })
})
