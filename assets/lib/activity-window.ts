import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { addDays, parseDateKey, toEpochDay } from '../../framework/partitions/index.js'
import { sqlString, sqlStringList, type SqlEngine } from '../../framework/sql/index.js'
import { GRID, gridSumSql, onGridSql } from './grid-sum.js'
import { PACKED_COUNT_FIELDS, PACKED_TOP_FIELD } from './customer-activity.js'

/** One committed partition of the activity asset. */
export interface ActivityPartition {
  /** Its ingest day, `YYYY-MM-DD`. */
  readonly partition: string
  readonly file: string
}

export interface ActivityWindowOptions {
  readonly db: SqlEngine
  /** The partition being built, `D`. */
  readonly day: string
  /**
   * Activity of the ingest days D-90..D that exist (D-90 is only read to retire its rows from
   * yesterday's window); anything outside that range is ignored.
   */
  readonly activity: readonly ActivityPartition[]
  /** `window.parquet` of activity_window(D-1), when it exists; without it the window is summed from scratch. */
  readonly previousFile?: string
  readonly outputDir: string
}

/** What an activity_window partition records about itself (also its manifest metadata). */
export type ActivityWindowMetadata = {
  /** Rows written: customers with at least one activity row in the 90-day window. */
  readonly customers: number
  /** `incremental` (yesterday's window plus today's change) or `full` (summed over the 90 ingest days). */
  readonly computed: 'incremental' | 'full'
  /** Why the window was summed from scratch; null when incremental. */
  readonly full_reason: string | null
  /** Activity partitions of D-89..D the window covers. */
  readonly activity_partitions_read: number
  /** null when no activity partition was in range. */
  readonly first_partition_read: string | null
  readonly last_partition_read: string | null
  /** Passed activity partitions outside D-89..D, which count in no sum of this window. */
  readonly activity_partitions_ignored: number
}

/** File name of the window output inside its partition folder. */
export const WINDOW_FILE = 'window.parquet'

/**
 * Columns of `window.parquet`, in file order: per customer, the sums over the activity rows of
 * ingest days D-89..D with event date in the 90-day window (logins: the 30-day window).
 * `notional_grid_high` · 2^63 + `notional_grid_low` is the exact integer sum of grid-sum.ts
 * (notional × 2^40, rounded per activity row): two BIGINTs because DuckDB writes HUGEINT to
 * Parquet as DOUBLE, and reading a DECIMAL(38,0) back into HUGEINT costs ~20× more. Both are NULL
 * when the customer's window is not exact on the grid (then `notional_sum` is grid-sum's fsum
 * fallback) or the sum needs more than 126 bits. `notional_sum` is the value features divides by
 * trades_total.
 */
export const WINDOW_COLUMNS = [
  { name: 'customer_id', type: 'VARCHAR' },
  { name: 'activity_rows', type: 'BIGINT' },
  { name: 'trades_total', type: 'BIGINT' },
  { name: 'trades_digital', type: 'BIGINT' },
  { name: 'webinars', type: 'BIGINT' },
  { name: 'tickets_total', type: 'BIGINT' },
  { name: 'tickets_resolved_digital', type: 'BIGINT' },
  { name: 'app_logins_30d', type: 'BIGINT' },
  { name: 'notional_grid_high', type: 'BIGINT' },
  { name: 'notional_grid_low', type: 'BIGINT' },
  { name: 'notional_sum', type: 'DOUBLE' },
] as const

/** The long window (days, inclusive of D): 90d = [D-89, D]; also the ingest days summed. */
export const LONG_WINDOW_DAYS = 90
/** The short window: 30d = [D-29, D]. */
export const SHORT_WINDOW_DAYS = 30

