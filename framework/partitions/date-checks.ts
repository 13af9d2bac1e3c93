import { StrataError } from '../errors/index.js'
import { isDateKey, parseDateKey, printable, type DateKey } from './date-key.js'

/**
 * Parse a date given in a partitions definition (`start`, `end`). A bad value there is a
 * mistake in the definitions, not in a user's `--partition`, so it is reported as 'definition'.
 * @internal
 */
export function parseDefinitionDate(value: unknown, what: string): DateKey {
  if (typeof value !== 'string') {
    throw new StrataError('definition', `${what} must be a date string, got ${typeof value}`, 'Write the date as a UTC YYYY-MM-DD string, e.g. 2026-03-01.')
  }
  try {
    return parseDateKey(value, what)
  } catch (error) {
    if (error instanceof StrataError) throw new StrataError('definition', error.message, error.hint, { cause: error })
    throw error
  }
}

/** `end` must not come before `start`; both are valid keys. @internal */
export function assertOrdered(start: DateKey, end: DateKey | undefined, factory: string): void {
  if (end !== undefined && end < start) {
    throw new StrataError('definition', `${factory} end ${end} is before its start ${start}`, 'Give an end on or after the start, or leave the end out for an open-ended definition.')
  }
}

/**
 * Throw StrataError('partition') unless `key` is a real calendar date; shared by daily() and weekly().
 * @internal
 */
export function assertDate(key: string, asset: string): void {
  if (isDateKey(key)) return
  if (/^\d{4}-\d{2}-\d{2}$/.test(key)) {
    throw new StrataError(
      'partition',
      `partition ${key} is not a real calendar date (asset ${asset})`,
      'Check the month length (February has 28 days, 29 in leap years) and write the date as YYYY-MM-DD.',
    )
  }
  throw new StrataError('partition', `partition "${printable(String(key))}" is not a date (asset ${asset})`, 'Use a UTC date written YYYY-MM-DD, e.g. 2026-03-01.')
}

/**
 * Throw StrataError('definition') unless `days` is a whole number ≥ 1.
 * @internal
 */
export function assertWholeDays(days: number, factory: string, example: string): void {
  if (Number.isInteger(days) && days >= 1) return
  throw new StrataError(
    'definition',
    `${factory}(${printable(String(days))}) needs a whole number of days ≥ 1`,
    `Pass the window length in days, e.g. ${example}.`,
  )
}
