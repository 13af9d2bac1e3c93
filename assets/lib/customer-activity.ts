import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { parseDateKey } from '../../framework/partitions/index.js'
import { sqlString, type SqlEngine } from '../../framework/sql/index.js'
import { gridSumSql } from './grid-sum.js'

/** The curated Parquet files of one ingest day that the activity aggregates read. */
export interface CuratedActivityInputs {
  readonly trades: string
  readonly channel_events: string
  readonly tickets: string
  readonly marketing: string
}

export interface CustomerActivityOptions {
  readonly db: SqlEngine
  /** Parquet paths of ONE ingest day's curated partition. */
  readonly curated: CuratedActivityInputs
  /** The ingest day (partition key) the curated files belong to. */
  readonly day: string
  readonly outputDir: string
}

/** File name of the activity output inside its partition folder. */
export const ACTIVITY_FILE = 'activity.parquet'

/**
 * Columns of `activity.parquet`, in file order. Every measure is additive over days, so a
 * rolling window is the sum of its days' rows.
 */
export const ACTIVITY_COLUMNS = [
  { name: 'customer_id', type: 'VARCHAR' },
  { name: 'event_date', type: 'DATE' },
  { name: 'trades_total', type: 'BIGINT' },
  { name: 'trades_digital', type: 'BIGINT' },
  { name: 'notional_sum', type: 'DOUBLE' },
  { name: 'app_logins', type: 'BIGINT' },
  { name: 'webinars', type: 'BIGINT' },
  { name: 'tickets_total', type: 'BIGINT' },
  { name: 'tickets_resolved_digital', type: 'BIGINT' },
  { name: 'packed_counts', type: 'BIGINT' },
  { name: 'counts_check', type: 'BIGINT' },
] as const

/**
 * Bit fields of `packed_counts`: the row's counts side by side in one BIGINT, plus a 1 that
 * counts the row itself. Summing one packed column per customer is much cheaper than summing
 * six columns (features' window sums over ~1M rows a day), and a sum of packed values is the
 * packed sum of each field as long as no field carries into the next. `counts_check` (the plain
 * sum of the same fields) proves that: a carry only ever lowers the total of the unpacked
 * fields, so "unpacked total = sum of counts_check" holds exactly when no field carried.
 *
 * The top field may grow past bit 63 (sums of BIGINT are HUGEINT). A row whose counts do not
 * fit their fields gets a NULL `packed_counts`, which the check also catches (its 1 is missing).
 */
export const PACKED_COUNT_FIELDS = [
  { name: 'activity_rows', shift: 0, bits: 12 },
  { name: 'webinars', shift: 12, bits: 10 },
  { name: 'tickets_total', shift: 22, bits: 10 },
  { name: 'tickets_resolved_digital', shift: 32, bits: 10 },
  { name: 'trades_digital', shift: 42, bits: 10 },
  { name: 'trades_total', shift: 52, bits: 11 },
] as const

/** The packed field that sits on top, whose sum is unbounded. */
export const PACKED_TOP_FIELD = PACKED_COUNT_FIELDS[PACKED_COUNT_FIELDS.length - 1]!

/** `packed_counts` of an activity row whose columns are in scope (NULL when a count does not fit its field). */
function packedCountsSql(): string {
  const value = (name: string): string => (name === 'activity_rows' ? '1' : name)
  const fits = PACKED_COUNT_FIELDS.filter((f) => f.name !== 'activity_rows')
    .map((f) => `${f.name} < ${2 ** f.bits}`)
    .join(' AND ')
  const sum = PACKED_COUNT_FIELDS.map((f) => `${value(f.name)} * ${2 ** f.shift}::BIGINT`).join(' + ')
  return `CASE WHEN ${fits} THEN (${sum})::BIGINT END`
}

/** Trade and login channels that count as digital (SPEC §3). */
export const DIGITAL_CHANNELS = ['app', 'web'] as const
/** Ticket resolutions that count as digital (SPEC §3). */
export const DIGITAL_RESOLUTIONS = ['app', 'web', 'chat'] as const

const sqlIn = (values: readonly string[]): string => `(${values.map(sqlString).join(', ')})`

// Tags for the rows of the union below; one aggregation pass then splits them into columns.
const TRADE = 1
const LOGIN = 2
const WEBINAR = 3
const TICKET = 4

/**
 * The customer-day aggregates of one ingest day: one row per (customer_id, event_date) seen in
 * that day's increments, with the additive counts the features (SPEC §3) are sums of. Late
 * rows keep their own event date, so they land in the right window later.
 *
 * Only rows that feed a feature are aggregated (logins on app/web, webinars, all trades and
 * tickets); a customer-day with nothing countable has no row.
 *
 * Writes `<outputDir>/activity.parquet`, ordered by event_date, customer_id.
 *
 * @example
 * await materializeCustomerActivity({ db, curated: { trades, channel_events, tickets, marketing }, day: '2026-03-01', outputDir })
 */
