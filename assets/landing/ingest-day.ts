import { StrataError } from '../../framework/errors/index.js'
import { isDateKey } from '../../framework/partitions/index.js'

/** A landing day folder, `ingest_date=YYYY-MM-DD` (SPEC §1); the date still has to be a real one. */
export const DAY_FOLDER = /^ingest_date=(\d{4}-\d{2}-\d{2})$/

/** An ingest day is checked before any path or object key is built from it. */
export function assertIngestDay(day: string): void {
  if (!isDateKey(day)) throw new StrataError('partition', `ingest day "${day.slice(0, 40)}" is not a real calendar date`, 'Use a UTC date written YYYY-MM-DD, e.g. 2026-03-01.')
}
