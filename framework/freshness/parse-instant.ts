import { StrataError } from '../errors/index.js'

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

/**
 * Parse an instant given on the command line (`--at`): ISO-8601 with a zone, e.g.
 * `2026-03-02T03:30:00Z` or `2026-03-02T04:30+01:00`. A time without a zone is refused rather
 * than read in the machine's local time, which differs between a laptop and a container.
 */
export function parseInstant(value: string, what = '--at'): Date {
  const shown = String(value).replace(/[^\x20-\x7e]/g, '?').slice(0, 40)
  const millis = ISO_WITH_ZONE.test(value) ? Date.parse(value) : Number.NaN
  // Date.parse rolls 2026-02-30 over to March; a round trip of the date part catches it.
  if (Number.isNaN(millis) || !sameCalendarDate(value, millis)) {
    throw new StrataError('usage', `${what} "${shown}" is not an ISO-8601 time with a zone`, `e.g. ${what} 2026-03-02T03:30:00Z or ${what} 2026-03-02T04:30:00+01:00`)
  }
  return new Date(millis)
}

function sameCalendarDate(value: string, millis: number): boolean {
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(value)
  const shiftMinutes = offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0
  return new Date(millis + shiftMinutes * 60_000).toISOString().slice(0, 10) === value.slice(0, 10)
}
