import { describe, expect, it } from 'vitest'
import { StrataError } from '../../../framework/errors/index.js'
import { weekly } from '../../../framework/partitions/index.js'

describe('weekly()', () => {
  const model = weekly({ start: '2026-01-05' })
  const bounded = weekly({ start: '2025-12-29', end: '2026-01-12' })

  it('is frozen plain data keyed by Mondays', () => {
    expect(Object.isFrozen(model)).toBe(true)
    expect(model.kind).toBe('weekly')
    expect(model.describe()).toBe('weekly (Mondays) from 2026-01-05')
    expect(bounded.describe()).toBe('weekly (Mondays) from 2025-12-29 to 2026-01-12')
    expect(model.pathSegment('2026-03-02')).toBe('week=2026-03-02')
    expect(model.daysOf('2026-03-02')).toEqual({ from: '2026-03-02', to: '2026-03-08' })
    expect(bounded.daysOf('2025-12-29')).toEqual({ from: '2025-12-29', to: '2026-01-04' })
    expect(weekly({ start: '2024-02-26' }).daysOf('2024-02-26')).toEqual({ from: '2024-02-26', to: '2024-03-03' })
  })

  it('requires a Monday start (and end), suggesting the Mondays around it', () => {
    const error = catchError(() => weekly({ start: '2026-01-07' }))
    expect(error.code).toBe('definition')
    expect(error.message).toContain('2026-01-07 is a Wednesday, not a Monday')
    expect(error.hint).toContain('2026-01-05')
    expect(error.hint).toContain('2026-01-12')
    // A Sunday's week began six days earlier.
    expect(catchError(() => weekly({ start: '2026-01-11' })).hint).toContain('2026-01-05')
    expect(catchError(() => weekly({ start: '2026-01-05', end: '2026-01-13' })).code).toBe('definition')
    expect(catchError(() => weekly({ start: '2026-1-5' })).code).toBe('definition')
    expect(catchError(() => weekly({ start: '2026-01-12', end: '2026-01-05' })).code).toBe('definition')
  })

  it('contains only Mondays within its bounds', () => {
    expect(model.contains('2026-01-05')).toBe(true)
    expect(model.contains('2026-01-06')).toBe(false)
    expect(model.contains('2025-12-29')).toBe(false)
    expect(bounded.contains('2026-01-12')).toBe(true)
    expect(bounded.contains('2026-01-19')).toBe(false)
    expect(model.contains('not-a-day')).toBe(false)
  })

  describe('keysInRange: every week whose seven days overlap the range', () => {
    it('takes a week when only its Sunday or only its Monday is in range', () => {
      expect(model.keysInRange('2026-01-11', '2026-01-11')).toEqual(['2026-01-05']) // a Sunday
      expect(model.keysInRange('2026-01-11', '2026-01-12')).toEqual(['2026-01-05', '2026-01-12']) // Sunday → Monday
      expect(model.keysInRange('2026-01-12', '2026-01-18')).toEqual(['2026-01-12'])
      expect(model.keysInRange('2026-01-10', '2026-01-26')).toEqual(['2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26'])
    })

    it('clips to start and end, across a year boundary', () => {
      expect(model.keysInRange('2025-12-01', '2026-01-06')).toEqual(['2026-01-05'])
      expect(bounded.keysInRange('2025-12-31', '2026-12-31')).toEqual(['2025-12-29', '2026-01-05', '2026-01-12'])
      expect(model.keysInRange('2025-12-01', '2026-01-04')).toEqual([])
    })

    it('is empty when from > to, even inside one week', () => {
      expect(model.keysInRange('2026-01-08', '2026-01-07')).toEqual([])
      expect(model.keysInRange('2026-02-01', '2026-01-01')).toEqual([])
    })
  })

  describe('validateKey', () => {
    it('returns a Monday inside the bounds', () => {
      expect(model.validateKey('2026-01-05', 'segment_model')).toBe('2026-01-05')
    })

    it('rejects a non-Monday with a hint naming that week’s Monday', () => {
      const error = catchError(() => model.validateKey('2026-03-08', 'segment_model'))
      expect(error.code).toBe('partition')
      expect(error.message).toContain('2026-03-08 is a Sunday, not a Monday')
      expect(error.message).toContain('segment_model')
      expect(error.hint).toContain('2026-03-02')
    })

    it('rejects malformed, impossible, early and late keys', () => {
      for (const [key, text] of [
        ['2026/03/02', 'not a date'],
        ['2026-02-30', 'not a real calendar date'],
        ['2025-12-29', 'before the first partition of asset segment_model (2026-01-05)'],
      ] as const) {
        const error = catchError(() => model.validateKey(key, 'segment_model'))
        expect(error.code).toBe('partition')
        expect(error.message).toContain(text)
        expect(error.hint).toBeTruthy()
      }
      const late = catchError(() => bounded.validateKey('2026-01-19', 'segment_model'))
      expect(late.message).toContain('after the last partition of asset segment_model (2026-01-12)')
      expect(late.hint).toContain('2026-01-12')
      expect(catchError(() => model.validateKey('2025-12-29', 'segment_model')).hint).toContain('2026-01-05')
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
