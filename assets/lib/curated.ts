import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { quoteIdent, sqlString, sqlStringList, type SqlEngine } from '../../framework/sql/index.js'
import { tableParquet } from './parquet-options.js'
import { mapInOrder } from './map-in-order.js'
import type { RawMetadata, RawTableMetadata } from './raw.js'
import { utcFromTimestampSql } from './timestamp-sql.js'
import { TABLES, type ColumnSpec, type TableName, type TableSpec } from './tables.js'

/**
 * The `curated` step (SPEC §1, §2): type the valid raw rows, normalise timestamps to UTC, and
 * keep the first valid row (lowest line) of each id. Every table reconciles:
 * rows read = curated + quarantined + duplicates.
 */

export interface CuratedTableMetadata {
  readonly rows_read: number
  readonly curated: number
  readonly quarantined: number
  /** Valid rows dropped because an earlier valid row had the same id. */
  readonly duplicates: number
  /** rows_read = curated + quarantined + duplicates; always true (materializeCurated throws otherwise). */
  readonly reconciled: boolean
}

export interface CuratedMetadata {
  readonly partition: string
  readonly rows_read: number
  readonly curated: number
  readonly quarantined: number
  readonly duplicates: number
  readonly tables: Record<TableName, CuratedTableMetadata>
}

export interface MaterializeCuratedOptions {
  readonly db: SqlEngine
  /** The raw partition's folder, holding `<table>.parquet`. */
  readonly rawDir: string
  /** The raw partition's metadata, for rows read and quarantined. */
  readonly rawMetadata: RawMetadata
  /** Receives `<table>.parquet` per table. */
  readonly outputDir: string
  /** Tables written at once, each on a connection of its own (default 1). */
  readonly parallel?: number
}

/**
 * Materialize curated for one partition. Output schemas (in this column order):
 * - customers(customer_id VARCHAR, signup_date DATE, country VARCHAR, has_robo_advice BOOLEAN, alerts_enabled BOOLEAN)
 * - statements(customer_id VARCHAR, delivery_mode VARCHAR)
 * - channel_events(event_id VARCHAR, customer_id VARCHAR, ts TIMESTAMP, event_date DATE, channel VARCHAR, event VARCHAR)
 * - trades(trade_id VARCHAR, customer_id VARCHAR, ts TIMESTAMP, event_date DATE, channel VARCHAR, notional DOUBLE, currency VARCHAR)
 * - tickets(ticket_id VARCHAR, customer_id VARCHAR, opened_ts TIMESTAMP, event_date DATE, resolved_via VARCHAR)
 * - marketing(event_id VARCHAR, customer_id VARCHAR, ts TIMESTAMP, event_date DATE, event VARCHAR)
 *
 * TIMESTAMP holds the UTC wall time; `event_date` is its UTC date; rows are in landing order.
 */
export async function materializeCurated(options: MaterializeCuratedOptions): Promise<CuratedMetadata> {
  const { db, rawDir, rawMetadata, outputDir } = options
  await mkdir(outputDir, { recursive: true })
  const tables = {} as Record<TableName, CuratedTableMetadata>
  const totals = { rows_read: 0, curated: 0, quarantined: 0, duplicates: 0 }
  const rawFiles = TABLES.map((spec) => join(rawDir, `${spec.name}.parquet`))
  let counts: number[]
  try {
    counts = await rawRowCounts(db, rawFiles)
  } catch (error) {
    throw new StrataError('compute', `reading raw ${rawMetadata.partition} from ${rawDir} failed: ${(error as Error).message}`, `Rebuild raw for ${rawMetadata.partition}, then curated.`, {
      cause: error,
    })
  }
  // The raw files must be what raw's metadata says before anything is written.
  const rawTables = TABLES.map((spec, index) => {
    const raw = rawMetadata.tables[spec.name]
    if (raw === undefined) {
      throw new StrataError('corrupt', `raw metadata of ${rawMetadata.partition} has no entry for ${spec.name}`, `Rebuild raw for ${rawMetadata.partition}.`)
    }
    const valid = counts[index] as number
    if (valid !== raw.valid) {
      throw new StrataError('corrupt', `${rawFiles[index]} holds ${valid} rows but its metadata says ${raw.valid} valid rows`, `Rebuild raw for ${rawMetadata.partition}, then curated.`)
    }
    return raw
  })
  const copied = await mapInOrder(TABLES, options.parallel ?? 1, async (spec, index) => {
    const rawFile = rawFiles[index] as string
    const connection = await db.connect()
    try {
      const rows = counts[index] as number
      const [row] = await connection.all<{ Count: bigint }>(`COPY (${curatedSql(spec, rawFile, rows)}) TO ${sqlString(join(outputDir, `${spec.name}.parquet`))} (${tableParquet(rows)})`)
      return Number(row?.Count ?? 0)
    } catch (error) {
      throw new StrataError('compute', `curating ${spec.name} from ${rawFile} failed: ${(error as Error).message}`, `Rebuild raw for ${rawMetadata.partition}, then curated.`, {
        cause: error,
      })
    } finally {
      connection.close()
    }
  }, (_, index) => counts[index] as number)
  for (const [index, spec] of TABLES.entries()) {
    const raw = rawTables[index] as RawTableMetadata
    const curated = copied[index] as number
    const duplicates = raw.valid - curated
    const reconciled = raw.rows_read === curated + raw.quarantined + duplicates
    if (!reconciled) {
      // Cannot happen unless raw's counts are wrong: refuse to publish numbers that do not add up.
      throw new StrataError(
        'compute',
        `${spec.name} (${rawMetadata.partition}) does not reconcile: rows read ${raw.rows_read} ≠ curated ${curated} + quarantined ${raw.quarantined} + duplicates ${duplicates}`,
        `Rebuild raw for ${rawMetadata.partition}, then curated; if it persists, report it as a bug.`,
      )
    }
    tables[spec.name] = { rows_read: raw.rows_read, curated, quarantined: raw.quarantined, duplicates, reconciled }
    totals.rows_read += raw.rows_read
    totals.curated += curated
    totals.quarantined += raw.quarantined
    totals.duplicates += duplicates
  }
  return { partition: rawMetadata.partition, ...totals, tables }
}

