import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { StrataError } from '../../framework/errors/index.js'
import { openDuckDb } from '../../resources/duckdb.js'
import { sqlString, type SqlEngine } from '../../framework/sql/index.js'
import { LocalLanding } from '../../assets/landing/index.js'
import { materializeRaw, quarantineViolations, type RawMetadata } from '../../assets/lib/raw.js'
import type { TableName } from '../../assets/lib/tables.js'
import { CsvTokenizer, encodeCsvRecord } from '../../assets/lib/csv-reader.js'

const DAY = '2026-03-01'

/** A small landing day where every row is valid; tests override one table at a time. */
const VALID: Record<TableName, string> = {
  customers: 'customer_id,signup_date,country,has_robo_advice,alerts_enabled\nC000123,2024-01-15,DE,true,0\n00123,2023-12-31,,FALSE,1\n',
  statements: 'customer_id,delivery_mode\nC000123,electronic\n00123,paper\n',
  channel_events: 'event_id,customer_id,ts,channel,event\nE1,C000123,2026-03-01T08:00:00Z,app,login\n',
  trades: 'trade_id,customer_id,ts,channel,notional,currency\nT1,C000123,2026-03-01T10:00:00+01:00,web,100.50,EUR\n',
  tickets: 'ticket_id,customer_id,opened_ts,resolved_via\nK1,C000123,2026-02-20T09:00Z,chat\nK2,00123,2026-03-01T09:00:00.5-0130,\n',
  marketing: 'event_id,customer_id,ts,event\nM1,00123,2026-03-01T12:00Z,webinar_attended\n',
}

interface QuarantineRow {
  table: string
  line: string
  reason: string
  original: string
}

let db: SqlEngine
let work: string
let root: string
let out: string

beforeAll(async () => {
  db = await openDuckDb()
})
afterAll(async () => {
  db.close()
})
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'strata-raw-'))
  root = join(work, 'landing')
  out = join(work, 'raw')
  return () => rm(work, { recursive: true, force: true })
})

/** Land VALID with `overrides` (a string or bytes; null = do not land; `name` renames the file). */
async function land(overrides: Partial<Record<TableName, string | Buffer | null | { name: string; body: string | Buffer }>> = {}): Promise<void> {
  const folder = join(root, `ingest_date=${DAY}`)
  await mkdir(folder, { recursive: true })
  for (const table of Object.keys(VALID) as TableName[]) {
    const override = overrides[table]
    if (override === null) continue
    if (override !== undefined && typeof override === 'object' && !Buffer.isBuffer(override)) await writeFile(join(folder, override.name), override.body)
    else await writeFile(join(folder, `${table}.csv`), override ?? VALID[table])
  }
}

async function run(): Promise<RawMetadata> {
  return materializeRaw({ db, landing: new LocalLanding(root), day: DAY, outputDir: out })
}

async function quarantine(table?: string): Promise<QuarantineRow[]> {
  const rows = await db.json<QuarantineRow>(`SELECT * FROM read_parquet(${sqlString(join(out, 'quarantine.parquet'))})`)
  return table === undefined ? rows : rows.filter((r) => r.table === table)
}

async function reasons(table: string): Promise<Record<string, string>> {
  return Object.fromEntries((await quarantine(table)).map((r) => [r.line, r.reason]))
}

async function valid(table: string): Promise<Record<string, string | null>[]> {
  return db.json(`SELECT * FROM read_parquet(${sqlString(join(out, `${table}.parquet`))})`)
}

async function failure(): Promise<StrataError> {
  const error = await run().catch((e: unknown) => e)
  expect(error).toBeInstanceOf(StrataError)
  return error as StrataError
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}

