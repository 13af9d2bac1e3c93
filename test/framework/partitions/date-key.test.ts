import { afterEach, describe, expect, it } from 'vitest'
import {
  addDays,
  dateRange,
  daysBetween,
  firstMondayAfter,
  fromEpochDay,
  isDateKey,
  isoWeekday,
  mondayOf,
  parseDateKey,
  toEpochDay,
} from '../../../framework/partitions/index.js'
import { StrataError } from '../../../framework/errors/index.js'

describe('date keys', () => {
  it('round-trips epoch days, including years below 100 and far years', () => {
    expect(toEpochDay('1970-01-01')).toBe(0)
    expect(toEpochDay('1969-12-31')).toBe(-1)
    expect(toEpochDay('2000-03-01')).toBe(11_017)
    for (const key of ['0001-01-01', '0050-03-01', '0099-12-31', '1600-02-29', '2024-02-29', '9999-12-31']) {
      expect(fromEpochDay(toEpochDay(key))).toBe(key)
    }
    // Date.UTC reads year 50 as 1950, which made this 0. 1900 years hold 460 leap days.
    expect(daysBetween('0050-01-01', '1950-01-01')).toBe(1900 * 365 + 460)
  })

  it('agrees with Date for every day of 1999..2101', () => {
    const wrong: string[] = []
    for (let day = toEpochDay('1999-01-01'); day <= toEpochDay('2101-12-31'); day++) {
      const key = new Date(day * 86_400_000).toISOString().slice(0, 10)
      if (toEpochDay(key) !== day || !isDateKey(key)) wrong.push(key)
    }
    expect(wrong).toEqual([])
  })

  it('knows leap years: 2024 and 2000 are, 2100 is not', () => {
    expect(isDateKey('2024-02-29')).toBe(true)
    expect(isDateKey('2000-02-29')).toBe(true)
    expect(isDateKey('2100-02-29')).toBe(false)
    expect(isDateKey('2026-02-29')).toBe(false)
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
    expect(addDays('2100-02-28', 1)).toBe('2100-03-01')
    expect(addDays('2000-02-28', 2)).toBe('2000-03-01')
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366)
    expect(daysBetween('2100-01-01', '2101-01-01')).toBe(365)
  })

  it('crosses month and year ends', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01')
    expect(addDays('2026-04-30', 1)).toBe('2026-05-01')
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01')
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31')
    expect(dateRange('2025-12-30', '2026-01-02')).toEqual(['2025-12-30', '2025-12-31', '2026-01-01', '2026-01-02'])
    expect(dateRange('2026-01-02', '2026-01-01')).toEqual([])
  })

  it('finds weekdays and Mondays across week and year boundaries', () => {
    expect(isoWeekday('2026-03-02')).toBe(1)
    expect(isoWeekday('2026-03-08')).toBe(7)
    expect(isoWeekday('1970-01-01')).toBe(4)
    expect(isoWeekday('1969-12-29')).toBe(1)
    expect(mondayOf('2026-03-08')).toBe('2026-03-02') // Sunday belongs to the week before
    expect(mondayOf('2026-03-09')).toBe('2026-03-09')
    expect(mondayOf('2026-01-01')).toBe('2025-12-29')
    expect(firstMondayAfter('2026-03-09')).toBe('2026-03-16') // strictly after
    expect(firstMondayAfter('2026-03-08')).toBe('2026-03-09')
  })

  it('rejects malformed and impossible keys with code partition and a hint', () => {
    for (const [value, message] of [
      ['2026-3-1', 'is not a date'],
      ['2026-02-30', 'is not a real calendar date'],
      ['2026-13-01', 'is not a real calendar date'],
    ] as const) {
      const error = catchError(() => parseDateKey(value))
      expect(error.code).toBe('partition')
      expect(error.message).toContain(message)
      expect(error.hint).toBeTruthy()
    }
  })

  describe('does not depend on the process timezone', () => {
    const saved = process.env.TZ
    afterEach(() => {
      if (saved === undefined) delete process.env.TZ
      else process.env.TZ = saved
    })

    // 2026: US switches on Mar 8 and Nov 1, the EU on Mar 29 and Oct 25.
    for (const tz of ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Pacific/Kiritimati']) {
      it(`gives exact day counts across DST switches in ${tz}`, () => {
        process.env.TZ = tz
        expect(daysBetween('2026-03-07', '2026-03-09')).toBe(2)
        expect(daysBetween('2026-03-28', '2026-03-30')).toBe(2)
        expect(daysBetween('2026-10-24', '2026-10-26')).toBe(2)
        expect(daysBetween('2026-10-31', '2026-11-02')).toBe(2)
        expect(addDays('2026-03-08', 1)).toBe('2026-03-09')
        expect(addDays('2026-03-29', 1)).toBe('2026-03-30')
        expect(addDays('2026-10-25', 1)).toBe('2026-10-26')
        expect(addDays('2026-11-01', 1)).toBe('2026-11-02')
        expect(dateRange('2026-03-01', '2026-11-30')).toHaveLength(275)
        expect(daysBetween('2026-01-01', '2027-01-01')).toBe(365)
      })
    }
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
