import { StrataError } from '../errors/index.js'

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)Z$/

/**
 * Minutes after midnight UTC of a policy time written `HH:MMZ` (e.g. `03:00Z`). The `Z` is
 * required so nobody reads a deadline in their local time. `what` names the field in the error.
 */
export function parseTimeOfDay(value: string, what: string): number {
  const match = TIME_OF_DAY.exec(value)
  if (!match) throw new StrataError('definition', `${what} "${String(value).slice(0, 20)}" is not a UTC time of day`, 'Write it HH:MMZ, e.g. "03:00Z" (UTC, 24-hour clock).')
  return Number(match[1]) * 60 + Number(match[2])
}