describe('materializeRaw: outputs and metadata', () => {
  it('writes every table as landed (VARCHAR in spec order, then _line) and an empty quarantine', async () => {
    await land()
    const meta = await run()
    expect(meta.tables.customers).toEqual({
      file: join(root, `ingest_date=${DAY}`, 'customers.csv'),
      rows_read: 2,
      valid: 2,
      quarantined: 0,
      quarantine_rate: 0,
      extra_columns: [],
    })
    expect(meta.rows_read).toBe(9)
    expect(await quarantine()).toEqual([])
    expect(await db.describe(`SELECT * FROM read_parquet(${sqlString(join(out, 'quarantine.parquet'))})`)).toEqual([
      { name: 'table', type: 'VARCHAR' },
      { name: 'line', type: 'BIGINT' },
      { name: 'reason', type: 'VARCHAR' },
      { name: 'original', type: 'VARCHAR' },
    ])
    expect(await db.describe(`SELECT * FROM read_parquet(${sqlString(join(out, 'trades.parquet'))})`)).toEqual(
      ['trade_id', 'customer_id', 'ts', 'channel', 'notional', 'currency'].map((name) => ({ name, type: 'VARCHAR' })).concat([{ name: '_line', type: 'BIGINT' }]),
    )
    // Ids are text: leading zeros survive; the empty optional country is null.
    expect(await valid('customers')).toEqual([
      { customer_id: 'C000123', signup_date: '2024-01-15', country: 'DE', has_robo_advice: 'true', alerts_enabled: '0', _line: '2' },
      { customer_id: '00123', signup_date: '2023-12-31', country: null, has_robo_advice: 'FALSE', alerts_enabled: '1', _line: '3' },
    ])
    expect((await valid('tickets'))[1]).toMatchObject({ ticket_id: 'K2', resolved_via: null })
  })

  it('accepts any column order, reports extra columns, and nulls an absent optional column', async () => {
    await land({
      customers: 'alerts_enabled,notes,has_robo_advice,signup_date,customer_id\n1,hello,0,2024-02-29,C1\n',
      trades: 'currency_x,notional,channel,ts,customer_id,trade_id\nEUR,5,app,2026-03-01T00:00Z,C1,T1\n',
    })
    const meta = await run()
    expect(meta.tables.customers.extra_columns).toEqual(['notes'])
    expect(meta.tables.trades.extra_columns).toEqual(['currency_x'])
    expect(await valid('customers')).toEqual([{ customer_id: 'C1', signup_date: '2024-02-29', country: null, has_robo_advice: '0', alerts_enabled: '1', _line: '2' }])
    expect((await valid('trades'))[0]).toMatchObject({ trade_id: 'T1', notional: '5', currency: null })
  })

  it('reads a gzipped file', async () => {
    await land({ trades: { name: 'trades.csv.gz', body: gzipSync(VALID.trades + 'T2,C1,2026-03-01T11:00Z,app,1,USD\n') } })
    const meta = await run()
    expect(meta.tables.trades).toMatchObject({ file: join(root, `ingest_date=${DAY}`, 'trades.csv.gz'), rows_read: 2, valid: 2 })
  })

  it('counts a header-only file as zero rows', async () => {
    await land({ marketing: 'event_id,customer_id,ts,event\n' })
    const meta = await run()
    expect(meta.tables.marketing).toMatchObject({ rows_read: 0, valid: 0, quarantined: 0, quarantine_rate: 0 })
    expect(await valid('marketing')).toEqual([])
  })
})

