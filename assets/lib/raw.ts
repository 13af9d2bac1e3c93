import { mkdir, open } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { addDays, isDateKey } from '../../framework/partitions/index.js'
import { appendRows, quoteIdent, sqlString, type AppendValue, type DuckDb } from '../../resources/duckdb.js'
import type { Landing, LandingFile } from '../../resources/landing.js'
import { encodeCsvRecord, readCsvFile, type CsvRecord } from './csv-reader.js'
import { TABLES, type ColumnSpec, type TableName, type TableSpec } from './tables.js'

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
  readonly db: DuckDb
  readonly landing: Landing
  /** The ingest day (the partition key), `YYYY-MM-DD`. */
  readonly day: string
  /** Receives `<table>.parquet` per table and `quarantine.parquet`. */
  readonly outputDir: string
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
  // A private connection keeps the temp tables away from anything else using `db`, and closing
  // it drops them.
  const db = await options.db.connect()
  try {
    // Every file is found, then loaded with its header checked, before anything is written, so
    // a bad file leaves no partial partition behind; a missing one fails before any loading.
    const located: Located[] = []
    for (const spec of TABLES) located.push(await locate(landing, day, spec))
    const loaded: LoadedTable[] = []
    for (const file of located) loaded.push(await loadTable(db, file, day))
    for (const table of loaded) await checkTable(db, table, day)

    await mkdir(outputDir, { recursive: true })
    const tables = {} as Record<TableName, RawTableMetadata>
    let rowsRead = 0
    let valid = 0
    let quarantined = 0
    for (const table of loaded) {
      const counts = await writeValidRows(db, table, join(outputDir, `${table.spec.name}.parquet`))
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
    await writeQuarantine(db, loaded, join(outputDir, QUARANTINE_FILE))
    return { partition: day, rows_read: rowsRead, valid, quarantined, tables }
  } finally {
    db.close()
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
// Loading

interface LoadedTable {
  readonly spec: TableSpec
  /** The landing path, for messages and metadata. */
  readonly file: string
  /** Temp table with every record as read. */
  readonly loadTable: string
  /** Temp table with the reason per record (NULL when valid). */
  readonly checkedTable: string
  /** Number of fields in the header: every record must have as many. */
  readonly headerFields: number
  readonly extraColumns: string[]
}

/** Columns of the load table before the spec columns. */
const META_COLUMNS = '_line BIGINT, _original VARCHAR, _problem VARCHAR, _fields INTEGER'

interface Located {
  readonly spec: TableSpec
  readonly landed: LandingFile
  /** The landing path, for messages and metadata. */
  readonly file: string
}

async function locate(landing: Landing, day: string, spec: TableSpec): Promise<Located> {
  const folder = `${landing.location.replace(/\/+$/, '')}/ingest_date=${day}`
  const landed = await landing.file(day, spec.name)
  if (!landed) {
    throw new StrataError(
      'input',
      `${folder}/${spec.name}.csv is missing: ${spec.name} for ingest day ${day} was not landed`,
      `Land ${spec.name}.csv (or ${spec.name}.csv.gz) in ${folder}, then rebuild raw for ${day}.`,
    )
  }
  return { spec, landed, file: `${folder}/${landed.name}` }
}

async function loadTable(db: DuckDb, located: Located, day: string): Promise<LoadedTable> {
  const { spec, landed, file } = located
  const loadName = `_raw_load_${spec.name}`
  const columns = spec.columns.map((c) => `${quoteIdent(c.name)} VARCHAR`).join(', ')
  await db.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(loadName)} (${META_COLUMNS}, ${columns})`)

  let header: Header | undefined
  async function* batches(): AsyncGenerator<AppendValue[][]> {
    for await (const batch of readCsvFile(landed.localPath, { gzip: landed.gzip })) {
      let records: CsvRecord[] = batch
      if (header === undefined) {
        header = await parseHeader(file, landed, spec, batch[0] as CsvRecord)
        records = batch.slice(1)
      }
      yield toRows(records, header.positions)
    }
  }
  try {
    await appendRows(db, loadName, batches())
  } catch (error) {
    if (error instanceof StrataError) throw error
    throw new StrataError(
      'input',
      `${file} cannot be read: ${(error as Error).message}`,
      landed.gzip
        ? `Check that ${landed.name} is a complete gzip file (gzip -t) and readable, then rebuild raw for ${day}.`
        : `Check that ${landed.name} is readable, then rebuild raw for ${day}.`,
      { cause: error },
    )
  }
  if (header === undefined) {
    throw new StrataError(
      'input',
      `${file} is empty: it has no header row`,
      `Land ${landed.name} with a header row naming its columns (${spec.columns.map((c) => c.name).join(', ')}), then rebuild raw for ${day}.`,
    )
  }
  return { spec, file, loadTable: loadName, checkedTable: `_raw_checked_${spec.name}`, headerFields: header.fields, extraColumns: header.extra }
}

interface Header {
  readonly fields: number
  /** For each spec column, its field index in the file, or -1 when absent. */
  readonly positions: number[]
  readonly extra: string[]
}

async function parseHeader(file: string, landed: LandingFile, spec: TableSpec, record: CsvRecord): Promise<Header> {
  const expected = spec.columns.map((c) => c.name).join(', ')
  if (record.problems.length > 0) {
    const gzipHint = !landed.gzip && (await startsWithGzipMagic(landed.localPath))
    throw new StrataError(
      'input',
      `${file}: the header (line ${record.line}) is not readable CSV text: ${record.problems.join('; ')}`,
      gzipHint
        ? `${landed.name} looks gzip-compressed; name it ${landed.name}.gz, or land it uncompressed.`
        : `Land ${landed.name} as UTF-8 CSV whose first line names the columns (${expected}).`,
    )
  }
  const names = record.fields
  const seen = new Map<string, number>()
  for (const [index, name] of names.entries()) {
    const first = seen.get(name)
    if (first !== undefined) {
      throw new StrataError(
        'input',
        `${file}: column "${name}" appears twice in the header (fields ${first + 1} and ${index + 1})`,
        `Remove or rename one of the two "${name}" columns in ${landed.name}, then rebuild the partition.`,
      )
    }
    seen.set(name, index)
  }
  const missing = spec.columns.filter((c) => !c.optional && !seen.has(c.name)).map((c) => c.name)
  if (missing.length > 0) {
    const list = missing.map((m) => `"${m}"`).join(', ')
    const near = missing.map((m) => nearMiss(m, names)).find((n) => n !== undefined)
    throw new StrataError(
      'input',
      `${file}: required column${missing.length > 1 ? 's' : ''} ${list} ${missing.length > 1 ? 'are' : 'is'} missing from the header (found: ${names.join(', ')})`,
      `Add ${list} to the header of ${landed.name} (names are exact: case-sensitive, not trimmed)${near ? `; the header has "${near.found}", which looks like "${near.wanted}"` : ''}, then rebuild the partition.`,
    )
  }
  const known = new Set(spec.columns.map((c) => c.name))
  return {
    fields: names.length,
    positions: spec.columns.map((c) => seen.get(c.name) ?? -1),
    extra: names.filter((n) => !known.has(n)),
  }
}

/** A header name that differs from a wanted column only by case or surrounding spaces. */
function nearMiss(wanted: string, names: readonly string[]): { wanted: string; found: string } | undefined {
  const found = names.find((n) => n.trim().toLowerCase() === wanted)
  return found === undefined ? undefined : { wanted, found }
}

async function startsWithGzipMagic(path: string): Promise<boolean> {
  const handle = await open(path, 'r')
  try {
    const head = Buffer.alloc(2)
    const { bytesRead } = await handle.read(head, 0, 2, 0)
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b
  } finally {
    await handle.close()
  }
}

function toRows(records: readonly CsvRecord[], positions: readonly number[]): AppendValue[][] {
  const rows: AppendValue[][] = []
  for (const record of records) {
    const { fields, problems } = record
    const row: AppendValue[] = [
      record.line,
      encodeCsvRecord(fields),
      problems.length === 0 ? null : problems.map((p) => `record: ${p}`).join('; '),
      fields.length,
    ]
    for (const position of positions) row.push(position < 0 ? null : (fields[position] ?? null))
    rows.push(row)
  }
  return rows
}

// ---------------------------------------------------------------------------------------------
// Checking (set-based, in SQL)

const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$'
const LOWERCASE_WORD = '^[a-z][a-z0-9_]*$'
const DECIMAL = '^[+-]?([0-9]+(\\.[0-9]+)?|\\.[0-9]+)$'
// Hour, minute and second ranges live in the pattern because DuckDB would accept 24:00:00.
const TIMESTAMP =
  '^([0-9]{4}-[0-9]{2}-[0-9]{2})T([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:\\.([0-9]+))?)?(Z|([+-])([01][0-9]|2[0-3]):?([0-5][0-9]))$'

/** The timestamp grammar, for messages. */
export const TIMESTAMP_FORMAT = 'YYYY-MM-DDTHH:MM[:SS[.fraction]] then Z, ±HH:MM or ±HHMM'

/** A real calendar date `YYYY-MM-DD` (year 0000 is not one). */
function validDateSql(value: string): string {
  return `(regexp_full_match(${value}, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND TRY_CAST(${value} AS DATE) IS NOT NULL AND NOT starts_with(${value}, '0000'))`
}

/** The parts of a timestamp, as a struct of strings (all '' when the text is not a timestamp). */
export function timestampPartsSql(value: string): string {
  return `regexp_extract(${value}, ${sqlString(TIMESTAMP)}, ['date', 'hour', 'minute', 'second', 'fraction', 'zone', 'sign', 'oh', 'om'])`
}

/**
 * The UTC TIMESTAMP of a parsed timestamp (see `timestampPartsSql`), or NULL when it is not a
 * real calendar value. The offset is applied by hand so nothing depends on the ICU extension;
 * fractions beyond microseconds are truncated, which can never move a value across midnight.
 */
export function utcTimestampSql(parts: string): string {
  const wall =
    `TRY_CAST(${parts}.date || ' ' || ${parts}.hour || ':' || ${parts}.minute || ':' ` +
    `|| CASE WHEN ${parts}.second = '' THEN '00' ELSE ${parts}.second END || '.' || left(${parts}.fraction || '000000', 6) AS TIMESTAMP)`
  const offsetMinutes =
    `CASE WHEN ${parts}.zone = 'Z' THEN 0 ELSE (CASE ${parts}.sign WHEN '-' THEN -1 ELSE 1 END) ` +
    `* (TRY_CAST(${parts}.oh AS INTEGER) * 60 + TRY_CAST(${parts}.om AS INTEGER)) END`
  return `CASE WHEN starts_with(${parts}.date, '0000') THEN NULL ELSE ${wall} - to_minutes(${offsetMinutes}) END`
}

/** `'<column>: "' || value || '" <text>'` */
function badValue(column: string, value: string, text: string): string {
  return `${sqlString(`${column}: "`)} || ${value} || ${sqlString(`" ${text}`)}`
}

/** The reason a value breaks its column's rule, or NULL; `utc` is the column's UTC value, for timestamps. */
function columnReasonSql(column: ColumnSpec, utc: string | undefined, day: string): string {
  const v = quoteIdent(column.name)
  const name = column.name
  const whenEmpty = column.nullable ? 'NULL' : sqlString(`${name}: required value is missing`)
  const branches: string[] = []
  const rule = column.rule
  switch (rule.kind) {
    case 'id':
      branches.push(`WHEN NOT regexp_full_match(${v}, ${sqlString(ID_PATTERN)}) THEN ${badValue(name, v, `is not a valid id (${ID_PATTERN})`)}`)
      break
    case 'date':
      branches.push(`WHEN NOT ${validDateSql(v)} THEN ${badValue(name, v, 'is not a real calendar date YYYY-MM-DD')}`)
      break
    case 'bool':
      branches.push(`WHEN NOT regexp_full_match(${v}, '[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0') THEN ${badValue(name, v, 'is not a boolean (true, false, 1 or 0)')}`)
      break
    case 'enum':
      branches.push(`WHEN ${v} NOT IN (${rule.values.map(sqlString).join(', ')}) THEN ${badValue(name, v, `is not one of ${rule.values.join(', ')}`)}`)
      break
    case 'lowercase_word':
      branches.push(`WHEN NOT regexp_full_match(${v}, ${sqlString(LOWERCASE_WORD)}) THEN ${badValue(name, v, `is not a lowercase word (${LOWERCASE_WORD})`)}`)
      break
    case 'country':
      branches.push(`WHEN NOT regexp_full_match(${v}, '[A-Za-z]{2}') THEN ${badValue(name, v, 'is not a 2-letter country code')}`)
      break
    case 'currency':
      branches.push(`WHEN NOT regexp_full_match(${v}, '[A-Za-z]{3}') THEN ${badValue(name, v, 'is not a 3-letter currency code')}`)
      break
    case 'positive_decimal':
      branches.push(
        `WHEN NOT regexp_full_match(${v}, ${sqlString(DECIMAL)}) THEN ${badValue(name, v, 'is not a decimal ([+-]digits[.digits], no exponent or thousands separator)')}`,
        // Decided on the text, not on a double, so a tiny positive value is not taken for 0.
        `WHEN starts_with(${v}, '-') OR NOT regexp_matches(${v}, '[1-9]') THEN ${badValue(name, v, 'is not greater than 0')}`,
        `WHEN isinf(CAST(${v} AS DOUBLE)) THEN ${badValue(name, v, 'is too large for a double')}`,
      )
      break
    case 'timestamp': {
      const nextDay = `${addDays(day, 1)}T00:00:00Z`
      branches.push(
        `WHEN ${utc} IS NULL THEN ${badValue(name, v, `is not a valid timestamp (${TIMESTAMP_FORMAT})`)}`,
        `WHEN ${utc} >= CAST($next_day AS TIMESTAMP) THEN ${badValue(name, v, `is at or after ${nextDay}, the start of the day after ingest day ${day}`)}`,
      )
      break
    }
  }
  return `CASE WHEN ${v} IS NULL OR ${v} = '' THEN ${whenEmpty} ${branches.join(' ')} END`
}

/** Build the checked table: every record with its reason (NULL when valid). */
async function checkTable(db: DuckDb, table: LoadedTable, day: string): Promise<void> {
  const { spec } = table
  const parsed: string[] = []
  const converted: string[] = []
  const reasons: string[] = []
  for (const [index, column] of spec.columns.entries()) {
    let utc: string | undefined
    if (column.rule.kind === 'timestamp') {
      utc = `_utc${index}`
      parsed.push(`${timestampPartsSql(quoteIdent(column.name))} AS _ts${index}`)
      converted.push(`${utcTimestampSql(`_ts${index}`)} AS ${utc}`)
    }
    reasons.push(columnReasonSql(column, utc, day))
  }
  const load = quoteIdent(table.loadTable)
  const source = parsed.length === 0 ? load : `(SELECT *, ${converted.join(', ')} FROM (SELECT *, ${parsed.join(', ')} FROM ${load}))`
  const reason =
    `CASE WHEN _problem IS NOT NULL THEN _problem ` +
    `WHEN _fields <> ${table.headerFields} THEN 'record: expected ${table.headerFields} fields (as in the header), found ' || CAST(_fields AS VARCHAR) ` +
    `ELSE NULLIF(concat_ws('; ', ${reasons.join(', ')}), '') END`
  const columns = spec.columns.map((c) => quoteIdent(c.name)).join(', ')
  await db.run(
    `CREATE OR REPLACE TEMP TABLE ${quoteIdent(table.checkedTable)} AS
     SELECT _line, _original, ${reason} AS _reason, ${columns}
     FROM ${source}`,
    parsed.length === 0 ? undefined : { next_day: addDays(day, 1) },
  )
  await db.run(`DROP TABLE ${quoteIdent(table.loadTable)}`)
}

// ---------------------------------------------------------------------------------------------
// Writing

async function writeValidRows(db: DuckDb, table: LoadedTable, path: string): Promise<{ rowsRead: number; valid: number; quarantined: number }> {
  const checked = quoteIdent(table.checkedTable)
  // The spec's "an empty optional value is null" applies here already, so raw and curated agree.
  const columns = table.spec.columns.map((c) => (c.nullable ? `NULLIF(${quoteIdent(c.name)}, '') AS ${quoteIdent(c.name)}` : quoteIdent(c.name))).join(', ')
  await db.run(`COPY (SELECT ${columns}, _line FROM ${checked} WHERE _reason IS NULL ORDER BY _line) TO ${sqlString(path)} (FORMAT parquet)`)
  const [counts] = await db.all<{ rows_read: bigint; quarantined: bigint }>(
    `SELECT count(*) AS rows_read, count(_reason) AS quarantined FROM ${checked}`,
  )
  const rowsRead = Number(counts?.rows_read ?? 0)
  const quarantined = Number(counts?.quarantined ?? 0)
  return { rowsRead, valid: rowsRead - quarantined, quarantined }
}

async function writeQuarantine(db: DuckDb, tables: readonly LoadedTable[], path: string): Promise<void> {
  const parts = tables.map(
    (t, order) =>
      `SELECT ${order} AS _order, ${sqlString(t.spec.name)} AS "table", _line AS line, _reason AS reason, _original AS original ` +
      `FROM ${quoteIdent(t.checkedTable)} WHERE _reason IS NOT NULL`,
  )
  await db.run(
    `COPY (SELECT "table", CAST(line AS BIGINT) AS line, reason, original FROM (${parts.join(' UNION ALL ')}) ORDER BY _order, line)
     TO ${sqlString(path)} (FORMAT parquet)`,
  )
}
