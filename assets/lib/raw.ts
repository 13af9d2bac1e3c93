import { createReadStream, createWriteStream } from 'node:fs'
import { isUtf8 } from 'node:buffer'
import { mkdir, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { StrataError } from '../../framework/errors/index.js'
import { addDays, isDateKey } from '../../framework/partitions/index.js'
import { appendRows, type AppendValue } from '../../resources/duckdb.js'
import { quoteIdent, sqlString, type SqlEngine } from '../../framework/sql/index.js'
import type { Landing, LandingFile } from '../landing/landing.js'
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
  readonly db: SqlEngine
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
  const loaded: LoadedTable[] = []
  try {
    // Every file is found, then loaded with its header checked, before anything is written, so
    // a bad file leaves no partial partition behind; a missing one fails before any loading.
    const located: Located[] = []
    for (const spec of TABLES) located.push(await locate(landing, day, spec))
    for (const file of located) loaded.push(await loadTable(db, file, day))

    await mkdir(outputDir, { recursive: true })
    await createQuarantineTable(db)
    const tables = {} as Record<TableName, RawTableMetadata>
    let rowsRead = 0
    let valid = 0
    let quarantined = 0
    for (const [order, table] of loaded.entries()) {
      const counts = await writeTable(db, table, order, day, join(outputDir, `${table.spec.name}.parquet`))
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
    await writeQuarantine(db, join(outputDir, QUARANTINE_FILE))
    return { partition: day, rows_read: rowsRead, valid, quarantined, tables }
  } finally {
    db.close()
    for (const table of loaded) if (table.scratch !== undefined) await rm(table.scratch, { recursive: true, force: true })
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
  /**
 * SQL source of every record as read: `_line, _original, _problem, _fields, _split`, then the spec
 * columns. `_split` is TRUE when `_original` is a quoted line as landed, which the quarantine
 * re-encodes as encodeCsvRecord would (see writeTable); otherwise `_original` is final.
 */
  source: string
  /** Temp tables to drop once the records are written. */
  readonly cleanup: string[]
  /** Records in `source` (blank lines are not records), duplicates included. */
  rows: number
  /** `source` yields its records in line order without a sort (no JS records appended after the plain lines). */
  ordered: boolean
  /** A folder holding the decompressed text `source` reads, removed once raw is done. */
  scratch?: string
  /** Number of fields in the header: every record must have as many. */
  readonly headerFields: number
  readonly extraColumns: string[]
}

/** Columns of the load table before the spec columns. */
const META_COLUMNS = '_line BIGINT, _original VARCHAR, _problem VARCHAR, _fields INTEGER, _split BOOLEAN'

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

async function loadTable(db: SqlEngine, located: Located, day: string): Promise<LoadedTable> {
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
  const loaded: LoadedTable = {
    spec,
    file,
    loadTable: `_raw_load_${spec.name}`,
    source: '',
    cleanup: [],
    rows: 0,
    ordered: false,
    headerFields: header.fields,
    extraColumns: header.extra,
  }
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
    if (await loadPlainText(db, loaded, textPath, header)) {
      // `source` reads the text file itself, so it must outlive the loading.
      loaded.scratch = scratch
      scratch = undefined
      return loaded
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

const STRIPPED_LINE = `CASE WHEN ends_with(l, chr(13)) THEN l[:-2] ELSE l END`
/**
 * One whole RFC 4180 record on one line: fields unquoted (no quote, comma or CR) or quoted (any
 * text but a lone quote). Such a line is read exactly as the tokenizer would read it.
 */
const WELL_FORMED_RECORD = '(?:[^",\\r]*|"(?:[^"]|"")*")(?:,(?:[^",\\r]*|"(?:[^"]|"")*"))*'
/** Every field of a well-formed record with a leading comma added: each match is one comma and its field. */
const QUOTED_FIELD = ',("(?:[^"]|"")*"|[^",]*)'
/**
 * A line as read into JS, behind one extra character: the driver decodes text with a decoder that
 * drops a leading byte-order mark, and a BOM inside the file is data.
 */
const MARKED_LINE = `'.' || l AS marked`
/**
 * Lines handed to the JS tokenizer: a CR other than the one before the LF, a NUL, or a quote on a
 * line that is not one well-formed record (a quoted field open across lines, a quote inside an
 * unquoted field, text after a closing quote). Real exports quote free text (names with commas),
 * so well-formed quoted lines are split in SQL too.
 */
const SUSPECT_LINE = `(contains(${STRIPPED_LINE}, chr(13)) OR contains(l, chr(0)) OR (contains(l, '"') AND NOT regexp_full_match(${STRIPPED_LINE}, ${sqlString(WELL_FORMED_RECORD)})))`
/**
 * The fields of a line that is not suspect (its final CR stripped), as the tokenizer reads them:
 * split on commas, or, with quotes, field by field with the quotes removed and `""` undoubled.
 */
function lineFieldsSql(l: string): string {
  return (
    `CASE WHEN contains(${l}, '"') THEN list_transform(regexp_extract_all(',' || ${l}, ${sqlString(QUOTED_FIELD)}, 1), ` +
    `x -> CASE WHEN starts_with(x, '"') THEN replace(x[2:-2], '""', '"') ELSE x END) ELSE string_split(${l}, ',') END`
  )
}
const LINE_FIELDS = lineFieldsSql('l')
/**
 * A well-formed quoted line (see `_split`) as encodeCsvRecord writes its fields, which may differ
 * from the line (a field quoted that needs no quotes). Computed only for quarantined records.
 */
function encodedLineSql(l: string): string {
  const f = lineFieldsSql(l)
  return (
    `CASE WHEN ${l} = '""' THEN '""' ELSE array_to_string(list_transform(${f}, x -> ` +
    `CASE WHEN contains(x, '"') THEN '"' || replace(x, '"', '""') || '"' WHEN contains(x, ',') OR contains(x, chr(10)) OR contains(x, chr(13)) THEN '"' || x || '"' ELSE x END), ',') END`
  )
}

/**
 * The fastest path, for the usual file: no quote or NUL anywhere, every CR right before an LF, no
 * blank line but the one after the final line ending, and the header on line 1. Every line after
 * the header is then a plain record, so `source` splits the text as it reads it, with no lines
 * table and no search for suspect lines, and the records are counted from the LFs. False, with
 * nothing left behind, when the file is not such a file (or DuckDB cannot take it as text);
 * loadLines then decides.
 */
async function loadPlainText(db: SqlEngine, table: LoadedTable, textPath: string, header: Header): Promise<boolean> {
  const { spec } = table
  if (header.line !== 1 || (await stat(textPath)).size > MAX_TEXT_BYTES) return false
  const text = `read_text(${sqlString(textPath)})`
  const probe = await probeText(textPath)
  // crlf: NULL without any CR, TRUE when every CR ends a line, FALSE when one does not (a suspect line).
  if (probe === undefined || !probe.plain || probe.crlf === false) return false
  // The first line with its line ending ('' when there is no LF at all).
  let head = probe.head
  if (head.startsWith('\uFEFF')) head = head.slice(1)
  if (head.endsWith('\n')) head = head.slice(0, -1)
  if (head.endsWith('\r')) head = head.slice(0, -1)
  if (head !== header.names.join(',')) return false
  const fields = header.positions.map((p, i) => `${p < 0 ? 'CAST(NULL AS VARCHAR)' : `f[${p + 1}]`} AS ${quoteIdent((spec.columns[i] as ColumnSpec).name)}`).join(', ')
  const line = probe.crlf === true ? STRIPPED_LINE : 'l'
  // The same records loadLines would find: the lines after the header, without the CR before the
  // LF, that are not empty (see there for the LIMIT).
  table.source =
    `(SELECT * FROM (SELECT n AS _line, l AS _original, CAST(NULL AS VARCHAR) AS _problem, CAST(len(f) AS INTEGER) AS _fields, FALSE AS _split, ${fields} ` +
    `FROM (SELECT n, l, string_split(l, ',') AS f FROM (SELECT ${line} AS l, n FROM (SELECT unnest(s) AS l, CAST(generate_subscripts(s, 1) AS BIGINT) AS n ` +
    `FROM (SELECT string_split(content, chr(10)) AS s FROM ${text}))) WHERE n > 1 AND l <> '') LIMIT ${Number.MAX_SAFE_INTEGER}))`
  // Lines = LFs + 1; less the header, and less the empty line after a final LF.
  table.rows = probe.lfs - (probe.finalLf ? 1 : 0)
  table.ordered = true
  return true
}

interface TextProbe {
  /** The text up to and including the first LF ('' when there is none). */
  readonly head: string
  /** No quote, no NUL, no blank line (LF LF or LF CR LF). */
  readonly plain: boolean
  /** NULL without any CR, TRUE when every CR is right before an LF, FALSE otherwise. */
  readonly crlf: boolean | null
  readonly lfs: number
  readonly finalLf: boolean
}

const LF = 0x0a
const CR = 0x0d

/**
 * What loadPlainText needs to know about a text file, found in JS: a few byte scans over a buffer
 * cost less than a DuckDB statement per file (one of six per day, each splitting the text again).
 * Undefined when the file is not UTF-8, which DuckDB's read_text refuses (loadLines then finds out
 * and the tokenizer takes the file).
 */
async function probeText(textPath: string): Promise<TextProbe | undefined> {
  const bytes = await readFile(textPath)
  if (!isUtf8(bytes)) return undefined
  const firstLf = bytes.indexOf(LF)
  const plain = bytes.indexOf(0x22) < 0 && bytes.indexOf(0) < 0 && bytes.indexOf('\n\n') < 0 && bytes.indexOf('\n\r\n') < 0
  let lfs = 0
  for (let at = firstLf; at >= 0; at = bytes.indexOf(LF, at + 1)) lfs++
  let crlf: boolean | null = null
  if (plain && bytes.indexOf(CR) >= 0) {
    crlf = true
    for (let at = bytes.indexOf(CR); at >= 0; at = bytes.indexOf(CR, at + 1)) {
      if (bytes[at + 1] !== LF) {
        crlf = false
        break
      }
    }
  }
  return {
    head: firstLf < 0 ? '' : bytes.toString('utf8', 0, firstLf + 1),
    plain,
    crlf,
    lfs,
    finalLf: bytes.length > 0 && bytes[bytes.length - 1] === LF,
  }
}

/**
 * The fast path: DuckDB's `read_text` gives one row per physical line (split on LF only, so CRs
 * and blank lines keep their place), and plain lines are split on commas in SQL, in the check
 * query itself. A suspect line (see SUSPECT_LINE) starts a record for the JS tokenizer, which
 * also takes the lines after it while a quoted field is open. False, with nothing left behind,
 * when DuckDB cannot take the file as text (not UTF-8, too large) or the header is not one
 * plain line.
 */
async function loadLines(db: SqlEngine, table: LoadedTable, textPath: string, header: Header): Promise<boolean> {
  const { spec } = table
  if ((await stat(textPath)).size > MAX_TEXT_BYTES) return false
  const linesName = `_raw_lines_${spec.name}`
  const lines = quoteIdent(linesName)
  try {
    await db.run(
      // Whether a line is suspect is decided once, here: the later statements only read it.
      `CREATE OR REPLACE TEMP TABLE ${lines} AS SELECT l, n, n > ${header.line} AND ${SUSPECT_LINE} AS odd FROM (
       SELECT unnest(s) AS l, CAST(generate_subscripts(s, 1) AS BIGINT) AS n FROM (SELECT string_split(content, chr(10)) AS s FROM read_text(${sqlString(textPath)})))`,
    )
  } catch {
    return false
  }
  table.cleanup.push(linesName)
  const plainLine = plainLineSql(header.line)
  // The header line, the last line, and every suspect line, plus one extra row (n NULL) with the
  // number of plain records, in one statement.
  const rows = await db.all<{ n: bigint | null; marked: string | null; odd: boolean | null; last: boolean | null; plain: bigint | null }>(
    `SELECT n, ${MARKED_LINE}, odd, n = (SELECT max(n) FROM ${lines}) AS last, CAST(NULL AS BIGINT) AS plain
     FROM ${lines} WHERE n = ${header.line} OR n = (SELECT max(n) FROM ${lines}) OR odd
     UNION ALL SELECT NULL, NULL, NULL, NULL, count(*) FROM ${lines} WHERE ${plainLine}
     ORDER BY n NULLS LAST`,
  )
  let plainRecords = Number(rows.at(-1)?.plain ?? 0)
  const picked = rows.slice(0, -1) as { n: bigint; marked: string; odd: boolean; last: boolean }[]
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
  const jsRows: AppendValue[][] = []
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
    jsRows.push(...toRows(records, header.positions))
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
    // Lines a JS record took over are not plain records of their own.
    const [taken] = await db.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${lines} WHERE ${plainLine} AND n IN (SELECT n FROM ${quoteIdent(skipName)})`)
    plainRecords -= Number(taken?.n ?? 0)
  }
  // The same lines as plainLineSql counts (less the skipped ones), split on commas. The LIMIT that
  // limits nothing keeps DuckDB from pushing the checks below the split: it would inline
  // string_split into every reference to a field, which made the checks three times as costly.
  let source =
    `SELECT * FROM (SELECT n AS _line, l AS _original, CAST(NULL AS VARCHAR) AS _problem, CAST(len(f) AS INTEGER) AS _fields, contains(l, '"') AS _split, ${fields} ` +
    `FROM (SELECT n, l, ${LINE_FIELDS} AS f FROM (SELECT n, ${STRIPPED_LINE} AS l FROM ${lines} WHERE n > ${header.line} AND NOT odd${skip}) WHERE l <> '') ` +
    `LIMIT ${Number.MAX_SAFE_INTEGER})`
  if (jsRows.length > 0) {
    await createLoadTable(db, table)
    await appendRows(db, table.loadTable, jsRows)
    source += ` UNION ALL SELECT * FROM ${quoteIdent(table.loadTable)}`
  }
  table.source = `(${source})`
  table.rows = plainRecords + jsRows.length
  // The lines table is read in the order it was built (DuckDB preserves insertion order), so
  // only the JS records appended after it need a sort.
  table.ordered = jsRows.length === 0
  return true
}

/** The plain records of a lines table: after the header, not suspect, not blank once a final CR is stripped. */
function plainLineSql(headerLine: number): string {
  return `n > ${headerLine} AND NOT odd AND ${STRIPPED_LINE} <> ''`
}

async function createLoadTable(db: SqlEngine, table: LoadedTable): Promise<void> {
  const columns = table.spec.columns.map((c) => `${quoteIdent(c.name)} VARCHAR`).join(', ')
  await db.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(table.loadTable)} (${META_COLUMNS}, ${columns})`)
  table.cleanup.push(table.loadTable)
}

async function dropTables(db: SqlEngine, names: string[]): Promise<void> {
  for (const name of names.splice(0)) await db.run(`DROP TABLE IF EXISTS ${quoteIdent(name)}`)
}

/** The general path: stream the file through the JS tokenizer into the load table. */
async function loadWithTokenizer(db: SqlEngine, table: LoadedTable, landed: LandingFile, header: Header, unreadable: (error: unknown) => StrataError): Promise<void> {
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
    table.rows = await appendRows(db, table.loadTable, batches())
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
      // _split: NULL (not TRUE) — the original is encoded already.
      null,
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
// Hour, minute and second ranges live in the pattern because DuckDB would accept 24:00:00. No
// capture groups: RE2 answers a plain match about twice as fast as one that extracts groups.
const TIMESTAMP = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]+)?)?(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])$'

