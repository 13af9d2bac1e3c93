import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { parseDateKey, toEpochDay } from '../../framework/partitions/index.js'
import { sqlString, sqlStringList, type DuckDb } from '../../resources/duckdb.js'
import { gridSumSql } from './grid-sum.js'
import { PACKED_COUNT_FIELDS, PACKED_TOP_FIELD } from './customer-activity.js'

/** One committed partition of the activity asset. */
export interface ActivityPartition {
  /** Its ingest day, `YYYY-MM-DD`. */
  readonly partition: string
  readonly file: string
}

export interface FeaturesOptions {
  readonly db: DuckDb
  /** The partition being built, `D`. */
  readonly day: string
  /** Activity of the ingest days D-89..D that exist; anything outside that range is ignored. */
  readonly activity: readonly ActivityPartition[]
  /** Curated customers snapshot of D. */
  readonly customersFile: string
  /** Curated statements snapshot of D. */
  readonly statementsFile: string
  readonly outputDir: string
}

/** What a features partition records about itself (also its manifest metadata). */
export type FeaturesMetadata = {
  /** Rows written: the customers of the snapshot of D. */
  readonly customers: number
  readonly customers_with_trades_90d: number
  readonly activity_partitions_read: number
  /** null when no activity partition was in range. */
  readonly first_partition_read: string | null
  readonly last_partition_read: string | null
  /** Passed activity partitions outside D-89..D, which were not read. */
  readonly activity_partitions_ignored: number
  /**
   * Rows of the activity partitions read (one per customer, event date and ingest day) in the
   * 90-day window whose customer is not in the snapshot of D; they count in no feature.
   */
  readonly unknown_customer_activity_rows: number
  /** Distinct customers behind those rows. */
  readonly unknown_customers: number
}

/** File name of the features output inside its partition folder. */
export const FEATURES_FILE = 'features.parquet'

/** Columns of `features.parquet`, in file order (SPEC §3 and §8). */
export const FEATURE_COLUMNS = [
  { name: 'customer_id', type: 'VARCHAR' },
  { name: 'trades_total_90d', type: 'BIGINT' },
  { name: 'trades_digital_90d', type: 'BIGINT' },
  { name: 'pct_trades_digital_90d', type: 'DOUBLE' },
  { name: 'avg_notional_90d', type: 'DOUBLE' },
  { name: 'app_logins_30d', type: 'BIGINT' },
  { name: 'webinars_90d', type: 'BIGINT' },
  { name: 'e_statement_flag', type: 'INTEGER' },
  { name: 'robo_advice_flag', type: 'INTEGER' },
  { name: 'alerts_enabled_flag', type: 'INTEGER' },
  { name: 'tickets_total_90d', type: 'BIGINT' },
  { name: 'tickets_resolved_digital_90d', type: 'BIGINT' },
  { name: 'pct_tickets_resolved_digital_90d', type: 'DOUBLE' },
  { name: 'tenure_days', type: 'INTEGER' },
] as const

/** The long window (days, inclusive of D): 90d = [D-89, D]; also the ingest days read. */
export const LONG_WINDOW_DAYS = 90
/** The short window: 30d = [D-29, D]. */
export const SHORT_WINDOW_DAYS = 30

// Per-customer 90-day sums live in a temp table so the activity files are scanned once, for
// both the output and the unknown-customer count; it is private to the step's own connection.
const WINDOW_TABLE = 'features_window_sums'

/** Zero rows with the activity schema, for a day with no activity partition in range. */
const NO_ACTIVITY = `(SELECT NULL::VARCHAR AS customer_id, NULL::DATE AS event_date, NULL::BIGINT AS trades_total,
  NULL::BIGINT AS trades_digital, NULL::DOUBLE AS notional_sum, NULL::BIGINT AS app_logins, NULL::BIGINT AS webinars,
  NULL::BIGINT AS tickets_total, NULL::BIGINT AS tickets_resolved_digital, NULL::BIGINT AS packed_counts,
  NULL::BIGINT AS counts_check LIMIT 0)`

/** The window's rows of the activity source, with the 30-day login column beside the 90-day sums. */
const IN_WINDOW = `event_date BETWEEN $day::DATE - $long_back::INTEGER AND $day::DATE`
const APP_LOGINS_30D = `coalesce(sum(app_logins) FILTER (WHERE event_date >= $day::DATE - $short_back::INTEGER), 0)::BIGINT AS app_logins`

/**
 * Window sums from the packed counts (see `PACKED_COUNT_FIELDS`): one HUGEINT sum per customer
 * instead of six, split back into fields below. `exact` is false for a customer whose fields
 * carried (or who has a row too big to pack); the caller then recomputes column by column.
 */
