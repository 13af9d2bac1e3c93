import { addDays } from '../../framework/partitions/index.js'
import { quoteIdent, sqlString } from '../../framework/sql/index.js'
import type { ColumnSpec, TableSpec } from './tables.js'
import { TIMESTAMP_FORMAT, utcTimestampSql } from './timestamp-sql.js'

/**
 * The column rules of SPEC §1 compiled to SQL, once: each rule is a list of checks (a test that a
 * non-empty value breaks it, and the reason it then gives). A record's verdict (`recordOkSql`) and
 * its exact reasons (`recordReasonSql`) are both built from that one list, so they cannot drift.
 * Queries see a record with its spec columns as VARCHAR plus `_problem` (what the tokenizer found)
 * and `_fields` (its field count); `$next_day` is bound to the day after the ingest day.
 */

const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$'
const LOWERCASE_WORD = '^[a-z][a-z0-9_]*$'
const DECIMAL = '^[+-]?([0-9]+(\\.[0-9]+)?|\\.[0-9]+)$'

/** Longest value a reason quotes; the full value is always in the quarantine's `original`. */
const REASON_VALUE_CHARS = 100

/** One way a non-empty value breaks its column's rule. */
interface Check {
  /** SQL that is TRUE when the value breaks the check, and never NULL for a non-empty value. */
  readonly fails: string
  /** SQL text of the reason. */
  readonly reason: string
}

/** `'<column>: "' || value || '" <text>'` */
function badValue(column: string, value: string, text: string): string {
  const shown = `CASE WHEN length(${value}) > ${REASON_VALUE_CHARS} THEN left(${value}, ${REASON_VALUE_CHARS}) || '…' ELSE ${value} END`
  return `${sqlString(`${column}: "`)} || ${shown} || ${sqlString(`" ${text}`)}`
}

/**
 * The checks of a column, in the order its reason reports the first that fails; `utc` is the
 * column's UTC value, for timestamps. Each is written the cheapest exact way: a list lookup rather
 * than IN (which DuckDB plans as a join above a handful of values) or a regex.
 */
function columnChecks(column: ColumnSpec, utc: string, day: string): Check[] {
  const v = quoteIdent(column.name)
  const name = column.name
  const check = (fails: string, text: string): Check => ({ fails, reason: badValue(name, v, text) })
  const rule = column.rule
  switch (rule.kind) {
    case 'id':
      return [check(`NOT regexp_full_match(${v}, ${sqlString(ID_PATTERN)})`, `is not a valid id (${ID_PATTERN})`)]
    case 'date':
      // DuckDB writes a date of years 1-9999 as YYYY-MM-DD (and no other date in 10 characters;
      // year 0000 reads as 1 BC and is written with "(BC)"), so a value that reads back to itself
      // is exactly a real calendar date in the grammar: cheaper than a regex and a cast.
      return [check(`NOT coalesce(strlen(${v}) = 10 AND CAST(TRY_CAST(${v} AS DATE) AS VARCHAR) = ${v}, FALSE)`, 'is not a real calendar date YYYY-MM-DD')]
    case 'bool':
      // Only ASCII letters lower-case to the letters of true and false.
      return [check(`NOT list_contains(['true', 'false', '1', '0'], lower(${v}))`, 'is not a boolean (true, false, 1 or 0)')]
    case 'enum':
      return [check(`NOT list_contains([${rule.values.map(sqlString).join(', ')}], ${v})`, `is not one of ${rule.values.join(', ')}`)]
    case 'lowercase_word':
      return [check(`NOT regexp_full_match(${v}, ${sqlString(LOWERCASE_WORD)})`, `is not a lowercase word (${LOWERCASE_WORD})`)]
    case 'country':
      return [check(`NOT regexp_full_match(${v}, '[A-Za-z]{2}')`, 'is not a 2-letter country code')]
    case 'currency':
      return [check(`NOT regexp_full_match(${v}, '[A-Za-z]{3}')`, 'is not a 3-letter currency code')]
    case 'positive_decimal':
      return [
        check(`NOT regexp_full_match(${v}, ${sqlString(DECIMAL)})`, 'is not a decimal ([+-]digits[.digits], no exponent or thousands separator)'),
        // Decided on the text, not on a double, so a tiny positive value is not taken for 0.
        check(`(starts_with(${v}, '-') OR NOT regexp_matches(${v}, '[1-9]'))`, 'is not greater than 0'),
        // TRY_CAST: in a verdict this is also evaluated for text that failed the grammar (the
        // conjunction is then FALSE anyway).
        check(`isinf(TRY_CAST(${v} AS DOUBLE))`, 'is too large for a double'),
      ]
    case 'timestamp': {
      const nextDay = `${addDays(day, 1)}T00:00:00Z`
      return [
        check(`${utc} IS NULL`, `is not a valid timestamp (${TIMESTAMP_FORMAT})`),
        check(`${utc} >= CAST($next_day AS TIMESTAMP)`, `is at or after ${nextDay}, the start of the day after ingest day ${day}`),
      ]
    }
  }
}