export async function materializeCustomerActivity(options: CustomerActivityOptions): Promise<{ rows: number }> {
  const { db, curated, outputDir } = options
  const day = parseDateKey(options.day, 'activity partition')
  const output = join(outputDir, ACTIVITY_FILE)
  await mkdir(outputDir, { recursive: true })

  try {
    await db.run(copyCustomerDaysSql(curated, output))
  } catch (error) {
    throw inputError(day, curated, error)
  }

  const [summary] = await db.all<{ rows: bigint; future: bigint; missing_keys: bigint; first_future: Date | null }>(activitySummarySql(output), { day })
  if (!summary) throw new StrataError('compute', `activity ${day}: could not read back ${output}`)
  // Curated guarantees both; if it ever does not, features would count the wrong days, so stop
  // here rather than let the rows flow into 90 later windows.
  if (summary.future > 0n) {
    const first = summary.first_future?.toISOString().slice(0, 10) ?? '?'
    throw new StrataError(
      'input',
      `activity ${day}: ${summary.future} customer-days in curated ${day} have an event date after the ingest day (first: ${first})`,
      `Rows dated after their ingest day belong in curated's quarantine; rebuild curated for ${day}.`,
    )
  }
  if (summary.missing_keys > 0n) {
    throw new StrataError(
      'input',
      `activity ${day}: ${summary.missing_keys} customer-days in curated ${day} have no customer_id or event_date`,
      `customer_id and the event date are required in curated rows; rebuild curated for ${day}.`,
    )
  }
  return { rows: Number(summary.rows) }
}

/**
 * Writes activity.parquet: the tagged union of the four curated tables' countable rows, summed per
 * (customer_id, event_date), with the packed counts and their check.
 */
function copyCustomerDaysSql(curated: CuratedActivityInputs, output: string): string {
  // hive_partitioning off: curated files live under dt=… folders, and an inferred `dt` column
  // must not leak into (or clash with) the columns read here.
  const read = (file: string): string => `read_parquet(${sqlString(file)}, hive_partitioning = false)`
  const digital = sqlIn(DIGITAL_CHANNELS)
  return `
    COPY (
      WITH tagged AS (
        SELECT customer_id, event_date::DATE AS event_date, ${TRADE} AS kind,
               channel IN ${digital} AS digital, notional::DOUBLE AS notional
          FROM ${read(curated.trades)}
        UNION ALL
        SELECT customer_id, event_date::DATE, ${LOGIN}, NULL, NULL
          FROM ${read(curated.channel_events)}
         WHERE event = 'login' AND channel IN ${digital}
        UNION ALL
        SELECT customer_id, event_date::DATE, ${WEBINAR}, NULL, NULL
          FROM ${read(curated.marketing)}
         WHERE event = 'webinar_attended'
        UNION ALL
        SELECT customer_id, event_date::DATE, ${TICKET},
               coalesce(resolved_via IN ${sqlIn(DIGITAL_RESOLUTIONS)}, false), NULL
          FROM ${read(curated.tickets)}
      )
      , daily AS (
        SELECT customer_id,
               event_date,
               count(*) FILTER (WHERE kind = ${TRADE})::BIGINT AS trades_total,
               count(*) FILTER (WHERE kind = ${TRADE} AND digital)::BIGINT AS trades_digital,
               -- Order-free (grid-sum.ts), so reruns give the same bytes whatever DuckDB's threads do.
               coalesce(${gridSumSql('notional')}, 0)::DOUBLE AS notional_sum,
               count(*) FILTER (WHERE kind = ${LOGIN})::BIGINT AS app_logins,
               count(*) FILTER (WHERE kind = ${WEBINAR})::BIGINT AS webinars,
               count(*) FILTER (WHERE kind = ${TICKET})::BIGINT AS tickets_total,
               count(*) FILTER (WHERE kind = ${TICKET} AND digital)::BIGINT AS tickets_resolved_digital
          FROM tagged
         GROUP BY customer_id, event_date
      )
      SELECT *,
             ${packedCountsSql()} AS packed_counts,
             (1 + trades_total + trades_digital + webinars + tickets_total + tickets_resolved_digital)::BIGINT AS counts_check
        FROM daily
       ORDER BY event_date, customer_id
    ) TO ${sqlString(output)} (FORMAT parquet)`
}

/** One row: rows, customer-days dated after `$day` (and the first), and rows without customer_id or event_date. */
function activitySummarySql(activityFile: string): string {
  return `
    SELECT count(*) AS rows,
           count(*) FILTER (WHERE event_date > $day::DATE) AS future,
           count(*) FILTER (WHERE customer_id IS NULL OR event_date IS NULL) AS missing_keys,
           min(event_date) FILTER (WHERE event_date > $day::DATE) AS first_future
    FROM read_parquet(${sqlString(activityFile)})`
}

function inputError(day: string, curated: CuratedActivityInputs, error: unknown): StrataError {
  const message = error instanceof Error ? error.message : String(error)
  const files = Object.entries(curated)
    .map(([table, file]) => `${table}=${file}`)
    .join(', ')
  return new StrataError(
    'input',
    `activity ${day}: could not aggregate the curated partition (${files}): ${message}`,
    `Check that curated ${day} is committed with all four tables and the columns of SPEC §1; rebuild it with \`strata materialize curated --partition ${day}\`.`,
    { cause: error },
  )
}