function packedWindowSql(source: string): string {
  const lowBits = PACKED_TOP_FIELD.shift
  const field = (f: (typeof PACKED_COUNT_FIELDS)[number]): string =>
    f === PACKED_TOP_FIELD ? `high AS ${f.name}` : `(low >> ${f.shift}) & ${2 ** f.bits - 1} AS ${f.name}`
  const names = PACKED_COUNT_FIELDS.map((f) => f.name)
  return `SELECT customer_id, ${PACKED_COUNT_FIELDS.map(field).join(', ')}, notional_sum, app_logins,
                 ${names.map((n) => `(${n})`).join(' + ')} = checked AS exact
            FROM (SELECT customer_id, (packed & ${2n ** BigInt(lowBits) - 1n})::BIGINT AS low, (packed >> ${lowBits})::BIGINT AS high,
                         checked, notional_sum, app_logins
                    FROM (SELECT customer_id,
                                 coalesce(sum(packed_counts), 0) AS packed,
                                 sum(counts_check) AS checked,
                                 ${gridSumSql('notional_sum')}::DOUBLE AS notional_sum,
                                 ${APP_LOGINS_30D}
                            FROM ${source}
                           WHERE ${IN_WINDOW}
                           GROUP BY customer_id))`
}

/** The same window sums, one column at a time: the general path when the packed fields do not suffice. */
function columnWindowSql(source: string): string {
  return `SELECT customer_id,
                 count(*) AS activity_rows,
                 sum(webinars)::BIGINT AS webinars,
                 sum(tickets_total)::BIGINT AS tickets_total,
                 sum(tickets_resolved_digital)::BIGINT AS tickets_resolved_digital,
                 sum(trades_digital)::BIGINT AS trades_digital,
                 sum(trades_total)::BIGINT AS trades_total,
                 ${gridSumSql('notional_sum')}::DOUBLE AS notional_sum,
                 ${APP_LOGINS_30D},
                 true AS exact
            FROM ${source}
           WHERE ${IN_WINDOW}
           GROUP BY customer_id`
}

/**
 * The features of SPEC §3 as of `day` (D), one row per customer of the customers snapshot of D,
 * ordered by customer_id, written to `<outputDir>/features.parquet`.
 *
 * Windows are sums of the daily activity aggregates (see `materializeCustomerActivity`), so a
 * day costs one scan of ≤ 90 small files. Only ingest days D-89..D are read and only event
 * dates up to D count: a partition ingested after D never changes features(D).
 *
 * @example
 * const meta = await materializeFeatures({ db, day: '2026-03-01', activity, customersFile, statementsFile, outputDir })
 */