describe('materializeRaw: row rules and their reasons', () => {
  it('customers: missing value, id pattern, date, country, boolean', async () => {
    await land({
      customers: [
        'customer_id,signup_date,country,has_robo_advice,alerts_enabled',
        ',2024-01-15,DE,true,0',
        'C 1,2024-01-15,DE,true,0',
        `${'x'.repeat(65)},2024-01-15,DE,true,0`,
        'C2,2026-02-29,DE,true,0',
        'C3,2026-1-5,DE,true,0',
        'C4,2024-01-15,DEU,true,0',
        'C5,2024-01-15,de,yes, 1',
        'C6,2024-01-15,,TRUE,False',
        'C7,,D1,,0',
        `${'y'.repeat(5000)},2024-01-15,DE,true,0`,
      ].join('\n'),
    })
    const meta = await run()
    expect(await reasons('customers')).toEqual({
      '2': 'customer_id: required value is missing',
      '3': 'customer_id: "C 1" is not a valid id (^[A-Za-z0-9_-]{1,64}$)',
      '4': `customer_id: "${'x'.repeat(65)}" is not a valid id (^[A-Za-z0-9_-]{1,64}$)`,
      '5': 'signup_date: "2026-02-29" is not a real calendar date YYYY-MM-DD',
      '6': 'signup_date: "2026-1-5" is not a real calendar date YYYY-MM-DD',
      '7': 'country: "DEU" is not a 2-letter country code',
      '8': 'has_robo_advice: "yes" is not a boolean (true, false, 1 or 0); alerts_enabled: " 1" is not a boolean (true, false, 1 or 0)',
      '10': 'signup_date: required value is missing; country: "D1" is not a 2-letter country code; has_robo_advice: required value is missing',
      // A reason quotes at most 100 characters of a value; the whole record stays in `original`.
      '11': `customer_id: "${'y'.repeat(100)}…" is not a valid id (^[A-Za-z0-9_-]{1,64}$)`,
    })
    expect(meta.tables.customers).toMatchObject({ rows_read: 10, valid: 1, quarantined: 9 })
    expect(meta.tables.customers.quarantine_rate).toBeCloseTo(9 / 10)
  })

  it('enums are case-sensitive; lowercase words; several rules on one row in column order', async () => {
    await land({
      statements: 'customer_id,delivery_mode\nC1,Electronic\nC2,email\nC3,paper\n',
      channel_events: [
        'event_id,customer_id,ts,channel,event',
        'E1,,2026-03-01T08:00Z,fax,login',
        'E2,C1,2026-03-01T08:00Z,app,Login',
        'E3,C1,2026-03-01T08:00Z,atm,log-in',
        'E4,C1,2026-03-01T08:00Z,ATM,1login',
      ].join('\n'),
      tickets: 'ticket_id,customer_id,opened_ts,resolved_via\nK1,C1,2026-03-01T08:00Z,sms\nK2,C1,2026-03-01T08:00Z,\n',
      marketing: 'event_id,customer_id,ts,event\nM1,C1,2026-03-01T08:00Z,Email_Open\nM2,C1,2026-03-01T08:00Z,email_open\n',
    })
    await run()
    expect(await reasons('statements')).toEqual({
      '2': 'delivery_mode: "Electronic" is not one of electronic, paper',
      '3': 'delivery_mode: "email" is not one of electronic, paper',
    })
    expect(await reasons('channel_events')).toEqual({
      '2': 'customer_id: required value is missing; channel: "fax" is not one of app, web, branch, phone, atm',
      '3': 'event: "Login" is not a lowercase word (^[a-z][a-z0-9_]*$)',
      '4': 'event: "log-in" is not a lowercase word (^[a-z][a-z0-9_]*$)',
      '5': 'channel: "ATM" is not one of app, web, branch, phone, atm; event: "1login" is not a lowercase word (^[a-z][a-z0-9_]*$)',
    })
    expect(await reasons('tickets')).toEqual({ '2': 'resolved_via: "sms" is not one of app, web, chat, phone, branch, email' })
    expect(await reasons('marketing')).toEqual({ '2': 'event: "Email_Open" is not a lowercase word (^[a-z][a-z0-9_]*$)' })
  })

  it('trades: decimal grammar, notional > 0 (never nulled), currency, channel enum', async () => {
    const rows = ['abc', '1e5', '1,000.00', '1 000', '0', '-5', '0.000', '1.', '+.5', '.5', '-.5', '+12.50', '007', '']
    await land({
      trades: [
        'trade_id,customer_id,ts,channel,notional,currency',
        ...rows.map((n, i) => `T${i},C1,2026-03-01T08:00Z,app,${n.includes(',') ? `"${n}"` : n},EUR`),
        'T90,C1,2026-03-01T08:00Z,atm,1,EU',
        'T91,C1,2026-03-01T08:00Z,advisor,1,usd',
      ].join('\n'),
    })
    const meta = await run()
    const grammar = 'is not a decimal ([+-]digits[.digits], no exponent or thousands separator)'
    expect(await reasons('trades')).toEqual({
      '2': `notional: "abc" ${grammar}`,
      '3': `notional: "1e5" ${grammar}`,
      '4': `notional: "1,000.00" ${grammar}`,
      '5': `notional: "1 000" ${grammar}`,
      '6': 'notional: "0" is not greater than 0',
      '7': 'notional: "-5" is not greater than 0',
      '8': 'notional: "0.000" is not greater than 0',
      '9': `notional: "1." ${grammar}`,
      '12': 'notional: "-.5" is not greater than 0',
      '15': 'notional: required value is missing',
      '16': 'channel: "atm" is not one of app, web, branch, phone, advisor; currency: "EU" is not a 3-letter currency code',
    })
    expect((await valid('trades')).map((r) => r.notional)).toEqual(['+.5', '.5', '+12.50', '007', '1'])
    expect(meta.tables.trades).toMatchObject({ rows_read: 16, valid: 5, quarantined: 11 })
  })

  it('timestamps: grammar, zones, calendar, and the end of the ingest day', async () => {
    const values = [
      '2026-03-01T23:59:59Z', // kept: last second of the day
      '2026-03-02T00:00:00Z', // at 00:00Z of the next day
      '2026-03-02T00:30:00+01:00', // 23:30Z: kept
      '2026-03-01T23:30:00-01:00', // 00:30Z next day
      '2026-03-01T23:59:59.9999999Z', // kept
      '2025-12-31T10:00Z', // late row: kept
      '2026-03-01T08:00:00', // no zone
      '2026-03-01 08:00:00Z', // space
      '2026-02-30T08:00Z', // not a date
      '2026-03-01T24:00Z', // hour 24
      '2026-03-01T08:60Z',
      '2026-03-01T08:00:60Z',
      '2026-03-01T08:00+1:00',
      '2026-03-01T08:00:00.Z',
      '2026-03-01T08:00+0100', // kept
      '2026-03-01t08:00z',
    ]
    await land({
      channel_events: ['event_id,customer_id,ts,channel,event', ...values.map((ts, i) => `E${i},C1,${ts},app,login`)].join('\n'),
    })
    await run()
    const format = 'is not a valid timestamp (YYYY-MM-DDTHH:MM[:SS[.fraction]] then Z, ±HH:MM or ±HHMM)'
    const late = 'is at or after 2026-03-02T00:00:00Z, the start of the day after ingest day 2026-03-01'
    const expected: Record<string, string> = {}
    for (const [i, ts] of values.entries()) {
      if ([0, 2, 4, 5, 14].includes(i)) continue
      expected[String(i + 2)] = `ts: "${ts}" ${[1, 3].includes(i) ? late : format}`
    }
    expect(await reasons('channel_events')).toEqual(expected)
    expect((await valid('channel_events')).map((r) => r.ts)).toEqual([values[0], values[2], values[4], values[5], values[14]])
  })

  it('a record with the wrong number of fields is quarantined as such', async () => {
    await land({ statements: 'customer_id,delivery_mode\nC1\nC2,paper,extra\nC3,paper\n' })
    await run()
    expect(await quarantine('statements')).toEqual([
      { table: 'statements', line: '2', reason: 'record: expected 2 fields (as in the header), found 1', original: 'C1' },
      { table: 'statements', line: '3', reason: 'record: expected 2 fields (as in the header), found 3', original: 'C2,paper,extra' },
    ])
  })
})

