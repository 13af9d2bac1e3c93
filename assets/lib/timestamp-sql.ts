import { sqlString } from '../../framework/sql/index.js'

/**
 * The SPEC §1 timestamp as SQL: the grammar raw checks it against, and its UTC value, which raw
 * compares with the next day and curated stores.
 */

// Hour, minute and second ranges live in the pattern because DuckDB would accept 24:00:00. No
// capture groups: RE2 answers a plain match about twice as fast as one that extracts groups.
const TIMESTAMP = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]+)?)?(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])$'

/** The timestamp grammar, for messages. */
export const TIMESTAMP_FORMAT = 'YYYY-MM-DDTHH:MM[:SS[.fraction]] then Z, ±HH:MM or ±HHMM'

/**
 * The UTC TIMESTAMP of a value that follows the timestamp grammar, or NULL when it is not a real
 * calendar value; for any other text the result means nothing (but never raises). DuckDB reads
 * text with a zone (`Z`, `±HH:MM`, `±HHMM`) as an instant: its core cast applies the offset, and
 * ICU, when loaded, does the same whatever the session's TimeZone (checked with Asia/Kolkata). It
 * truncates a fraction beyond microseconds (which can never
 * move a value across midnight); its epoch is that instant's UTC wall time. Only seconds must be
 * supplied when absent (the 17th character is not `:`), and year 0000 refused, which DuckDB would
 * read. Four times cheaper than a regex that extracts the parts and rebuilds the text (the test
 * holds that reading as its oracle).
 */
export function utcFromTimestampSql(value: string): string {
  const v = value
  const withSeconds = `CASE WHEN ${v}[17] = ':' THEN ${v} ELSE ${v}[:16] || ':00' || ${v}[17:] END`
  return `CASE WHEN starts_with(${v}, '0000') THEN NULL ELSE make_timestamp(epoch_us(TRY_CAST(${withSeconds} AS TIMESTAMPTZ))) END`
}

/** The UTC TIMESTAMP of any text: NULL unless it follows the timestamp grammar and is a real calendar value. */
export function utcTimestampSql(value: string): string {
  return `CASE WHEN regexp_full_match(${value}, ${sqlString(TIMESTAMP)}) THEN ${utcFromTimestampSql(value)} END`
}