export async function materializeFeatures(options: FeaturesOptions): Promise<FeaturesMetadata> {
  const { db, customersFile, statementsFile, outputDir } = options
  const day = parseDateKey(options.day, 'features partition')
  const { read, ignored } = partitionsInRange(day, options.activity)
  const output = join(outputDir, FEATURES_FILE)
  await mkdir(outputDir, { recursive: true })

  const activitySource = read.length > 0 ? `read_parquet(${sqlStringList(read.map((p) => p.file))}, hive_partitioning = false)` : NO_ACTIVITY
  const customers = `read_parquet(${sqlString(customersFile)}, hive_partitioning = false)`
  const statements = `read_parquet(${sqlString(statementsFile)}, hive_partitioning = false)`
  const windowParams = { day, long_back: LONG_WINDOW_DAYS - 1, short_back: SHORT_WINDOW_DAYS - 1 }

  const conn = await db.connect()
  try {
    try {
      await conn.run(`CREATE OR REPLACE TEMP TABLE ${WINDOW_TABLE} AS ${packedWindowSql(activitySource)}`, windowParams)
      const [packed] = await conn.all<{ inexact: bigint }>(`SELECT count(*) FILTER (WHERE NOT exact) AS inexact FROM ${WINDOW_TABLE}`)
      if ((packed?.inexact ?? 0n) > 0n) await conn.run(`CREATE OR REPLACE TEMP TABLE ${WINDOW_TABLE} AS ${columnWindowSql(activitySource)}`, windowParams)
    } catch (error) {
      throw readError(`activity partitions ${describeRange(read)}`, day, error, 'Rebuild the missing or unreadable customer_activity partitions first.')
    }

    let rowsWritten: bigint
    try {
      const [copied] = await conn.all<{ Count: bigint }>(
        `COPY (
           SELECT c.customer_id::VARCHAR AS customer_id,
                  coalesce(w.trades_total, 0)::BIGINT AS trades_total_90d,
                  coalesce(w.trades_digital, 0)::BIGINT AS trades_digital_90d,
                  (CASE WHEN w.trades_total > 0 THEN w.trades_digital::DOUBLE / w.trades_total ELSE 0 END)::DOUBLE AS pct_trades_digital_90d,
                  (CASE WHEN w.trades_total > 0 THEN w.notional_sum / w.trades_total ELSE 0 END)::DOUBLE AS avg_notional_90d,
                  coalesce(w.app_logins, 0)::BIGINT AS app_logins_30d,
                  coalesce(w.webinars, 0)::BIGINT AS webinars_90d,
                  (CASE WHEN s.delivery_mode = 'electronic' THEN 1 ELSE 0 END)::INTEGER AS e_statement_flag,
                  (CASE WHEN c.has_robo_advice THEN 1 ELSE 0 END)::INTEGER AS robo_advice_flag,
                  (CASE WHEN c.alerts_enabled THEN 1 ELSE 0 END)::INTEGER AS alerts_enabled_flag,
                  coalesce(w.tickets_total, 0)::BIGINT AS tickets_total_90d,
                  coalesce(w.tickets_resolved_digital, 0)::BIGINT AS tickets_resolved_digital_90d,
                  (CASE WHEN w.tickets_total > 0 THEN w.tickets_resolved_digital::DOUBLE / w.tickets_total ELSE 0 END)::DOUBLE
                    AS pct_tickets_resolved_digital_90d,
                  ($day::DATE - c.signup_date::DATE)::INTEGER AS tenure_days
             FROM ${customers} c
             LEFT JOIN ${WINDOW_TABLE} w ON w.customer_id = c.customer_id
             LEFT JOIN ${statements} s ON s.customer_id = c.customer_id
            ORDER BY c.customer_id
         ) TO ${sqlString(output)} (FORMAT parquet)`,
        { day },
      )
      rowsWritten = copied?.Count ?? 0n
    } catch (error) {
      throw readError(`snapshots ${customersFile}, ${statementsFile}`, day, error, `Rebuild curated for ${day} so its customers and statements snapshots are readable.`)
    }

    // Counted from the window sums and the snapshot rather than by reading the output back: the
    // output's ids are the snapshot's, its rows are what COPY reports, and (with unique ids) its
    // customers with trades are the snapshot customers among the window sums with trades.
    const [stats] = await conn.all<{ ids: bigint; with_trades: bigint; unknown_customers: bigint; unknown_rows: bigint }>(
      `SELECT (SELECT count(DISTINCT customer_id) FROM ${customers}) AS ids,
              count(*) FILTER (WHERE known AND trades_total > 0) AS with_trades,
              count(*) FILTER (WHERE NOT known) AS unknown_customers,
              coalesce(sum(activity_rows) FILTER (WHERE NOT known), 0)::BIGINT AS unknown_rows
         FROM (SELECT w.trades_total, w.activity_rows, EXISTS (SELECT 1 FROM ${customers} c WHERE c.customer_id = w.customer_id) AS known
                 FROM ${WINDOW_TABLE} w)`,
    )
    if (!stats) throw new StrataError('compute', `features ${day}: could not count the window sums of ${output}`)
    if (rowsWritten !== stats.ids) {
      // A duplicate id in either snapshot would multiply the customer's row through the join.
      throw new StrataError(
        'input',
        `features ${day}: ${rowsWritten - stats.ids} duplicate customer_id rows from the snapshots ${customersFile} / ${statementsFile}`,
        `A snapshot holds one row per customer_id; rebuild curated for ${day}, which keeps the first row of each id.`,
      )
    }

    return {
      customers: Number(rowsWritten),
      customers_with_trades_90d: Number(stats.with_trades),
      activity_partitions_read: read.length,
      first_partition_read: read[0]?.partition ?? null,
      last_partition_read: read.at(-1)?.partition ?? null,
      activity_partitions_ignored: ignored,
      unknown_customer_activity_rows: Number(stats.unknown_rows),
      unknown_customers: Number(stats.unknown_customers),
    }
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${WINDOW_TABLE}`).catch(() => undefined)
    conn.close()
  }
}

/**
 * The passed partitions inside D-89..D, ascending and validated. The caller's lookback mapping
 * should pass exactly those, but features(D) must never see a later ingest day, so the range
 * is enforced here too.
 */
function partitionsInRange(day: string, activity: readonly ActivityPartition[]): { read: ActivityPartition[]; ignored: number } {
  const last = toEpochDay(day)
  const first = last - (LONG_WINDOW_DAYS - 1)
  const byPartition = new Map<string, ActivityPartition>()
  let ignored = 0
  for (const entry of activity) {
    const key = parseDateKey(entry.partition, 'activity partition')
    const epochDay = toEpochDay(key)
    if (epochDay < first || epochDay > last) {
      ignored++
      continue
    }
    const seen = byPartition.get(key)
    if (seen && seen.file !== entry.file) {
      // Reading both would count that day twice.
      throw new StrataError(
        'input',
        `features ${day}: activity partition ${key} was passed twice, as ${seen.file} and ${entry.file}`,
        'Pass one file per activity partition.',
      )
    }
    byPartition.set(key, entry)
  }
  const read = [...byPartition.values()].sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0))
  return { read, ignored }
}

function describeRange(read: readonly ActivityPartition[]): string {
  const first = read[0]
  const last = read.at(-1)
  return first && last ? `${first.partition}..${last.partition}` : '(none)'
}

function readError(what: string, day: string, error: unknown, hint: string): StrataError {
  const message = error instanceof Error ? error.message : String(error)
  return new StrataError('input', `features ${day}: could not read ${what}: ${message}`, hint, { cause: error })
}