describe('materializeRaw: physical lines and originals', () => {
  it('follows a quoted field open across lines past the lines fetched at once (8,192)', async () => {
    const row = (id: string, subject: string): string => `${id},C1,2026-03-01T09:00Z,chat,${subject}`
    // K0's middle line is plain, so the first fetch starts there (line 3) and ends at line 8194,
    // inside KX (lines 8192-8196): its line 8195 needs a second fetch.
    const lines = ['ticket_id,customer_id,opened_ts,resolved_via,subject', row('K0', '"three\nplain\nlines"')]
    while (lines.length + 2 < 8191) lines.push(row(`K${lines.length}`, 'plain'))
    lines.push(row('KX', '"a\nb\nc\nd\ne"'), row('KY', 'plain'))
    await land({ tickets: `${lines.join('\n')}\n` })
    const meta = await run()
    expect(meta.tables.tickets).toMatchObject({ rows_read: lines.length - 1, valid: lines.length - 1, quarantined: 0 })
    const rows = await valid('tickets')
    expect(rows.slice(0, 2).map((r) => [r.ticket_id, r._line])).toEqual([
      ['K0', '2'],
      ['K2', '5'],
    ])
    expect(rows.slice(-2).map((r) => [r.ticket_id, r._line])).toEqual([
      ['KX', '8192'],
      ['KY', '8197'],
    ])
  })

  it('counts lines through a BOM, CRLF, blank lines and quoted newlines; re-encodes originals as CSV', async () => {
    await land({
      statements: '\uFEFFcustomer_id,delivery_mode\r\n\r\nC1,paper\r\n"C\n2","fax, or ""mail"""\r\n\r\n\r\nC3,paper\r\n,\r\n',
    })
    const meta = await run()
    expect(meta.tables.statements).toMatchObject({ rows_read: 4, valid: 2, quarantined: 2 })
    expect((await valid('statements')).map((r) => [r.customer_id, r._line])).toEqual([
      ['C1', '3'],
      ['C3', '8'],
    ])
    expect(await quarantine('statements')).toEqual([
      {
        table: 'statements',
        line: '4',
        reason: 'customer_id: "C\n2" is not a valid id (^[A-Za-z0-9_-]{1,64}$); delivery_mode: "fax, or "mail"" is not one of electronic, paper',
        original: '"C\n2","fax, or ""mail"""',
      },
      { table: 'statements', line: '9', reason: 'customer_id: required value is missing; delivery_mode: required value is missing', original: ',' },
    ])
  })

  it('quarantines NUL bytes, invalid UTF-8 and broken quoting with a record-level reason', async () => {
    const body = Buffer.concat([
      Buffer.from('customer_id,delivery_mode\nC1,paper\nC2,pa'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('per\nC3,pa\0per\n"C4"x,paper\nC5,paper\nC6,"paper\n'),
    ])
    await land({ statements: body })
    const meta = await run()
    expect(meta.tables.statements).toMatchObject({ rows_read: 6, valid: 2, quarantined: 4 })
    expect(await quarantine('statements')).toEqual([
      { table: 'statements', line: '3', reason: 'record: field 2 is not valid UTF-8', original: 'C2,pa\uFFFD(per' },
      { table: 'statements', line: '4', reason: 'record: field 2 contains a NUL byte', original: 'C3,pa\uFFFDper' },
      { table: 'statements', line: '5', reason: 'record: field 1 has text after its closing quote', original: '"""C4""x",paper' },
      { table: 'statements', line: '7', reason: 'record: field 2 opens a quote that is never closed (the file ends inside it)', original: 'C6,"""paper\n"' },
    ])
  })

  it('keeps line numbers and text through long quoted fields, a BOM inside a field, lone CRs and NULs in UTF-8 text', async () => {
    const long = Array.from({ length: 300 }, (_, i) => (i === 150 ? '\uFEFFmid' : `l${i}`)).join('\n')
    await land({
      statements: `\n\r\ncustomer_id,delivery_mode\nC1,"pa\n${long}"\nC2,paper\n\uFEFFC3,paper\nC4,pa\rper\nC5,p\0é\n"C6",paper\r`,
    })
    const meta = await run()
    expect(meta.tables.statements).toMatchObject({ rows_read: 6, valid: 2, quarantined: 4 })
    expect((await valid('statements')).map((r) => [r.customer_id, r._line])).toEqual([
      ['C2', '305'],
      ['C6', '309'],
    ])
    expect(await quarantine('statements')).toEqual([
      // the reason quotes the first 100 characters; `original` keeps the whole record
      { table: 'statements', line: '4', reason: `delivery_mode: "${`pa\n${long}`.slice(0, 100)}…" is not one of electronic, paper`, original: `C1,"pa\n${long}"` },
      // The driver drops a BOM at the start of a string it reads back; checked in SQL below.
      { table: 'statements', line: '306', reason: 'customer_id: "\uFEFFC3" is not a valid id (^[A-Za-z0-9_-]{1,64}$)', original: 'C3,paper' },
      { table: 'statements', line: '307', reason: 'delivery_mode: "pa\rper" is not one of electronic, paper', original: 'C4,"pa\rper"' },
      { table: 'statements', line: '308', reason: 'record: field 2 contains a NUL byte', original: 'C5,p\uFFFDé' },
    ])
    const [bom] = await db.all<{ kept: boolean }>(
      `SELECT original = chr(65279) || 'C3,paper' AS kept FROM read_parquet(${sqlString(join(out, 'quarantine.parquet'))}) WHERE line = 306`,
    )
    expect(bom?.kept).toBe(true)
  })

  it('reads a gzipped file with quoted newlines and a quote left open at the end', async () => {
    const body = 'trade_id,customer_id,ts,channel,notional,currency\r\nT1,C1,"2026-03-01\nT10:00Z",app,1,EUR\r\nT2,C1,2026-03-01T10:00Z,app,2,EUR\r\nT3,"C1\n\n'
    await land({ trades: { name: 'trades.csv.gz', body: gzipSync(body) } })
    const meta = await run()
    expect(meta.tables.trades).toMatchObject({ rows_read: 3, valid: 1, quarantined: 2 })
    expect((await valid('trades')).map((r) => r._line)).toEqual(['4'])
    expect(await reasons('trades')).toEqual({
      '2': 'ts: "2026-03-01\nT10:00Z" is not a valid timestamp (YYYY-MM-DDTHH:MM[:SS[.fraction]] then Z, ±HH:MM or ±HHMM)',
      '5': 'record: field 2 opens a quote that is never closed (the file ends inside it)',
    })
  })

  it('orders the quarantine by table (spec order), then line', async () => {
    await land({ marketing: 'event_id,customer_id,ts,event\nM1,,2026-03-01T00:00Z,x\n', customers: VALID.customers + ',2024-01-01,,1,1\n' })
    await run()
    expect((await quarantine()).map((r) => [r.table, r.line])).toEqual([
      ['customers', '4'],
      ['marketing', '2'],
    ])
  })
})

describe('materializeRaw: quoted lines split in SQL', () => {
  it('reads every well-formed quoted line as the tokenizer does: commas, doubled quotes, empty and quote-only fields', async () => {
    // The tokenizer is the reference; SQL splits these lines (none is suspect) by masking the
    // commas inside quotes, so each shape of quoting is compared field by field.
    const notes = ['"a, b"', '""', '""""', '","', '",,"', '"x""y"', '"""lead"', '"trail"""', '"a"",""b"', 'plain', '', '"Müller, Zoë"', '"Петров, ""Sofía"""']
    const lines = notes.flatMap((note, i) => [`"C${i}",paper,${note}`, `C${i}x,${note === '' ? '""' : note},paper`, `${note},"electronic"`])
    const body = `customer_id,delivery_mode,note\n${lines.join('\n')}\n`
    await land({ statements: body })
    const meta = await run()
    const tokenizer = new CsvTokenizer({ firstLine: 1, skipBom: true })
    const records = [...tokenizer.push(Buffer.from(body)), ...tokenizer.end()].slice(1)
    expect(records.every((r) => r.problems.length === 0)).toBe(true)
    const ok = (f: readonly string[]): boolean => f.length === 3 && /^[A-Za-z0-9_-]{1,64}$/.test(f[0] ?? '') && (f[1] === 'paper' || f[1] === 'electronic')
    const expectedValid = records.filter((r) => ok(r.fields)).map((r) => [r.fields[0], r.fields[1], String(r.line)])
    const expectedBad = records.filter((r) => !ok(r.fields)).map((r) => [String(r.line), encodeCsvRecord(r.fields)])
    expect(meta.tables.statements).toMatchObject({ rows_read: records.length, valid: expectedValid.length, quarantined: expectedBad.length })
    expect((await valid('statements')).map((r) => [r.customer_id, r.delivery_mode, r._line])).toEqual(expectedValid)
    expect((await quarantine('statements')).map((r) => [r.line, r.original])).toEqual(expectedBad)
  })
})

describe('materializeRaw: line numbering and the exact rules', () => {
  it('counts and numbers lines the same with CRLF throughout, a BOM, no final line ending, or a final blank line', async () => {
    const rows = ['C1,paper', 'C2,electronic', 'C3,fax', 'C4,paper']
    const bodies = [
      `\uFEFFcustomer_id,delivery_mode\r\n${rows.join('\r\n')}`,
      `customer_id,delivery_mode\r\n${rows.join('\r\n')}\r\n`,
      `customer_id,delivery_mode\n${rows.join('\n')}\n`,
      `customer_id,delivery_mode\n${rows.join('\n')}\n\n`, // a blank line after the last record
      `customer_id,delivery_mode\n${rows.slice(0, 2).join('\n')}\n\n${rows.slice(2).join('\n')}`, // a blank line inside
      `customer_id,delivery_mode\r\n${rows.join('\n')}\r\n`, // mixed line endings
    ]
    for (const [i, body] of bodies.entries()) {
      await rm(root, { recursive: true, force: true })
      await land({ statements: body })
      const meta = await run()
      const shift = i === 4 ? 1 : 0
      expect(meta.tables.statements, `body ${i}`).toMatchObject({ rows_read: 4, valid: 3, quarantined: 1 })
      expect((await valid('statements')).map((r) => [r.customer_id, r._line]), `body ${i}`).toEqual([
        ['C1', '2'],
        ['C2', '3'],
        ['C4', String(5 + shift)],
      ])
      expect(await quarantine('statements'), `body ${i}`).toEqual([
        { table: 'statements', line: String(4 + shift), reason: 'delivery_mode: "fax" is not one of electronic, paper', original: 'C3,fax' },
      ])
    }
  })

  it('keeps valid values in every spelling the rules allow, next to a bad row', async () => {
    await land({
      customers: 'customer_id,signup_date,country,has_robo_advice,alerts_enabled\nC1,2024-01-15,DE,tRuE,fALSE\nC2,2024-02-30,DE,true,0\nC3,0999-12-31,,1,True\n',
    })
    const meta = await run()
    expect(meta.tables.customers).toMatchObject({ rows_read: 3, valid: 2, quarantined: 1 })
    expect((await valid('customers')).map((r) => [r.customer_id, r.has_robo_advice, r._line])).toEqual([
      ['C1', 'tRuE', '2'],
      ['C3', '1', '4'],
    ])
    expect(await reasons('customers')).toEqual({ '3': 'signup_date: "2024-02-30" is not a real calendar date YYYY-MM-DD' })
  })
})

describe('materializeRaw: files that fail the partition', () => {
  const folder = (): string => join(root, `ingest_date=${DAY}`)

  it('a missing file names the file and the fix; nothing is written', async () => {
    await land({ tickets: null })
    const error = await failure()
    expect(error.code).toBe('input')
    expect(error.message).toContain(join(folder(), 'tickets.csv'))
    expect(error.hint).toContain('Land tickets.csv (or tickets.csv.gz)')
    expect(await exists(out)).toBe(false)
  })

  it('a missing required column names the file and the column', async () => {
    await land({ trades: 'trade_id,customer_id,ts,Channel,notional\nT1,C1,2026-03-01T00:00Z,app,1\n' })
    const error = await failure()
    expect(error.code).toBe('input')
    expect(error.message).toContain(join(folder(), 'trades.csv'))
    expect(error.message).toContain('required column "channel" is missing from the header')
    expect(error.hint).toContain('Add "channel" to the header of trades.csv')
    expect(error.hint).toContain('"Channel"')
    expect(await exists(out)).toBe(false)
  })

  it('a duplicate header column is refused', async () => {
    await land({ statements: 'customer_id,delivery_mode,customer_id\nC1,paper,C1\n' })
    const error = await failure()
    expect(error.code).toBe('input')
    expect(error.message).toContain('column "customer_id" appears twice in the header (fields 1 and 3)')
    expect(error.hint).toMatch(/Remove or rename/)
  })

  it('a 0-byte file (or only blank lines) has no header', async () => {
    for (const body of ['', '\n\r\n']) {
      await land({ marketing: body })
      const error = await failure()
      expect(error.code).toBe('input')
      expect(error.message).toBe(`${join(folder(), 'marketing.csv')} is empty: it has no header row`)
      expect(error.hint).toContain('event_id, customer_id, ts, event')
    }
  })

  it('a binary file is refused, and a gzip file without .gz gets a hint', async () => {
    await land({ customers: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0xff, 0x10]) })
    let error = await failure()
    expect(error.code).toBe('input')
    expect(error.message).toContain(join(folder(), 'customers.csv'))
    expect(error.message).toContain('the header (line 1) is not readable CSV text')

    await rm(root, { recursive: true })
    await land({ customers: gzipSync(VALID.customers) })
    error = await failure()
    expect(error.hint).toContain('looks gzip-compressed')
  })

  it('a corrupt .gz file is unreadable', async () => {
    await land({ trades: { name: 'trades.csv.gz', body: gzipSync(VALID.trades).subarray(0, 20) } })
    const error = await failure()
    expect(error.code).toBe('input')
    expect(error.message).toContain(`${join(folder(), 'trades.csv.gz')} cannot be read`)
    expect(error.hint).toContain('gzip -t')
  })

  it('a bad partition key is refused', async () => {
    const error = await materializeRaw({ db, landing: new LocalLanding(root), day: '2026-02-30', outputDir: out }).catch((e: unknown) => e)
    expect((error as StrataError).code).toBe('partition')
  })
})