const gridToDouble = (grid: string): string => `CAST(${grid} AS DOUBLE) / ${GRID}`
const LOW_BITS = '9223372036854775807' // 2^63 - 1
const HIGH_UNIT = '9223372036854775808' // 2^63
const gridOf = (p: string): string => `(CAST(${p}.notional_grid_high AS HUGEINT) * ${HIGH_UNIT} + ${p}.notional_grid_low)`

// The new window is built in a temp table (private to the step's connection) so its safety
// flags can be checked before anything is written. Three queries below build it and must give
// the same rows: incrementalWindowSql (yesterday's window plus today's change), packedWindowSql
// (the fast from-scratch sums) and columnWindowSql (the exact from-scratch sums); the step falls
// back from each to the next when its flags say so (test/assets/activity-window.test.ts holds
// the carried window to the from-scratch one, off-grid notionals included).
const WINDOW_TABLE = 'activity_window_sums'

/** Zero rows with the activity schema, for a day with no activity partition in range. */
const NO_ACTIVITY = `(SELECT NULL::VARCHAR AS customer_id, NULL::DATE AS event_date, NULL::BIGINT AS trades_total,
  NULL::BIGINT AS trades_digital, NULL::DOUBLE AS notional_sum, NULL::BIGINT AS app_logins, NULL::BIGINT AS webinars,
  NULL::BIGINT AS tickets_total, NULL::BIGINT AS tickets_resolved_digital, NULL::BIGINT AS packed_counts,
  NULL::BIGINT AS counts_check LIMIT 0)`

const IN_WINDOW = `event_date BETWEEN $day::DATE - $long_back::INTEGER AND $day::DATE`
const APP_LOGINS_30D = `coalesce(sum(app_logins) FILTER (WHERE event_date >= $day::DATE - $short_back::INTEGER), 0)::BIGINT AS app_logins_30d`
const COUNT_NAMES = ['activity_rows', 'trades_total', 'trades_digital', 'webinars', 'tickets_total', 'tickets_resolved_digital'] as const

/** The window table's columns from `grid` (HUGEINT sum), `on_grid` and `notional_fallback` (the sum when not on grid). */
const FINAL_COLUMNS = `customer_id, ${COUNT_NAMES.join(', ')}, app_logins_30d,
  CASE WHEN on_grid THEN TRY_CAST(grid >> 63 AS BIGINT) END AS notional_grid_high,
  CASE WHEN on_grid AND TRY_CAST(grid >> 63 AS BIGINT) IS NOT NULL THEN (grid & ${LOW_BITS})::BIGINT END AS notional_grid_low,
  CASE WHEN on_grid THEN ${gridToDouble('grid')} ELSE notional_fallback END AS notional_sum`

/**
 * From-scratch sums from the packed counts (see `PACKED_COUNT_FIELDS`): one HUGEINT sum per
 * customer instead of six. `exact` is false for a customer whose fields carried (or who has a row
 * too big to pack) or whose notional is off the grid; the caller then uses `columnWindowSql`.
 */
function packedWindowSql(source: string): string {
  const lowBits = PACKED_TOP_FIELD.shift
  const field = (f: (typeof PACKED_COUNT_FIELDS)[number]): string =>
    f === PACKED_TOP_FIELD ? `high AS ${f.name}` : `(low >> ${f.shift}) & ${2 ** f.bits - 1} AS ${f.name}`
  const names = PACKED_COUNT_FIELDS.map((f) => f.name)
  return `SELECT customer_id, ${PACKED_COUNT_FIELDS.map(field).join(', ')}, app_logins_30d, grid, on_grid, NULL::DOUBLE AS notional_fallback,
                 ${names.map((n) => `(${n})`).join(' + ')} = checked AND on_grid AS exact
            FROM (SELECT customer_id, (packed & ${2n ** BigInt(lowBits) - 1n})::BIGINT AS low, (packed >> ${lowBits})::BIGINT AS high,
                         checked, grid, on_grid, app_logins_30d
                    FROM (SELECT customer_id,
                                 coalesce(sum(packed_counts), 0) AS packed,
                                 sum(counts_check) AS checked,
                                 CAST(sum(${onGridSql('notional_sum')}) AS HUGEINT) AS grid,
                                 count(${onGridSql('notional_sum')}) = count(notional_sum) AS on_grid,
                                 ${APP_LOGINS_30D}
                            FROM ${source}
                           WHERE ${IN_WINDOW}
                           GROUP BY customer_id))`
}

