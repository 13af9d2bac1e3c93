import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, open, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { StrataError } from '../../framework/errors/index.js'
import { addDays, isDateKey } from '../../framework/partitions/index.js'
import { appendRows, quoteIdent, sqlString, type AppendValue, type DuckDb } from '../../resources/duckdb.js'
import type { Landing, LandingFile } from '../../resources/landing.js'
import { CsvTokenizer, encodeCsvRecord, readCsvFile, type CsvRecord } from './csv-reader.js'
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
  /** Temp table for records loaded from JS (all of them, or the few the fast path hands over). */
  readonly loadTable: string
  /** SQL source of every record as read: `_line, _original, _problem, _fields`, then the spec columns. */
  source: string
  /** Temp tables to drop once the records are checked. */
  readonly cleanup: string[]
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
  const unreadable = (error: unknown): StrataError =>
    new StrataError(
      'input',
      `${file} cannot be read: ${(error as Error).message}`,
      landed.gzip
        ? `Check that ${landed.name} is a complete gzip file (gzip -t) and readable, then rebuild raw for ${day}.`
        : `Check that ${landed.name} is readable, then rebuild raw for ${day}.`,
      { cause: error },
    )
  const header = await readHeader(file, landed, spec, day, unreadable)
  const names = { loadTable: `_raw_load_${spec.name}`, checkedTable: `_raw_checked_${spec.name}` }
  const loaded: LoadedTable = { spec, file, ...names, source: '', cleanup: [], headerFields: header.fields, extraColumns: header.extra }
  // Fast path: DuckDB reads the text and splits the plain lines; the JS tokenizer sees only the
  // records it must (quotes, stray CRs, NULs). Files DuckDB cannot take as text go the slow way.
  let scratch: string | undefined
  try {
    let textPath = landed.localPath
    if (landed.gzip) {
      scratch = await mkdtemp(join(tmpdir(), 'strata-raw-'))
      textPath = join(scratch, `${spec.name}.csv`)
      try {
        await pipeline(createReadStream(landed.localPath), createGunzip(), createWriteStream(textPath))
      } catch (error) {
        throw unreadable(error)
      }
    }
    if (await loadLines(db, loaded, textPath, header)) return loaded
  } finally {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
  }
  await loadWithTokenizer(db, loaded, landed, header, unreadable)
  return loaded
}

/** The header record (the first record of the file), checked; fails the partition when unusable. */
async function readHeader(file: string, landed: LandingFile, spec: TableSpec, day: string, unreadable: (error: unknown) => StrataError): Promise<Header> {
  let first: CsvRecord | undefined
  try {
    for await (const batch of readCsvFile(landed.localPath, { gzip: landed.gzip })) {
      first = batch[0]
      break
    }
  } catch (error) {
    throw unreadable(error)
  }
  if (first === undefined) {
    throw new StrataError(
      'input',
      `${file} is empty: it has no header row`,
      `Land ${landed.name} with a header row naming its columns (${spec.columns.map((c) => c.name).join(', ')}), then rebuild raw for ${day}.`,
    )
  }
  return parseHeader(file, landed, spec, first)
}

/** Files above this size are streamed through the tokenizer rather than read as one text value. */
const MAX_TEXT_BYTES = 512 * 1024 * 1024

/** Lines handed to the JS tokenizer: a quote, a CR other than the one before the LF, or a NUL. */
const STRIPPED_LINE = `CASE WHEN ends_with(l, chr(13)) THEN l[:-2] ELSE l END`
/**
 * A line as read into JS, behind one extra character: the driver decodes text with a decoder that
 * drops a leading byte-order mark, and a BOM inside the file is data.
 */
const MARKED_LINE = `'.' || l AS marked`
const SUSPECT_LINE = `(contains(l, '"') OR contains(${STRIPPED_LINE}, chr(13)) OR contains(l, chr(0)))`

/**
 * The fast path: DuckDB's `read_text` gives one row per physical line (split on LF only, so CRs
 * and blank lines keep their place), and plain lines are split on commas in SQL, in the check
 * query itself. A suspect line (see SUSPECT_LINE) starts a record for the JS tokenizer, which
 * also takes the lines after it while a quoted field is open. False, with nothing left behind,
 * when DuckDB cannot take the file as text (not UTF-8, too large) or the header is not one
 * plain line.
 */