/**
 * Rows of each raw file, from the Parquet footers. Every table is deduplicated by curatedSql: real
 * exports repeat ids in every table and day (~0.3 % of rows), so a pass that counted distinct ids
 * to skip the deduplication when none repeats cost a hash of every id and never paid.
 */
async function rawRowCounts(db: SqlEngine, files: readonly string[]): Promise<number[]> {
  const rows = await db.all<{ file: string; n: bigint }>(`SELECT file_name AS file, num_rows AS n FROM parquet_file_metadata(${sqlStringList(files)})`)
  const byFile = new Map(rows.map((row) => [row.file, Number(row.n)]))
  return files.map((file) => byFile.get(file) ?? 0)
}

/** Below this many raw rows, curatedSql deduplicates with a window rather than an anti join. */
const WINDOW_DEDUP_BELOW = 50_000

/** The typed, deduplicated rows of one table, in landing order; `rows` (the raw row count) picks the plan. */
export function curatedSql(spec: TableSpec, rawFile: string, rows = Number.POSITIVE_INFINITY): string {
  const raw = `read_parquet(${sqlString(rawFile)})`
  const id = quoteIdent(spec.idColumn)
  // The first valid row of each id. On a big table: drop a row when an earlier one has its id, so
  // only the repeated ids reach the join's hash table (about a third cheaper than a window over
  // every row at 1M rows); on a small one the window's single scan is cheaper. Same rows either way.
  const firstOfId =
    rows < WINDOW_DEDUP_BELOW
      ? `SELECT * FROM ${raw} QUALIFY row_number() OVER (PARTITION BY ${id} ORDER BY _line) = 1`
      : `SELECT * FROM ${raw} AS _r ANTI JOIN (SELECT ${id}, min(_line) AS _first FROM ${raw} GROUP BY ${id} HAVING count(*) > 1) AS _d ` +
    `ON _r.${id} = _d.${id} AND _r._line > _d._first`
  return `${typedSql(spec, `(${firstOfId})`)} ORDER BY _line`
}

/**
 * The typed columns of raw rows (valid by construction: raw wrote only rows that keep every rule),
 * in the curated schema. A timestamp becomes its UTC value and `event_date`.
 */
function typedSql(spec: TableSpec, source: string): string {
  const timestamps = spec.columns.filter((c) => c.rule.kind === 'timestamp')
  const from =
    timestamps.length === 0
      ? source
      : `(SELECT *, ${timestamps.map((c) => `${utcFromTimestampSql(quoteIdent(c.name))} AS ${quoteIdent(`_utc_${c.name}`)}`).join(', ')} FROM ${source})`
  return `SELECT ${spec.columns.flatMap(typedColumns).join(', ')} FROM ${from}`
}

function typedColumns(column: ColumnSpec): string[] {
  const v = quoteIdent(column.name)
  switch (column.rule.kind) {
    case 'date':
      return [`CAST(${v} AS DATE) AS ${v}`]
    case 'bool':
      return [`CASE WHEN ${v} IS NULL THEN NULL ELSE lower(${v}) IN ('true', '1') END AS ${v}`]
    case 'positive_decimal':
      return [`CAST(${v} AS DOUBLE) AS ${v}`]
    case 'timestamp': {
      const utc = quoteIdent(`_utc_${column.name}`)
      return [`${utc} AS ${v}`, `CAST(${utc} AS DATE) AS event_date`]
    }
    default:
      return [`CAST(${v} AS VARCHAR) AS ${v}`]
  }
}