/** The timestamp grammar, for messages. */
export const TIMESTAMP_FORMAT = 'YYYY-MM-DDTHH:MM[:SS[.fraction]] then Z, ±HH:MM or ±HHMM'

/** The booleans as they usually land: a cheap proof of validity, see `columnOkSql`. */
const COMMON_BOOLEANS = ['true', 'false', 'TRUE', 'FALSE', 'True', 'False', '1', '0']

/** A real calendar date `YYYY-MM-DD` (year 0000 is not one). */
function validDateSql(value: string): string {
  return `(regexp_full_match(${value}, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND TRY_CAST(${value} AS DATE) IS NOT NULL AND NOT starts_with(${value}, '0000'))`
}

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
function utcTimestampSql(value: string): string {
  return `CASE WHEN regexp_full_match(${value}, ${sqlString(TIMESTAMP)}) THEN ${utcFromTimestampSql(value)} END`
}

/** Longest value a reason quotes; the full value is always in the quarantine's `original`. */
const REASON_VALUE_CHARS = 100

/** `'<column>: "' || value || '" <text>'` */
function badValue(column: string, value: string, text: string): string {
  const shown = `CASE WHEN length(${value}) > ${REASON_VALUE_CHARS} THEN left(${value}, ${REASON_VALUE_CHARS}) || '…' ELSE ${value} END`
  return `${sqlString(`${column}: "`)} || ${shown} || ${sqlString(`" ${text}`)}`
}