function emptySql(v: string): string {
  return `(${v} IS NULL OR ${v} = '')`
}

/** The reason a value breaks its column's rule (the first failing check), or NULL. */
function columnReasonSql(column: ColumnSpec, utc: string, day: string): string {
  const v = quoteIdent(column.name)
  const whenEmpty = column.nullable ? 'NULL' : sqlString(`${column.name}: required value is missing`)
  const branches = columnChecks(column, utc, day).map((c) => `WHEN ${c.fails} THEN ${c.reason}`)
  return `CASE WHEN ${emptySql(v)} THEN ${whenEmpty} ${branches.join(' ')} END`
}

/** TRUE exactly when `columnReasonSql` is NULL (never NULL itself). */
function columnOkSql(column: ColumnSpec, utc: string, day: string): string {
  const v = quoteIdent(column.name)
  const passes = columnChecks(column, utc, day)
    .map((c) => `NOT ${c.fails}`)
    .join(' AND ')
  return column.nullable ? `(${emptySql(v)} OR (${passes}))` : `(NOT ${emptySql(v)} AND ${passes})`
}

/** The UTC value of the column at `index`, a column of `checkedSource` for timestamps. */
function utcColumn(index: number): string {
  return `_utc${index}`
}

/** What the rules need to know of a loaded table. */
export interface CheckedTable {
  readonly spec: TableSpec
  /** SQL source of every record: `_problem`, `_fields` and the spec columns (among others). */
  readonly source: string
  /** Number of fields in the header: every record must have as many. */
  readonly headerFields: number
}

/** A table's records with the UTC value of each timestamp column, computed once per record. */
export function checkedSource(table: CheckedTable): string {
  const utc = table.spec.columns.flatMap((c, i) => (c.rule.kind === 'timestamp' ? [`${utcTimestampSql(quoteIdent(c.name))} AS ${utcColumn(i)}`] : []))
  return utc.length === 0 ? table.source : `(SELECT *, ${utc.join(', ')} FROM ${table.source})`
}

/** The reason a record of `checkedSource` is quarantined (NULL when it is valid): its problems, its field count, then every column rule. */
export function recordReasonSql(table: CheckedTable, day: string): string {
  const reasons = table.spec.columns.map((column, i) => columnReasonSql(column, utcColumn(i), day))
  return (
    `CASE WHEN _problem IS NOT NULL THEN _problem ` +
    `WHEN _fields <> ${table.headerFields} THEN 'record: expected ${table.headerFields} fields (as in the header), found ' || CAST(_fields AS VARCHAR) ` +
    `ELSE NULLIF(concat_ws('; ', ${reasons.join(', ')}), '') END`
  )
}

/** TRUE exactly for a valid record of `checkedSource` (its `recordReasonSql` is NULL). */
export function recordOkSql(table: CheckedTable, day: string): string {
  return [`_problem IS NULL`, `_fields = ${table.headerFields}`, ...table.spec.columns.map((c, i) => columnOkSql(c, utcColumn(i), day))].join(' AND ')
}