/** The same sums, one column at a time, with grid-sum's fsum fallback: the general path. */
function columnWindowSql(source: string): string {
  return `SELECT customer_id,
                 count(*) AS activity_rows,
                 sum(trades_total)::BIGINT AS trades_total,
                 sum(trades_digital)::BIGINT AS trades_digital,
                 sum(webinars)::BIGINT AS webinars,
                 sum(tickets_total)::BIGINT AS tickets_total,
                 sum(tickets_resolved_digital)::BIGINT AS tickets_resolved_digital,
                 ${APP_LOGINS_30D},
                 CAST(sum(${onGridSql('notional_sum')}) AS HUGEINT) AS grid,
                 count(${onGridSql('notional_sum')}) = count(notional_sum) AS on_grid,
                 ${gridSumSql('notional_sum')}::DOUBLE AS notional_fallback,
                 true AS exact
            FROM ${source}
           WHERE ${IN_WINDOW}
           GROUP BY customer_id`
}

/**
 * W(D) = W(D-1) + rows of ingest day D dated in [D-89, D] − rows of ingest days D-90..D-1 dated
 * D-90 (and, for the 30-day logins, + logins dated ≥ D-29 − logins dated D-30). Exact because
 * every sum is an integer (counts, grid integers) and because no ingest day holds a row dated
 * after it. customer_activity refuses such rows, but the increment would silently drift if one
 * slipped through, so the scans also pick up the only ones that would break it (rows of D-90
 * dated after D-90, rows of D-89..D-1 dated D or later) as `late`. `unsafe` marks a customer the
 * increment cannot be trusted for: such a row, an off-grid notional on either side, or a count
 * that would go negative (yesterday's window did not match the activity partitions).
 */
