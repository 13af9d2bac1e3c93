import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { addDays, isDateKey } from '../../framework/partitions/index.js'
import { quoteIdent, sqlString, type SqlEngine } from '../../framework/sql/index.js'
import type { Landing } from '../landing/landing.js'
import { tableParquet } from './parquet-options.js'
import { dropTables, encodedLineSql, loadTable, locate, type LoadedTable, type Located } from './raw-load.js'
import { checkedSource, recordOkSql, recordReasonSql } from './raw-rules.js'
import { mapInOrder } from './map-in-order.js'
import { TABLES, type TableName } from './tables.js'

/**
 * The `raw` step (SPEC §1, §2): read the six landing files of one ingest day, check every row
 * against its table's grammar, and write the valid rows as landed plus one quarantine of the
 * rest. A file that cannot be used at all (missing, unreadable, no header, a required column
 * absent) fails the whole partition before anything is written.
 */

/** Per-table counts of a raw partition. */
export interface RawTableMetadata {
  /** Where the file was landed, e.g. `/landing/ingest_date=2026-03-01/trades.csv.gz`. */
  readonly file: string
  /** Records after the header, blank lines excluded, duplicates included. */
  readonly rows_read: number
  readonly valid: number
  readonly quarantined: number
  /** quarantined / rows_read (0 for an empty file). */
  readonly quarantine_rate: number
  /** Header columns the spec does not know, in header order; ignored. */
  readonly extra_columns: string[]
}

export interface RawMetadata {
  readonly partition: string
  readonly rows_read: number
  readonly valid: number
  readonly quarantined: number
  readonly tables: Record<TableName, RawTableMetadata>
}

export interface MaterializeRawOptions {
  readonly db: SqlEngine
  readonly landing: Landing
  /** The ingest day (the partition key), `YYYY-MM-DD`. */
  readonly day: string
  /** Receives `<table>.parquet` per table and `quarantine.parquet`. */
  readonly outputDir: string
  /**
   * Tables read and checked at once, each on a connection of its own (default 1). Each table's
   * SQL runs on one thread (see raw-load.ts), so a day run alone uses every core only this way.
   */
  readonly parallel?: number
}

/** The quarantine file name in a raw partition. */
export const QUARANTINE_FILE = 'quarantine.parquet'

/**
 * Materialize raw for one ingest day.
 *
 * Outputs in `outputDir`:
 * - `<table>.parquet`: the valid rows as landed: every spec column as VARCHAR in spec order
 *   (an absent optional column or an empty nullable value is NULL), then `_line` BIGINT.
 * - `quarantine.parquet`: `table, line, reason, original`, one row per bad record, written even
 *   when empty. `original` is the record's fields re-encoded as one RFC 4180 CSV record.
 *
 * @throws StrataError('input') when a file is missing, unreadable, empty, or has a bad header.
 */
export async function materializeRaw(options: MaterializeRawOptions): Promise<RawMetadata> {
  const { landing, day, outputDir } = options
  if (!isDateKey(day)) {
    throw new StrataError('partition', `ingest day "${day}" is not a real calendar date`, 'Use a UTC date written YYYY-MM-DD, e.g. 2026-03-01.')
  }
  // Every file is found before any is loaded, so a missing one fails first.
  const located: Located[] = []
  for (const spec of TABLES) located.push(await locate(landing, day, spec))
  // Temp tables are private to their connection; the quarantine table is shared by the tables'
  // connections, so it lives in the database under a name of this call's own.
  const quarantineTable = `_raw_quarantine_${randomUUID().replaceAll('-', '')}`
  const db = options.db
  const parallel = options.parallel ?? 1
  // Private connections keep the temp tables away from anything else using `db`, and closing
  // them drops them.
  const connections: SqlEngine[] = []
  try {
    // Every table is loaded with its header checked before anything is written, so a bad file
    // leaves no partial partition behind.
    const loaded = await mapInOrder(located, parallel, async (file) => {
      const connection = await db.connect()
      connections.push(connection)
      return { connection, table: await loadTable(connection, file, day) }
    }, (file) => file.weight)
    await mkdir(outputDir, { recursive: true })
    await db.run(`CREATE TABLE ${quoteIdent(quarantineTable)} (_order INTEGER, "table" VARCHAR, line BIGINT, reason VARCHAR, original VARCHAR)`)
    const counted = await mapInOrder(loaded, parallel, ({ connection, table }, order) => writeTable(connection, table, order, day, join(outputDir, `${table.spec.name}.parquet`), quarantineTable), (_, index) => (located[index] as Located).weight)
    const tables = {} as Record<TableName, RawTableMetadata>
    let rowsRead = 0
    let valid = 0
    let quarantined = 0
    for (const [order, { table }] of loaded.entries()) {
      const counts = counted[order] as TableCounts
      tables[table.spec.name] = {
        file: table.file,
        rows_read: counts.rowsRead,
        valid: counts.valid,
        quarantined: counts.quarantined,
        quarantine_rate: counts.rowsRead === 0 ? 0 : counts.quarantined / counts.rowsRead,
        extra_columns: table.extraColumns,
      }
      rowsRead += counts.rowsRead
      valid += counts.valid
      quarantined += counts.quarantined
    }
    await writeQuarantine(db, quarantineTable, join(outputDir, QUARANTINE_FILE))
    return { partition: day, rows_read: rowsRead, valid, quarantined, tables }
  } finally {
    for (const connection of connections) connection.close()
    await db.run(`DROP TABLE IF EXISTS ${quoteIdent(quarantineTable)}`)
  }
}

