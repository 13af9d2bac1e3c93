import { describe, expect, it } from 'vitest'
import { StrataError } from '../../../framework/errors/index.js'
import { daily } from '../../../framework/partitions/index.js'

describe('daily()', () => {
  const raw = daily({ start: '2026-01-01' })
  const bounded = daily({ start: '2024-02-27', end: '2024-03-02' })

  it('is frozen plain data that describes itself', () => {
    expect(Object.isFrozen(raw)).toBe(true)
    expect(raw.kind).toBe('daily')
    expect(raw.start).toBe('2026-01-01')
    expect(raw.end).toBeUndefined()
    expect(raw.describe()).toBe('daily from 2026-01-01')
    expect(bounded.describe()).toBe('daily from 2024-02-27 to 2024-03-02')
    expect(raw.pathSegment('2026-03-01')).toBe('dt=2026-03-01')
    expect(raw.daysOf('2026-03-01')).toEqual({ from: '2026-03-01', to: '2026-03-01' })
  })

  it('validates start and end at definition time, naming the bad value', () => {
    for (const options of [{ start: '2026-02-30' }, { start: 'yesterday' }, { start: '2026-01-01', end: '2026-13-01' }]) {
      const error = catchError(() => daily(options))
      expect(error.code).toBe('definition')
      expect(error.message).toMatch(/2026-02-30|yesterday|2026-13-01/)
      expect(error.hint).toBeTruthy()
    }
    const reversed = catchError(() => daily({ start: '2026-02-01', end: '2026-01-31' }))
    expect(reversed.code).toBe('definition')
    expect(reversed.message).toContain('2026-01-31')
    const notAString = catchError(() => daily({ start: new Date() as unknown as string }))
    expect(notAString.code).toBe('definition')
  })

  it('contains exactly the real dates within its bounds', () => {
    expect(raw.contains('2026-01-01')).toBe(true)
    expect(raw.contains('2099-12-31')).toBe(true)
    expect(raw.contains('2025-12-31')).toBe(false)
    expect(raw.contains('2026-02-29')).toBe(false)
    expect(raw.contains('all')).toBe(false)
    expect(bounded.contains('2024-02-29')).toBe(true)
    expect(bounded.contains('2024-03-03')).toBe(false)
  })

  it('lists the keys of a range, clipped to its bounds, across a leap day and month end', () => {
    expect(bounded.keysInRange('2024-01-01', '2024-12-31')).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02'])
    expect(raw.keysInRange('2025-12-30', '2026-01-02')).toEqual(['2026-01-01', '2026-01-02'])
    expect(raw.keysInRange('2026-01-31', '2026-02-01')).toEqual(['2026-01-31', '2026-02-01'])
    expect(raw.keysInRange('2026-03-01', '2026-03-01')).toEqual(['2026-03-01'])
    expect(raw.keysInRange('2026-03-02', '2026-03-01')).toEqual([])
    expect(raw.keysInRange('2025-01-01', '2025-12-31')).toEqual([])
    expect(daily({ start: '2100-02-27' }).keysInRange('2100-02-27', '2100-03-01')).toEqual(['2100-02-27', '2100-02-28', '2100-03-01'])
  })

  describe('validateKey', () => {
    it('returns a good key', () => {
      expect(raw.validateKey('2026-01-01', 'raw')).toBe('2026-01-01')
      expect(bounded.validateKey('2024-02-29', 'raw')).toBe('2024-02-29')
    })

    it('rejects a malformed key, printing it safely', () => {
      const error = catchError(() => raw.validateKey('2026-1-5\u001b[31m', 'raw'))
      expect(error.code).toBe('partition')
      expect(error.message).toContain('is not a date')
      expect(error.message).toContain('raw')
      expect(error.message).not.toContain('\u001b')
      expect(error.hint).toContain('YYYY-MM-DD')
    })

    it('rejects an impossible date', () => {
      const error = catchError(() => raw.validateKey('2026-02-30', 'raw'))
      expect(error.code).toBe('partition')
      expect(error.message).toContain('2026-02-30 is not a real calendar date')
      expect(error.hint).toBeTruthy()
      expect(catchError(() => raw.validateKey('2100-02-29', 'raw')).message).toContain('not a real calendar date')
    })

    it('rejects a key before the start, naming the start and where it is set', () => {
      const error = catchError(() => raw.validateKey('2025-12-31', 'raw'))
      expect(error.code).toBe('partition')
      expect(error.message).toBe('partition 2025-12-31 is before the first partition of asset raw (2026-01-01)')
      expect(error.hint).toContain('2026-01-01')
      expect(error.hint).toContain('its definition sets the first day')
    })

    it('rejects a key after the end, naming the end', () => {
      const error = catchError(() => bounded.validateKey('2024-03-03', 'curated'))
      expect(error.code).toBe('partition')
      expect(error.message).toBe('partition 2024-03-03 is after the last partition of asset curated (2024-03-02)')
      expect(error.hint).toContain('2024-03-02')
    })
  })
})

function catchError(fn: () => unknown): StrataError {
  try {
    fn()
  } catch (error) {
    if (error instanceof StrataError) return error
    throw error
  }
  throw new Error('expected a StrataError')
}