describe('materializeRaw with the tables side by side', () => {
  // Bad rows in several tables, a quoted multi-line record, a gzip file: every load path at once.
  const MESSY: Partial<Record<TableName, string | { name: string; body: Buffer }>> = {
    customers: 'customer_id,signup_date,country,has_robo_advice,alerts_enabled\nC1,2024-01-15,DE,true,0\nC2,2024-02-30,DE,true,0\n"C3",2024-01-01,,1,maybe\n',
    channel_events: { name: 'channel_events.csv.gz', body: gzipSync('event_id,customer_id,ts,channel,event\r\nE1,C1,2026-03-01T08:00:00Z,app,login\r\nE2,C1,2026-03-02T00:00:00Z,fax,Login\r\n') },
    tickets: 'ticket_id,customer_id,opened_ts,resolved_via\nK1,C1,2026-02-20T09:00Z,chat\n"K2",C1,"2026-03-01T09:00Z","ph\none"\nK3,C1\n',
  }

  it('writes the same bytes and metadata as one table at a time', async () => {
    await land(MESSY)
    const one = await run()
    const sideBySide = join(work, 'raw-parallel')
    const parallel = await materializeRaw({ db, landing: new LocalLanding(root), day: DAY, outputDir: sideBySide, parallel: 6 })
    expect(parallel).toEqual(one)
    expect(one.quarantined).toBeGreaterThanOrEqual(4)
    for (const file of ['quarantine', ...Object.keys(VALID)]) {
      expect(await readFile(join(sideBySide, `${file}.parquet`))).toEqual(await readFile(join(out, `${file}.parquet`)))
    }
    expect(await leftoverTables()).toEqual([])
  })

  it('fails with the first bad file in table order, and leaves nothing behind', async () => {
    await land({ trades: 'trade_id,customer_id,ts,Channel,notional\nT1,C1,2026-03-01T00:00Z,app,1\n', marketing: '' })
    const error = (await materializeRaw({ db, landing: new LocalLanding(root), day: DAY, outputDir: out, parallel: 6 }).catch((e: unknown) => e)) as StrataError
    expect(error.message).toContain('required column "channel" is missing from the header')
    expect(await exists(out)).toBe(false)
    expect(await leftoverTables()).toEqual([])
  })

  async function leftoverTables(): Promise<string[]> {
    return (await db.json<{ table_name: string }>(`SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '\\_raw%' ESCAPE '\\'`)).map((t) => t.table_name)
  }
})

describe('quarantineViolations', () => {
  const meta = (counts: Partial<Record<TableName, [number, number]>>): RawMetadata => {
    const tables = {} as RawMetadata['tables']
    for (const name of Object.keys(VALID) as TableName[]) {
      const [rowsRead, quarantined] = counts[name] ?? [100, 0]
      tables[name] = { file: name, rows_read: rowsRead, valid: rowsRead - quarantined, quarantined, quarantine_rate: rowsRead ? quarantined / rowsRead : 0, extra_columns: [] }
    }
    return { partition: DAY, rows_read: 0, valid: 0, quarantined: 0, tables }
  }

  it('lists the tables strictly over the threshold', () => {
    expect(quarantineViolations(meta({ trades: [100, 5] }))).toEqual([])
    expect(quarantineViolations(meta({ trades: [100, 6], tickets: [0, 0] }))).toEqual([{ table: 'trades', rows_read: 100, quarantined: 6, rate: 0.06 }])
    expect(quarantineViolations(meta({ trades: [100, 6] }), 0.1)).toEqual([])
    expect(quarantineViolations(meta({ customers: [10, 1] }), 0).map((v) => v.table)).toEqual(['customers'])
  })
})