/** A table over the quarantine threshold. */
export interface QuarantineViolation {
  readonly table: TableName
  readonly rows_read: number
  readonly quarantined: number
  /** quarantined / rows_read */
  readonly rate: number
}

/**
 * The tables whose quarantined / rows read is above `threshold` (SPEC §1: the blocking check
 * fails the partition when any table is over 5%). Rows read include duplicates.
 */
export function quarantineViolations(metadata: RawMetadata, threshold = 0.05): QuarantineViolation[] {
  const violations: QuarantineViolation[] = []
  for (const spec of TABLES) {
    const table = metadata.tables[spec.name]
    if (table === undefined || table.rows_read === 0) continue
    const rate = table.quarantined / table.rows_read
    if (rate > threshold) violations.push({ table: spec.name, rows_read: table.rows_read, quarantined: table.quarantined, rate })
  }
  return violations
}

// ---------------------------------------------------------------------------------------------
// Writing

interface TableCounts {
  readonly rowsRead: number
  readonly valid: number
  readonly quarantined: number
}

/**
 * Write a table's valid records and collect its bad ones. The records are read, split and checked
 * once, into a temp table with their verdict (a small expression: DuckDB plans the full reasons of
 * a table in up to ~15 ms, more than running them on a day's increment); the valid file and the
 * quarantine are written from it, and only the bad records get their reasons.
 */
async function writeTable(db: SqlEngine, table: LoadedTable, order: number, day: string, path: string, quarantineTable: string): Promise<TableCounts> {
  const { spec } = table
  const params = spec.columns.some((c) => c.rule.kind === 'timestamp') ? { next_day: addDays(day, 1) } : undefined
  const checkedName = `_raw_checked_${spec.name}`
  const checked = quoteIdent(checkedName)
  // Real exports always carry a few bad rows; reading the landed text once instead of once for the
  // valid file and again for the quarantine halves raw on them. Only the quarantine reads a
  // record's original text, so the table keeps it for the bad ones alone: storing every line
  // twice was a tenth of the statement (channel_events at 1M customers).
  const [created] = await db.all<{ Count: bigint }>(
    `CREATE OR REPLACE TEMP TABLE ${checked} AS SELECT * REPLACE (CASE WHEN _ok THEN NULL ELSE _original END AS _original)
     FROM (SELECT *, ${recordOkSql(table, day)} AS _ok FROM ${checkedSource(table)})${table.ordered ? '' : ' ORDER BY _line'}`,
    params,
  )
  table.cleanup.push(checkedName)
  // Records read: blank lines are not records; duplicates are.
  const rows = Number(created?.Count ?? 0)
  // The spec's "an empty optional value is null" applies here already, so raw and curated agree.
  const columns = spec.columns.map((c) => (c.nullable ? `NULLIF(${quoteIdent(c.name)}, '') AS ${quoteIdent(c.name)}` : quoteIdent(c.name))).join(', ')
  const [copied] = await db.all<{ Count: bigint }>(`COPY (SELECT ${columns}, _line FROM ${checked} WHERE _ok) TO ${sqlString(path)} (${tableParquet(rows)})`)
  const valid = Number(copied?.Count ?? 0)
  let quarantined = 0
  if (valid < rows) {
    // A record without a reason is left out, so a verdict that disagreed with the reasons would
    // fail the reconciliation below rather than quarantine a valid record.
    const [inserted] = await db.all<{ Count: bigint }>(
      `INSERT INTO ${quoteIdent(quarantineTable)}
       SELECT ${order}, ${sqlString(spec.name)}, _line, _reason, CASE WHEN _split THEN ${encodedLineSql('_original')} ELSE _original END
       FROM (SELECT _line, _original, _split, ${recordReasonSql(table, day)} AS _reason FROM ${checked} WHERE NOT _ok LIMIT ${Number.MAX_SAFE_INTEGER}) WHERE _reason IS NOT NULL`,
      params,
    )
    quarantined = Number(inserted?.Count ?? 0)
  }
  await dropTables(db, table.cleanup)
  if (valid + quarantined !== rows) {
    throw new StrataError(
      'compute',
      `raw ${spec.name} (${day}) does not add up: ${rows} records read, ${valid} valid, ${quarantined} quarantined`,
      `Rebuild raw for ${day}; if it persists, report it as a bug.`,
    )
  }
  return { rowsRead: rows, valid, quarantined }
}

async function writeQuarantine(db: SqlEngine, quarantineTable: string, path: string): Promise<void> {
  await db.run(
    `COPY (SELECT "table", line, reason, original FROM ${quoteIdent(quarantineTable)} ORDER BY _order, line)
     TO ${sqlString(path)} (FORMAT parquet)`,
  )
}