async function loadLines(db: DuckDb, table: LoadedTable, textPath: string, header: Header): Promise<boolean> {
  const { spec } = table
  if ((await stat(textPath)).size > MAX_TEXT_BYTES) return false
  const linesName = `_raw_lines_${spec.name}`
  const lines = quoteIdent(linesName)
  try {
    await db.run(
      `CREATE OR REPLACE TEMP TABLE ${lines} AS
       SELECT unnest(s) AS l, CAST(generate_subscripts(s, 1) AS BIGINT) AS n FROM (SELECT string_split(content, chr(10)) AS s FROM read_text(${sqlString(textPath)}))`,
    )
  } catch {
    return false
  }
  table.cleanup.push(linesName)
  // The header line, the last line, and every suspect line, in one pass.
  const picked = await db.all<{ n: bigint; marked: string; odd: boolean; last: boolean }>(
    `SELECT n, ${MARKED_LINE}, n > ${header.line} AND ${SUSPECT_LINE} AS odd, n = (SELECT max(n) FROM ${lines}) AS last
     FROM ${lines} WHERE n = ${header.line} OR n = (SELECT max(n) FROM ${lines}) OR (n > ${header.line} AND ${SUSPECT_LINE}) ORDER BY n`,
  )
  let last = 0
  let head = ''
  const cache = new Map<number, string>()
  for (const row of picked) {
    const n = Number(row.n)
    cache.set(n, row.marked.slice(1))
    if (row.last) last = n
    if (n === header.line) head = row.marked.slice(1)
  }
  // The header must be one plain line (it always is in practice), so every later line is data.
  if (header.line === 1 && head.startsWith('\uFEFF')) head = head.slice(1)
  if (head.endsWith('\r')) head = head.slice(0, -1)
  if (/["\r\0]/.test(head) || head !== header.names.join(',')) {
    await dropTables(db, table.cleanup)
    return false
  }

  const line = async (n: number): Promise<string> => {
    let text = cache.get(n)
    if (text === undefined) {
      // A quoted field open across lines that are not suspect themselves: fetch a window.
      const window = await db.all<{ n: bigint; marked: string }>(`SELECT n, ${MARKED_LINE} FROM ${lines} WHERE n >= ${n} AND n < ${n + 256}`)
      for (const row of window) cache.set(Number(row.n), row.marked.slice(1))
      text = cache.get(n) ?? ''
    }
    return n < last ? `${text}\n` : text
  }
  const rows: AppendValue[][] = []
  const continued: number[] = []
  let consumed = header.line
  for (const row of picked) {
    const start = Number(row.n)
    if (!row.odd || start <= consumed) continue
    const tokenizer = new CsvTokenizer({ firstLine: start, skipBom: false })
    let records = tokenizer.push(Buffer.from(await line(start), 'utf8'))
    let at = start
    while (records.length === 0 && at < last) {
      at++
      continued.push(at)
      records = tokenizer.push(Buffer.from(await line(at), 'utf8'))
    }
    if (records.length === 0) records = tokenizer.end()
    consumed = at
    rows.push(...toRows(records, header.positions))
  }

  const fields = header.positions.map((p, i) => `${p < 0 ? 'CAST(NULL AS VARCHAR)' : `f[${p + 1}]`} AS ${quoteIdent((spec.columns[i] as ColumnSpec).name)}`).join(', ')
  let skip = ''
  if (continued.length > 0) {
    const skipName = `_raw_skip_${spec.name}`
    await db.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(skipName)} (n BIGINT)`)
    table.cleanup.push(skipName)
    await appendRows(
      db,
      skipName,
      continued.map((n) => [n]),
    )
    skip = ` AND n NOT IN (SELECT n FROM ${quoteIdent(skipName)})`
  }
  let source =
    `SELECT n AS _line, l AS _original, CAST(NULL AS VARCHAR) AS _problem, CAST(len(f) AS INTEGER) AS _fields, ${fields} ` +
    `FROM (SELECT n, l, string_split(l, ',') AS f FROM (SELECT n, ${STRIPPED_LINE} AS l FROM ${lines} WHERE n > ${header.line} AND NOT ${SUSPECT_LINE}${skip}) WHERE l <> '')`
  if (rows.length > 0) {
    await createLoadTable(db, table)
    await appendRows(db, table.loadTable, rows)
    source += ` UNION ALL SELECT * FROM ${quoteIdent(table.loadTable)}`
  }
  table.source = `(${source})`
  return true
}

async function createLoadTable(db: DuckDb, table: LoadedTable): Promise<void> {
  const columns = table.spec.columns.map((c) => `${quoteIdent(c.name)} VARCHAR`).join(', ')
  await db.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(table.loadTable)} (${META_COLUMNS}, ${columns})`)
  table.cleanup.push(table.loadTable)
}

async function dropTables(db: DuckDb, names: string[]): Promise<void> {
  for (const name of names.splice(0)) await db.run(`DROP TABLE IF EXISTS ${quoteIdent(name)}`)
}

/** The general path: stream the file through the JS tokenizer into the load table. */
async function loadWithTokenizer(db: DuckDb, table: LoadedTable, landed: LandingFile, header: Header, unreadable: (error: unknown) => StrataError): Promise<void> {
  await createLoadTable(db, table)
  table.source = quoteIdent(table.loadTable)
  async function* batches(): AsyncGenerator<AppendValue[][]> {
    let first = true
    for await (const batch of readCsvFile(landed.localPath, { gzip: landed.gzip })) {
      yield toRows(first ? batch.slice(1) : batch, header.positions)
      first = false
    }
  }
  try {
    await appendRows(db, table.loadTable, batches())
  } catch (error) {
    throw unreadable(error)
  }
}

interface Header {
  /** The physical line of the header record. */
  readonly line: number
  readonly names: readonly string[]
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
    line: record.line,
    names,
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
/** Longest value a reason quotes; the full value is always in the quarantine's `original`. */
const REASON_VALUE_CHARS = 100

function badValue(column: string, value: string, text: string): string {
  const shown = `CASE WHEN length(${value}) > ${REASON_VALUE_CHARS} THEN left(${value}, ${REASON_VALUE_CHARS}) || '…' ELSE ${value} END`
  return `${sqlString(`${column}: "`)} || ${shown} || ${sqlString(`" ${text}`)}`
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
  const load = table.source
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
  await dropTables(db, table.cleanup)
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
