import { printable as printableText } from '../errors/printable.js'
import { StrataError } from '../errors/index.js'

/**
 * A UTC calendar date `YYYY-MM-DD`. All arithmetic goes through whole days since the epoch,
 * never through local time, so there are no timezone or DST bugs. Keys of four-digit years
 * sort like the dates they name, so a string compare is a date compare.
 *
 * @example
 * const first: DateKey = '2026-11-01'
 * daily({ start: first }).keysInRange('2026-10-30', '2026-11-02') // ['2026-11-01', '2026-11-02']
 */
export type DateKey = string

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/
const MS_PER_DAY = 86_400_000

/** True when `value` is a real calendar date written as `YYYY-MM-DD`. */
export function isDateKey(value: string): boolean {
  const match = DATE_PATTERN.exec(value)
  if (!match) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  if (year < 1 || month < 1 || month > 12 || day < 1) return false
  return day <= daysInMonth(year, month)
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** Parse and validate a date key; `what` names the flag or field in the error. */
export function parseDateKey(value: string, what = 'partition key'): DateKey {
  if (!DATE_PATTERN.test(value)) {
    throw new StrataError('partition', `${what} "${printable(value)}" is not a date`, 'Use a UTC date written YYYY-MM-DD, e.g. 2026-03-01.')
  }
  if (!isDateKey(value)) {
    throw new StrataError('partition', `${what} "${value}" is not a real calendar date`, 'Check the month length (and leap years); use YYYY-MM-DD.')
  }
  return value
}

/** Whole days since 1970-01-01 for a valid key. */
export function toEpochDay(key: DateKey): number {
  // Plain arithmetic (H. Hinnant's days_from_civil), not Date.UTC: Date.UTC reads years 0-99
  // as 1900-1999, and this runs in the planner's hot loop, so it should not allocate.
  const y = digits(key, 0, 4)
  const m = digits(key, 5, 2)
  const d = digits(key, 8, 2)
  const shifted = m <= 2 ? y - 1 : y
  const era = Math.floor(shifted / 400)
  const yearOfEra = shifted - era * 400
  const dayOfYear = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

/** The decimal number written by `length` ASCII digits at `at`; NaN when one is not a digit. */
function digits(text: string, at: number, length: number): number {
  let value = 0
  for (let i = at; i < at + length; i++) {
    const digit = text.charCodeAt(i) - 48
    if (!(digit >= 0 && digit <= 9)) return Number.NaN
    value = value * 10 + digit
  }
  return value
}

export function fromEpochDay(day: number): DateKey {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10)
}

export function addDays(key: DateKey, days: number): DateKey {
  return fromEpochDay(toEpochDay(key) + days)
}

/** `b - a` in days. */
export function daysBetween(a: DateKey, b: DateKey): number {
  return toEpochDay(b) - toEpochDay(a)
}

/** ISO weekday, Monday = 1 … Sunday = 7. */
export function isoWeekday(key: DateKey): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((toEpochDay(key) + 3) % 7) + 7) % 7) + 1
}

/** The Monday of the week that contains `key` (weeks start Monday). */
export function mondayOf(key: DateKey): DateKey {
  return addDays(key, 1 - isoWeekday(key))
}

/** The first Monday strictly after `key`. */
export function firstMondayAfter(key: DateKey): DateKey {
  return addDays(mondayOf(key), 7)
}

/** Every key from `from` to `to` inclusive, one day apart; empty when from > to. */
export function dateRange(from: DateKey, to: DateKey, stepDays = 1): DateKey[] {
  const out: DateKey[] = []
  for (let d = toEpochDay(from), end = toEpochDay(to); d <= end; d += stepDays) out.push(fromEpochDay(d))
  return out
}

/** The UTC date of an instant. */
export function dateKeyOf(instant: Date): DateKey {
  return instant.toISOString().slice(0, 10)
}

/** Keep error messages printable when a hostile key arrives. */
export function printable(value: string): string {
  return printableText(value, 40)
}