function incrementalWindowSql(previousFile: string, current: string | undefined, retiring: string | undefined, yesterdays: readonly string[]): string {
  const counts = (sign: string): string => COUNT_NAMES.map((n) => `${sign} * ${n === 'activity_rows' ? '1' : n} AS ${n}`).join(', ')
  const offGrid = `(${onGridSql('notional_sum')}) IS NULL`
  const leaving = `(event_date = $day::DATE - $long_back::INTEGER - 1)`
  const leavingShort = `(event_date = $day::DATE - $short_back::INTEGER - 1)`
  const retired = (files: readonly string[], where: string, late: string): string =>
    `SELECT customer_id, ${counts(`-${leaving}::INTEGER`)},
            CASE WHEN ${leavingShort} THEN -app_logins ELSE 0 END AS app_logins_30d,
            CASE WHEN ${leaving} THEN -${onGridSql('notional_sum')} ELSE 0 END AS grid, ${leaving} AND ${offGrid} AS off_grid, ${late} AS late
       FROM read_parquet(${sqlStringList(files)}, hive_partitioning = false)
      WHERE ${where}`
  const parts: string[] = []
  if (current) {
    parts.push(`SELECT customer_id, ${counts('1')},
                       CASE WHEN event_date >= $day::DATE - $short_back::INTEGER THEN app_logins ELSE 0 END AS app_logins_30d,
                       ${onGridSql('notional_sum')} AS grid, ${offGrid} AS off_grid, false AS late
                  FROM read_parquet(${sqlString(current)}, hive_partitioning = false)
                 WHERE ${IN_WINDOW}`)
  }
  if (retiring) parts.push(retired([retiring], `event_date >= $day::DATE - $long_back::INTEGER - 1`, `event_date > $day::DATE - $long_back::INTEGER - 1`))
  if (yesterdays.length > 0) parts.push(retired(yesterdays, `${leaving} OR ${leavingShort} OR event_date >= $day::DATE`, `event_date >= $day::DATE`))
  const delta = `SELECT customer_id, ${COUNT_NAMES.map((n) => `sum(${n}) AS ${n}`).join(', ')}, sum(app_logins_30d) AS app_logins_30d,
                         CAST(sum(grid) AS HUGEINT) AS grid, bool_or(off_grid) AS off_grid, bool_or(late) AS late
                    FROM (${parts.join(' UNION ALL ')})
                   GROUP BY customer_id`
  const sum = (n: string): string => `(coalesce(p.${n}, 0) + coalesce(d.${n}, 0))`
  return `SELECT coalesce(p.customer_id, d.customer_id) AS customer_id,
                 ${COUNT_NAMES.map((n) => `${sum(n)}::BIGINT AS ${n}`).join(', ')}, ${sum('app_logins_30d')}::BIGINT AS app_logins_30d,
                 (CASE WHEN p.customer_id IS NULL THEN 0 ELSE ${gridOf('p')} END) + coalesce(d.grid, 0) AS grid,
                 true AS on_grid, NULL::DOUBLE AS notional_fallback,
                 (p.customer_id IS NOT NULL AND p.notional_grid_low IS NULL) OR coalesce(d.off_grid OR d.late, false)
                   OR ${[...COUNT_NAMES, 'app_logins_30d'].map((n) => `${sum(n)} < 0`).join(' OR ')} AS unsafe
            FROM read_parquet(${sqlString(previousFile)}, hive_partitioning = false) p
            FULL OUTER JOIN (${delta}) d ON d.customer_id = p.customer_id`
}

/** Builds the window table from one of the three window queries above. */
function createWindowTableSql(windowQuery: string): string {
  return `CREATE OR REPLACE TEMP TABLE ${WINDOW_TABLE} AS ${windowQuery}`
}

/** One row: the window table's customers whose increment is `unsafe`, or whose packed sums are `inexact`. */
function countWindowRowsSql(what: 'unsafe' | 'inexact'): string {
  const where = what === 'unsafe' ? 'unsafe' : 'NOT exact'
  return `SELECT count(*) FILTER (WHERE ${where}) AS ${what} FROM ${WINDOW_TABLE}`
}

/** Writes window.parquet: the customers with activity in the window, ordered by customer_id. */
function copyWindowSql(output: string): string {
  return `
    COPY (
      SELECT ${FINAL_COLUMNS}
      FROM ${WINDOW_TABLE}
      WHERE activity_rows > 0
      ORDER BY customer_id
    ) TO ${sqlString(output)} (FORMAT parquet)`
}

/**
 * activity_window(D): per customer, the 90-day (logins: 30-day) sums features(D) needs, written
 * to `<outputDir>/window.parquet` ordered by customer_id, with customers whose window is empty
 * left out. Built from activity_window(D-1) plus the day's change when that exists and is safe
 * (see `incrementalWindowSql`), otherwise summed from scratch over ingest days D-89..D exactly as
 * features did; both give the same rows.
 *
 * @example
 * const meta = await materializeActivityWindow({ db, day: '2026-03-01', activity, previousFile, outputDir })
 */
