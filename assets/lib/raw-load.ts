import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { StrataError } from '../../framework/errors/index.js'
import { quoteIdent, sqlString, type SqlEngine } from '../../framework/sql/index.js'
import { appendRows, type AppendValue } from '../../resources/duckdb.js'
import type { Landing, LandingFile } from '../landing/landing.js'
import { CsvTokenizer, encodeCsvRecord, readCsvFile, type CsvRecord } from './csv-reader.js'
import { readHeader, type Header } from './raw-header.js'
import type { ColumnSpec, TableSpec } from './tables.js'

/**
 * Loading a landing file for raw: every record with its physical line, its fields at the spec's
 * columns, and what the tokenizer found wrong with it. DuckDB reads the text and splits the lines
 * that are one well-formed record each; the JS tokenizer (the RFC 4180 reference) reads only the
 * records DuckDB cannot split, or the whole file when DuckDB cannot take it as text.
 */

export interface LoadedTable {
  readonly spec: TableSpec
  /** The landing path, for messages and metadata. */
  readonly file: string
  /** Temp table for records loaded from JS (all of them, or the few records DuckDB cannot split). */
  readonly loadTable: string
  /**
   * SQL source of every record as read: `_line, _original, _problem, _fields, _split`, then the spec
   * columns. `_split` is TRUE when `_original` is a quoted line as landed, which the quarantine
   * re-encodes as encodeCsvRecord would (see encodedLineSql); otherwise `_original` is final.
   */
  source: string
  /** Temp tables to drop once the records are written. */
  readonly cleanup: string[]
  /** `source` yields its records in line order without a sort (no JS records appended after the plain lines). */
  ordered: boolean
  /** Number of fields in the header: every record must have as many. */
  readonly headerFields: number
  readonly extraColumns: string[]
}

/** Columns of the load table before the spec columns. */
const META_COLUMNS = '_line BIGINT, _original VARCHAR, _problem VARCHAR, _fields INTEGER, _split BOOLEAN'

export interface Located {
  readonly spec: TableSpec
  readonly landed: LandingFile
  /** The landing path, for messages and metadata. */
  readonly file: string
  /** How much work the file is, to start the largest first: its size, a gzip file's times five. */
  readonly weight: number
}

export async function locate(landing: Landing, day: string, spec: TableSpec): Promise<Located> {
  const folder = `${landing.location.replace(/\/+$/, '')}/ingest_date=${day}`
  const landed = await landing.file(day, spec.name)
  if (!landed) {
    throw new StrataError(
      'input',
      `${folder}/${spec.name}.csv is missing: ${spec.name} for ingest day ${day} was not landed`,
      `Land ${spec.name}.csv (or ${spec.name}.csv.gz) in ${folder}, then rebuild raw for ${day}.`,
    )
  }
  const { size } = await stat(landed.localPath)
  return { spec, landed, file: `${folder}/${landed.name}`, weight: landed.gzip ? size * 5 : size }
}

export async function loadTable(db: SqlEngine, located: Located, day: string): Promise<LoadedTable> {
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
    ordered: false,
    headerFields: header.fields,
    extraColumns: header.extra,
  }
  // DuckDB reads the text (decompressed into a scratch file when gzip) and splits the lines;
  // files it cannot take as text go through the tokenizer whole.
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

/**
 * Lines fetched at once for records open across lines. Multi-line records (tickets' subjects) come
 * every few hundred lines, and each query costs milliseconds however few lines it returns, so one
 * window holds a small day's whole tickets file (a few hundred KB).
 */
const WINDOW_LINES = 8192

/** Files above this size are streamed through the tokenizer rather than read as one text value. */
const MAX_TEXT_BYTES = 512 * 1024 * 1024

const STRIPPED_LINE = `CASE WHEN ends_with(l, chr(13)) THEN l[:-2] ELSE l END`
/**
 * One whole RFC 4180 record on one line: fields unquoted (no quote, comma or CR) or quoted (any
 * text but a lone quote). Such a line is read exactly as the tokenizer would read it.
 */
const WELL_FORMED_RECORD = '(?:[^",\\r]*|"(?:[^"]|"")*")(?:,(?:[^",\\r]*|"(?:[^"]|"")*"))*'
/**
 * A line as read into JS, behind one extra character: the driver decodes text with a decoder that
 * drops a leading byte-order mark, and a BOM inside the file is data.
 */
const MARKED_LINE = `'.' || l AS marked`
/**
 * Lines handed to the JS tokenizer: a CR other than the one before the LF, a NUL, or a quote on a
 * line that is not one well-formed record (a quoted field open across lines, a quote inside an
 * unquoted field, text after a closing quote). Real exports quote free text (names with commas),
 * so well-formed quoted lines are split in SQL too. The regex sits behind CASE, not AND: DuckDB
 * evaluates every operand of AND/OR over the whole vector, CASE its THEN branch only for the lines
 * that take it (channel_events at 1M customers: 0.37 → 0.13 CPU-s, as ~0.2 % of its lines quote).
 */
const SUSPECT_LINE = `(contains(${STRIPPED_LINE}, chr(13)) OR contains(l, chr(0)) OR CASE WHEN contains(l, '"') THEN NOT regexp_full_match(${STRIPPED_LINE}, ${sqlString(WELL_FORMED_RECORD)}) ELSE FALSE END)`
/** A quoted field of a well-formed line, quotes included (a lone quote never occurs in one). */
const QUOTED_FIELD = `'"(?:[^"]|"")*"'`
/**
 * The fields of a line that is not suspect (its final CR stripped), as the tokenizer reads them,
 * with each quoted field standing as one NUL (which such a line never holds): a well-formed line
 * quotes only whole fields, so once those are masked, its commas are exactly its separators.
 * `fieldSql` gives a field's value from this list. Real exports quote free text (names,
 * subjects) that raw does not keep, so a quoted field is taken out of the line only when a spec
 * column asks for it: a third less CPU for a day's customers than unquoting every field.
 * DuckDB's own read_csv splits such a file in less CPU again, but cannot give the line of a record
 * it accepts, which raw keeps (see BENCHMARKS.md, "Issue 17").
 */
