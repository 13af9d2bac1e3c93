import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { parseDateKey } from '../../framework/partitions/index.js'
import { sqlString, type SqlEngine } from '../../framework/sql/index.js'

export interface FeaturesOptions {
  readonly db: SqlEngine
  /** The partition being built, `D`. */
  readonly day: string
  /** `window.parquet` of activity_window(D): the per-customer window sums. */
  readonly windowFile: string
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
  /**
   * Rows of the activity partitions (one per customer, event date and ingest day) in the 90-day
   * window whose customer is not in the snapshot of D; they count in no feature.
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

/**
 * The features of SPEC §3 as of `day` (D), one row per customer of the customers snapshot of D,
 * ordered by customer_id, written to `<outputDir>/features.parquet`.
 *
 * The window sums come from activity_window(D) (see `materializeActivityWindow`), which holds
 * only ingest days D-89..D and event dates up to D: a partition ingested after D never changes
 * features(D).
 *
 * @example
 * const meta = await materializeFeatures({ db, day: '2026-03-01', windowFile, customersFile, statementsFile, outputDir })
 */
export async function materializeFeatures(options: FeaturesOptions): Promise<FeaturesMetadata> {
  const { db, customersFile, statementsFile, outputDir } = options
  const day = parseDateKey(options.day, 'features partition')
  const output = join(outputDir, FEATURES_FILE)
  await mkdir(outputDir, { recursive: true })

  const sources = { window: options.windowFile, customers: customersFile, statements: statementsFile }

  const conn = await db.connect()
  try {
    let rowsWritten: bigint
    try {
      const [copied] = await conn.all<{ Count: bigint }>(copyFeaturesSql(sources, output), { day })
      rowsWritten = copied?.Count ?? 0n
    } catch (error) {
      throw readError(
        `the activity window ${options.windowFile} or the snapshots ${customersFile}, ${statementsFile}`,
        day,
        error,
        `Rebuild activity_window and curated for ${day} so the window and the customers and statements snapshots are readable.`,
      )
    }

    // Counted from the window sums and the snapshot rather than by reading the output back: the
    // output's ids are the snapshot's, its rows are what COPY reports, and (with unique ids) its
    // customers with trades are the snapshot customers among the window sums with trades.
    const [stats] = await conn.all<{ ids: bigint; with_trades: bigint; unknown_customers: bigint; unknown_rows: bigint }>(windowCoverageSql(sources))
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
      unknown_customer_activity_rows: Number(stats.unknown_rows),
      unknown_customers: Number(stats.unknown_customers),
    }
  } finally {
    conn.close()
  }
}

function readError(what: string, day: string, error: unknown, hint: string): StrataError {
  const message = error instanceof Error ? error.message : String(error)
  return new StrataError('input', `features ${day}: could not read ${what}: ${message}`, hint, { cause: error })
}

interface FeatureSources {
  readonly window: string
  readonly customers: string
  readonly statements: string
}

/** The three inputs as SQL table expressions (hive_partitioning off: a dt=… folder must not add a column). */
function tablesOf(sources: FeatureSources): FeatureSources {
  const read = (file: string): string => `read_parquet(${sqlString(file)}, hive_partitioning = false)`
  return { window: read(sources.window), customers: read(sources.customers), statements: read(sources.statements) }
}

/** Writes features.parquet: per customer of the snapshot, the SPEC §3 features as of `$day`, ordered by customer_id. */
function copyFeaturesSql(sources: FeatureSources, output: string): string {
  const { window, customers, statements } = tablesOf(sources)
  return `
    COPY (
      SELECT c.customer_id::VARCHAR AS customer_id,
             coalesce(w.trades_total, 0)::BIGINT AS trades_total_90d,
             coalesce(w.trades_digital, 0)::BIGINT AS trades_digital_90d,
             (CASE WHEN w.trades_total > 0 THEN w.trades_digital::DOUBLE / w.trades_total ELSE 0 END)::DOUBLE AS pct_trades_digital_90d,
             (CASE WHEN w.trades_total > 0 THEN w.notional_sum / w.trades_total ELSE 0 END)::DOUBLE AS avg_notional_90d,
             coalesce(w.app_logins_30d, 0)::BIGINT AS app_logins_30d,
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
        LEFT JOIN ${window} w ON w.customer_id = c.customer_id
        LEFT JOIN ${statements} s ON s.customer_id = c.customer_id
       ORDER BY c.customer_id
    ) TO ${sqlString(output)} (FORMAT parquet)`
}

/**
 * One row: the snapshot's distinct ids, the snapshot customers with trades in the window, and
 * the window's customers (and activity rows) that the snapshot does not know.
 */
function windowCoverageSql(sources: FeatureSources): string {
  const { window, customers } = tablesOf(sources)
  return `
    SELECT (SELECT count(DISTINCT customer_id) FROM ${customers}) AS ids,
           count(*) FILTER (WHERE known AND trades_total > 0) AS with_trades,
           count(*) FILTER (WHERE NOT known) AS unknown_customers,
           coalesce(sum(activity_rows) FILTER (WHERE NOT known), 0)::BIGINT AS unknown_rows
    FROM (
      SELECT w.trades_total, w.activity_rows,
             EXISTS (SELECT 1 FROM ${customers} c WHERE c.customer_id = w.customer_id) AS known
      FROM ${window} w
    )`
}