export async function materializeActivityWindow(options: ActivityWindowOptions): Promise<ActivityWindowMetadata> {
  const { db, outputDir } = options
  const day = parseDateKey(options.day, 'activity_window partition')
  const { read, retiring, ignored } = partitionsInRange(day, options.activity)
  const output = join(outputDir, WINDOW_FILE)
  await mkdir(outputDir, { recursive: true })
  const params = { day, long_back: LONG_WINDOW_DAYS - 1, short_back: SHORT_WINDOW_DAYS - 1 }

  const conn = await db.connect()
  try {
    let fullReason: string | null = null
    try {
      if (!options.previousFile) fullReason = 'no window of the day before'
      else if (read.length === 0 && !retiring) fullReason = 'no activity partition in range'
      if (fullReason === null && options.previousFile) {
        const current = read.at(-1)?.partition === day ? read.at(-1)?.file : undefined
        const yesterdays = read.filter((p) => p.partition !== day).map((p) => p.file)
        await conn.run(createWindowTableSql(incrementalWindowSql(options.previousFile, current, retiring?.file, yesterdays)), params)
        const [check] = await conn.all<{ unsafe: bigint }>(countWindowRowsSql('unsafe'))
        if ((check?.unsafe ?? 0n) > 0n) {
          fullReason = `${check?.unsafe ?? 0n} customers whose increment is unsafe (an off-grid notional, a row dated after its ingest day, or a window of the day before that does not match the activity)`
        }
      }
      if (fullReason !== null) {
        const source = read.length > 0 ? `read_parquet(${sqlStringList(read.map((p) => p.file))}, hive_partitioning = false)` : NO_ACTIVITY
        await conn.run(createWindowTableSql(packedWindowSql(source)), params)
        const [packed] = await conn.all<{ inexact: bigint }>(countWindowRowsSql('inexact'))
        if ((packed?.inexact ?? 0n) > 0n) await conn.run(createWindowTableSql(columnWindowSql(source)), params)
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      throw new StrataError(
        'input',
        `activity_window ${day}: could not read activity partitions ${describeRange(read)}${options.previousFile ? ` or ${options.previousFile}` : ''}: ${message}`,
        'Rebuild the missing or unreadable customer_activity (or activity_window) partitions first.',
        { cause: error },
      )
    }

    const [copied] = await conn.all<{ Count: bigint }>(copyWindowSql(output))
    return {
      customers: Number(copied?.Count ?? 0n),
      computed: fullReason === null ? 'incremental' : 'full',
      full_reason: fullReason,
      activity_partitions_read: read.length,
      first_partition_read: read[0]?.partition ?? null,
      last_partition_read: read.at(-1)?.partition ?? null,
      activity_partitions_ignored: ignored,
    }
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${WINDOW_TABLE}`).catch(() => undefined)
    conn.close()
  }
}

/**
 * The passed partitions inside D-89..D (ascending, validated) and D-90 (whose rows leave the
 * window today). The lookback mapping passes exactly those, but the window must never see a later
 * ingest day, so the range is enforced here too.
 */
function partitionsInRange(day: string, activity: readonly ActivityPartition[]): { read: ActivityPartition[]; retiring: ActivityPartition | undefined; ignored: number } {
  const last = toEpochDay(day)
  const first = last - (LONG_WINDOW_DAYS - 1)
  const retiringKey = addDays(day, -LONG_WINDOW_DAYS)
  const byPartition = new Map<string, ActivityPartition>()
  let ignored = 0
  let retiring: ActivityPartition | undefined
  for (const entry of activity) {
    const key = parseDateKey(entry.partition, 'activity partition')
    const epochDay = toEpochDay(key)
    if (epochDay < first || epochDay > last) {
      ignored++
      if (key === retiringKey) retiring = entry
      continue
    }
    const seen = byPartition.get(key)
    if (seen && seen.file !== entry.file) {
      // Reading both would count that day twice.
      throw new StrataError(
        'input',
        `activity_window ${day}: activity partition ${key} was passed twice, as ${seen.file} and ${entry.file}`,
        'Pass one file per activity partition.',
      )
    }
    byPartition.set(key, entry)
  }
  const read = [...byPartition.values()].sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0))
  return { read, retiring, ignored }
}

function describeRange(read: readonly ActivityPartition[]): string {
  const first = read[0]
  const last = read.at(-1)
  return first && last ? `${first.partition}..${last.partition}` : '(none)'
}