function lineSkeletonSql(l: string): string {
  return `CASE WHEN contains(${l}, '"') THEN string_split(regexp_replace(${l}, ${QUOTED_FIELD}, chr(0), 'g'), ',') ELSE string_split(${l}, ',') END`
}
/**
 * Field `i` (1-based, a SQL expression) of line `l` split by lineSkeletonSql into `s`: as it
 * stands, or, for a quoted field, the line's k-th quoted field without its quotes and with `""`
 * undoubled, k counting the masked fields up to `i`.
 */
function fieldSql(l: string, s: string, i: string): string {
  const upTo = `array_to_string(${s}[:${i}], '')`
  const k = `(strlen(${upTo}) - strlen(replace(${upTo}, chr(0), '')))`
  return `CASE WHEN ${s}[${i}] = chr(0) THEN replace(regexp_extract_all(${l}, '"((?:[^"]|"")*)"', 1)[${k}], '""', '"') ELSE ${s}[${i}] END`
}
/**
 * A well-formed quoted line (see `_split`) as encodeCsvRecord writes its fields, which may differ
 * from the line (a field quoted that needs no quotes). Computed only for quarantined records, so
 * every field is unquoted here: split on quotes, a well-formed line alternates text outside
 * quotes (odd parts) and inside (even parts; a doubled quote is an empty odd part between two
 * even ones), so masking the commas of the even parts leaves the separators (a lambda over the
 * line's parts; for the few quarantined records, cheaper to plan and run than fieldSql per field).
 */
export function encodedLineSql(l: string): string {
  const masked = `array_to_string(list_transform(string_split(${l}, '"'), (x, i) -> CASE WHEN i % 2 = 0 THEN replace(x, ',', chr(0)) ELSE x END), '"')`
  const f = `list_transform(string_split(${masked}, ','), x -> replace(CASE WHEN starts_with(x, '"') THEN replace(x[2:-2], '""', '"') ELSE x END, chr(0), ','))`
  return (
    `CASE WHEN ${l} = '""' THEN '""' ELSE array_to_string(list_transform(${f}, x -> ` +
    `CASE WHEN contains(x, '"') THEN '"' || replace(x, '"', '""') || '"' WHEN contains(x, ',') OR contains(x, chr(10)) OR contains(x, chr(13)) THEN '"' || x || '"' ELSE x END), ',') END`
  )
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
  // The header line, the last line, and every suspect line, in one statement.
  const picked = await db.all<{ n: bigint; marked: string; odd: boolean; last: boolean }>(
    `SELECT n, ${MARKED_LINE}, odd, n = (SELECT max(n) FROM ${lines}) AS last
     FROM ${lines} WHERE n = ${header.line} OR n = (SELECT max(n) FROM ${lines}) OR odd ORDER BY n`,
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
      const window = await db.all<{ n: bigint; marked: string }>(`SELECT n, ${MARKED_LINE} FROM ${lines} WHERE n >= ${n} AND n < ${n + WINDOW_LINES}`)
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

  const fields = header.positions.map((p, i) => `${p < 0 ? 'CAST(NULL AS VARCHAR)' : fieldSql('l', 'f', String(p + 1))} AS ${quoteIdent((spec.columns[i] as ColumnSpec).name)}`).join(', ')
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
    // Lines a JS record took over are not records of their own.
    skip = ` AND n NOT IN (SELECT n FROM ${quoteIdent(skipName)})`
  }
  // The lines after the header that are neither suspect, nor taken by a JS record, nor blank once
  // a final CR is stripped, split into fields. The LIMIT that limits nothing keeps DuckDB from
  // pushing the checks below the split: it would inline the split into every reference to a
  // field, which made the checks three times as costly.
  let source =
    `SELECT * FROM (SELECT n AS _line, l AS _original, CAST(NULL AS VARCHAR) AS _problem, CAST(len(f) AS INTEGER) AS _fields, contains(l, '"') AS _split, ${fields} ` +
    `FROM (SELECT n, l, ${lineSkeletonSql('l')} AS f FROM (SELECT n, ${STRIPPED_LINE} AS l FROM ${lines} WHERE n > ${header.line} AND NOT odd${skip}) WHERE l <> '') ` +
    `LIMIT ${Number.MAX_SAFE_INTEGER})`
  if (jsRows.length > 0) {
    await createLoadTable(db, table)
    await appendRows(db, table.loadTable, jsRows)
    source += ` UNION ALL SELECT * FROM ${quoteIdent(table.loadTable)}`
  }
  table.source = `(${source})`
  // The lines table is read in the order it was built (DuckDB preserves insertion order), so
  // only the JS records appended after it need a sort.
  table.ordered = jsRows.length === 0
  return true
}

async function createLoadTable(db: SqlEngine, table: LoadedTable): Promise<void> {
  const columns = table.spec.columns.map((c) => `${quoteIdent(c.name)} VARCHAR`).join(', ')
  await db.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(table.loadTable)} (${META_COLUMNS}, ${columns})`)
  table.cleanup.push(table.loadTable)
}

export async function dropTables(db: SqlEngine, names: string[]): Promise<void> {
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
    await appendRows(db, table.loadTable, batches())
  } catch (error) {
    throw unreadable(error)
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