/** The exact rule: the reason a value breaks its column's rule, or NULL; `utc` is the column's UTC value, for timestamps. */
function columnReasonSql(column: ColumnSpec, utc: string, day: string): string {
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

/**
 * A cheap proof that a value keeps its column's rule: TRUE only when `columnReasonSql` is NULL
 * (FALSE or NULL says nothing; the exact rule then decides). Most rules are already cheap and are
 * used as they are; a boolean is proved by the spellings that land in practice instead of a regex,
 * a date by a round trip instead of a regex and a cast. Lists go through list_contains rather than
 * IN, which DuckDB plans as a join above a handful of values. Every proof below implies a non-empty
 * value.
 */
function columnOkSql(column: ColumnSpec, utc: string): string {
  const v = quoteIdent(column.name)
  const rule = column.rule
  let proof: string
  switch (rule.kind) {
    case 'id':
      proof = `regexp_full_match(${v}, ${sqlString(ID_PATTERN)})`
      break
    case 'date':
      // DuckDB writes a date of years 1-9999 as YYYY-MM-DD (and no other date in 10 characters),
      // so a value it reads back to itself is a real calendar date in the grammar.
      proof = `(strlen(${v}) = 10 AND CAST(TRY_CAST(${v} AS DATE) AS VARCHAR) = ${v})`
      break
    case 'bool':
      proof = `list_contains([${COMMON_BOOLEANS.map(sqlString).join(', ')}], ${v})`
      break
    case 'enum':
      proof = `list_contains([${rule.values.map(sqlString).join(', ')}], ${v})`
      break
    case 'lowercase_word':
      proof = `regexp_full_match(${v}, ${sqlString(LOWERCASE_WORD)})`
      break
    case 'country':
    case 'currency': {
      const letters = rule.kind === 'country' ? '[A-Za-z]{2}' : '[A-Za-z]{3}'
      // Optional columns: the empty value folded into the pattern costs a third less than `= ''` OR the match.
      if (column.nullable) return `(${v} IS NULL OR regexp_full_match(${v}, '(?:${letters})?'))`
      proof = `regexp_full_match(${v}, '${letters}')`
      break
    }
    case 'positive_decimal':
      proof = `(regexp_full_match(${v}, ${sqlString(DECIMAL)}) AND NOT starts_with(${v}, '-') AND regexp_matches(${v}, '[1-9]') AND NOT isinf(TRY_CAST(${v} AS DOUBLE)))`
      break
    case 'timestamp':
      proof = `${utc} < CAST($next_day AS TIMESTAMP)`
      break
  }
  return column.nullable ? `(${v} IS NULL OR ${v} = '' OR ${proof})` : proof
}

/** The UTC value of the column at `index`, a column of `checkedSource` for timestamps. */
function utcColumn(index: number): string {
  return `_utc${index}`
}

/** A table's records with the UTC value of each timestamp column, computed once per record. */
function checkedSource(table: LoadedTable): string {
  const utc = table.spec.columns.flatMap((c, i) => (c.rule.kind === 'timestamp' ? [`${utcTimestampSql(quoteIdent(c.name))} AS ${utcColumn(i)}`] : []))
  return utc.length === 0 ? table.source : `(SELECT *, ${utc.join(', ')} FROM ${table.source})`
}

/** The reason a record of `checkedSource` is quarantined (NULL when it is valid): its problems, its field count, then every column rule. */
function recordReasonSql(table: LoadedTable, day: string): string {
  const reasons = table.spec.columns.map((column, i) => columnReasonSql(column, utcColumn(i), day))
  return (
    `CASE WHEN _problem IS NOT NULL THEN _problem ` +
    `WHEN _fields <> ${table.headerFields} THEN 'record: expected ${table.headerFields} fields (as in the header), found ' || CAST(_fields AS VARCHAR) ` +
    `ELSE NULLIF(concat_ws('; ', ${reasons.join(', ')}), '') END`
  )
}

/** TRUE only for a valid record of `checkedSource` (see `columnOkSql`). */
function recordOkSql(table: LoadedTable): string {
  return [`_problem IS NULL`, `_fields = ${table.headerFields}`, ...table.spec.columns.map((c, i) => columnOkSql(c, utcColumn(i)))].join(' AND ')
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * COPY options of a table file raw or curated writes, for a file of `rows` rows. On a large file a
 * column with more than 4096 distinct values is written PLAIN rather than dictionary-encoded:
 * DuckDB's default gives up on a unique id column (customers' and statements' customer_id, ~100k
 * values a day) only after hashing far more of it into a dictionary, a sixth of the COPY's CPU; at
 * 100k customers those files are byte-for-byte the same as with the default. A small file keeps the
 * default: an explicit limit also drops DuckDB's check that a dictionary pays off, so every column
 * of a day's trades would be dictionary-encoded (larger files). Values never depend on it.
 */
export function tableParquet(rows: number): string {
  return rows >= 50_000 ? 'FORMAT parquet, DICTIONARY_SIZE_LIMIT 4096' : 'FORMAT parquet'
}

/** Temp table collecting every table's quarantined records, for the one quarantine file. */
const QUARANTINE_TABLE = '_raw_quarantine'

async function createQuarantineTable(db: SqlEngine): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(QUARANTINE_TABLE)} (_order INTEGER, "table" VARCHAR, line BIGINT, reason VARCHAR, original VARCHAR)`)
}

/**
 * Write a table's valid records and collect its bad ones. The records are read, split and checked
 * once, into a temp table with the cheap proof's verdict (a small expression: DuckDB plans the full
 * reasons of a table in up to ~15 ms, more than running them on a day's increment); the valid file
 * and the quarantine are written from it. Only records the proof does not accept get their exact
 * reasons, and only when some of those turn out valid after all is the file written again, with them.
 */
async function writeTable(db: SqlEngine, table: LoadedTable, order: number, day: string, path: string): Promise<{ rowsRead: number; valid: number; quarantined: number }> {
  const { spec } = table
  const params = spec.columns.some((c) => c.rule.kind === 'timestamp') ? { next_day: addDays(day, 1) } : undefined
  const checkedName = `_raw_checked_${spec.name}`
  const checked = quoteIdent(checkedName)
  // Real exports always carry a few bad rows; reading the landed text once instead of once for the
  // valid file and again for the quarantine halves raw on them.
  await db.run(
    `CREATE OR REPLACE TEMP TABLE ${checked} AS SELECT *, ${recordOkSql(table)} AS _ok FROM ${checkedSource(table)}${table.ordered ? '' : ' ORDER BY _line'}`,
    params,
  )
  table.cleanup.push(checkedName)
  // The spec's "an empty optional value is null" applies here already, so raw and curated agree.
  const columns = spec.columns.map((c) => (c.nullable ? `NULLIF(${quoteIdent(c.name)}, '') AS ${quoteIdent(c.name)}` : quoteIdent(c.name))).join(', ')
  // Only the exact reasons refer to the next day; the proof was taken when the table was built.
  const copy = async (where: string, withParams: boolean): Promise<number> => {
    const [copied] = await db.all<{ Count: bigint }>(`COPY (SELECT ${columns}, _line FROM ${checked} WHERE ${where}) TO ${sqlString(path)} (${tableParquet(table.rows)})`, withParams ? params : undefined)
    return Number(copied?.Count ?? 0)
  }
  let valid = await copy('_ok', false)
  let quarantined = 0
  if (valid < table.rows) {
    const reason = recordReasonSql(table, day)
    const [inserted] = await db.all<{ Count: bigint }>(
      `INSERT INTO ${quoteIdent(QUARANTINE_TABLE)}
       SELECT ${order}, ${sqlString(spec.name)}, _line, _reason, CASE WHEN _split THEN ${encodedLineSql('_original')} ELSE _original END
       FROM (SELECT _line, _original, _split, ${reason} AS _reason FROM ${checked} WHERE _ok IS NOT TRUE LIMIT ${Number.MAX_SAFE_INTEGER}) WHERE _reason IS NOT NULL`,
      params,
    )
    quarantined = Number(inserted?.Count ?? 0)
    if (valid + quarantined < table.rows) valid = await copy(`_ok OR (${reason}) IS NULL`, true)
  }
  await dropTables(db, table.cleanup)
  if (valid + quarantined !== table.rows) {
    throw new StrataError(
      'compute',
      `raw ${spec.name} (${day}) does not add up: ${table.rows} records read, ${valid} valid, ${quarantined} quarantined`,
      `Rebuild raw for ${day}; if it persists, report it as a bug.`,
    )
  }
  return { rowsRead: table.rows, valid, quarantined }
}

async function writeQuarantine(db: SqlEngine, path: string): Promise<void> {
  await db.run(
    `COPY (SELECT "table", line, reason, original FROM ${quoteIdent(QUARANTINE_TABLE)} ORDER BY _order, line)
     TO ${sqlString(path)} (FORMAT parquet)`,
  )
}
