import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StrataError } from '../../framework/errors/index.js'
import { openDuckDb } from '../../resources/duckdb.js'
import { sqlString, type SqlEngine } from '../../framework/sql/index.js'
import { LocalLanding } from '../../assets/landing/index.js'
import { materializeRaw, type RawMetadata } from '../../assets/lib/raw.js'
import { utcFromTimestampSql } from '../../assets/lib/timestamp-sql.js'
import { curatedSql, materializeCurated, type CuratedMetadata } from '../../assets/lib/curated.js'
import { TABLES, type TableName } from '../../assets/lib/tables.js'

const DAY = '2026-03-01'

const LANDING: Record<TableName, string> = {
  customers: [
    'customer_id,signup_date,country,has_robo_advice,alerts_enabled',
    '00123,2024-01-15,DE,TRUE,0',
    'C000123,2023-12-31,,false,1',
    '00123,2020-01-01,FR,0,0', // duplicate: the first valid row wins
    'C9,not-a-date,DE,1,1', // bad first row ...
    'C9,2022-06-30,gb,1,True', // ... so this valid duplicate is kept
  ].join('\n'),
  statements: 'customer_id,delivery_mode\n00123,electronic\nC000123,paper\nC000123,electronic\n',
  channel_events: [
    'event_id,customer_id,ts,channel,event',
    'E1,00123,2026-03-01T00:30:00+01:00,app,login', // 2026-02-28 23:30 UTC
    'E2,C000123,2026-03-01T23:59:59Z,web,view',
    'E3,C000123,2026-03-02T00:00:00Z,web,view', // next day: quarantined
    'E1,C000123,2026-03-01T05:00Z,web,view', // duplicate id
  ].join('\n'),
  trades: [
    'trade_id,customer_id,ts,channel,notional,currency',
    'T1,00123,2026-03-01T10:00:00.123456789-0230,advisor,+1234.50,EUR',
    'T2,00123,2025-11-30T10:00Z,app,.5,', // late row: kept
    'T3,00123,2026-03-01T10:00Z,app,n/a,EUR', // never nulled: quarantined
  ].join('\n'),
  tickets: 'ticket_id,customer_id,opened_ts,resolved_via\nK1,00123,2026-02-27T09:00Z,chat\nK2,00123,2026-03-01T09:00:00.5Z,\n',
  marketing: 'event_id,customer_id,ts,event\nM1,C000123,2026-03-01T12:00Z,webinar_attended\n',
}

let db: SqlEngine
let work: string
let rawDir: string
let curatedDir: string
let rawMetadata: RawMetadata
let metadata: CuratedMetadata

async function rows(table: string): Promise<Record<string, unknown>[]> {
  return db.json(`SELECT * FROM read_parquet(${sqlString(join(curatedDir, `${table}.parquet`))})`)
}

async function schema(table: string): Promise<string> {
  const columns = await db.describe(`SELECT * FROM read_parquet(${sqlString(join(curatedDir, `${table}.parquet`))})`)
  return columns.map((c) => `${c.name} ${c.type}`).join(', ')
}

beforeAll(async () => {
  db = await openDuckDb()
  work = await mkdtemp(join(tmpdir(), 'strata-curated-'))
  const folder = join(work, 'landing', `ingest_date=${DAY}`)
  await mkdir(folder, { recursive: true })
  for (const [table, body] of Object.entries(LANDING)) await writeFile(join(folder, `${table}.csv`), body)
  rawDir = join(work, 'raw')
  curatedDir = join(work, 'curated')
  rawMetadata = await materializeRaw({ db, landing: new LocalLanding(join(work, 'landing')), day: DAY, outputDir: rawDir })
  metadata = await materializeCurated({ db, rawDir, rawMetadata, outputDir: curatedDir })
})

afterAll(async () => {
  db.close()
  await rm(work, { recursive: true, force: true })
})

describe('materializeCurated', () => {
  it('deduplicates the same way with the small-table (window) and big-table (anti join) plans', async () => {
    for (const spec of TABLES) {
      const rawFile = join(rawDir, `${spec.name}.parquet`)
      const big = await db.json(curatedSql(spec, rawFile))
      expect(big).toEqual(await db.json(curatedSql(spec, rawFile, 0)))
      expect(big).toEqual(await rows(spec.name))
    }
  })

  it('writes the exact schemas', async () => {
    expect(await schema('customers')).toBe('customer_id VARCHAR, signup_date DATE, country VARCHAR, has_robo_advice BOOLEAN, alerts_enabled BOOLEAN')
    expect(await schema('statements')).toBe('customer_id VARCHAR, delivery_mode VARCHAR')
    expect(await schema('channel_events')).toBe('event_id VARCHAR, customer_id VARCHAR, ts TIMESTAMP, event_date DATE, channel VARCHAR, event VARCHAR')
    expect(await schema('trades')).toBe('trade_id VARCHAR, customer_id VARCHAR, ts TIMESTAMP, event_date DATE, channel VARCHAR, notional DOUBLE, currency VARCHAR')
    expect(await schema('tickets')).toBe('ticket_id VARCHAR, customer_id VARCHAR, opened_ts TIMESTAMP, event_date DATE, resolved_via VARCHAR')
    expect(await schema('marketing')).toBe('event_id VARCHAR, customer_id VARCHAR, ts TIMESTAMP, event_date DATE, event VARCHAR')
  })

  it('types values, keeps ids as text and keeps the first valid row of each id', async () => {
    expect(await rows('customers')).toEqual([
      { customer_id: '00123', signup_date: '2024-01-15', country: 'DE', has_robo_advice: true, alerts_enabled: false },
      { customer_id: 'C000123', signup_date: '2023-12-31', country: null, has_robo_advice: false, alerts_enabled: true },
      { customer_id: 'C9', signup_date: '2022-06-30', country: 'gb', has_robo_advice: true, alerts_enabled: true },
    ])
    expect(await rows('statements')).toEqual([
      { customer_id: '00123', delivery_mode: 'electronic' },
      { customer_id: 'C000123', delivery_mode: 'paper' },
    ])
  })

  it('normalises timestamps to UTC and derives the UTC event date', async () => {
    expect(await rows('channel_events')).toEqual([
      { event_id: 'E1', customer_id: '00123', ts: '2026-02-28 23:30:00', event_date: '2026-02-28', channel: 'app', event: 'login' },
      { event_id: 'E2', customer_id: 'C000123', ts: '2026-03-01 23:59:59', event_date: '2026-03-01', channel: 'web', event: 'view' },
    ])
    expect(await rows('trades')).toEqual([
      { trade_id: 'T1', customer_id: '00123', ts: '2026-03-01 12:30:00.123456', event_date: '2026-03-01', channel: 'advisor', notional: 1234.5, currency: 'EUR' },
      { trade_id: 'T2', customer_id: '00123', ts: '2025-11-30 10:00:00', event_date: '2025-11-30', channel: 'app', notional: 0.5, currency: null },
    ])
    expect(await rows('tickets')).toEqual([
      { ticket_id: 'K1', customer_id: '00123', opened_ts: '2026-02-27 09:00:00', event_date: '2026-02-27', resolved_via: 'chat' },
      { ticket_id: 'K2', customer_id: '00123', opened_ts: '2026-03-01 09:00:00.5', event_date: '2026-03-01', resolved_via: null },
    ])
  })

  it('reconciles every table: rows read = curated + quarantined + duplicates', () => {
    expect(metadata.tables.customers).toEqual({ rows_read: 5, curated: 3, quarantined: 1, duplicates: 1, reconciled: true })
    expect(metadata.tables.statements).toEqual({ rows_read: 3, curated: 2, quarantined: 0, duplicates: 1, reconciled: true })
    expect(metadata.tables.channel_events).toEqual({ rows_read: 4, curated: 2, quarantined: 1, duplicates: 1, reconciled: true })
    expect(metadata.tables.trades).toEqual({ rows_read: 3, curated: 2, quarantined: 1, duplicates: 0, reconciled: true })
    expect(metadata).toMatchObject({ partition: DAY, rows_read: 18, curated: 12, quarantined: 3, duplicates: 3 })
    for (const table of Object.values(metadata.tables)) expect(table.rows_read).toBe(table.curated + table.quarantined + table.duplicates)
  })

  it('refuses raw metadata that does not match the raw files', async () => {
    const wrong: RawMetadata = { ...rawMetadata, tables: { ...rawMetadata.tables, trades: { ...rawMetadata.tables.trades, valid: 7, rows_read: 8 } } }
    const error = await materializeCurated({ db, rawDir, rawMetadata: wrong, outputDir: join(work, 'curated-2') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect((error as StrataError).code).toBe('corrupt')
    expect((error as StrataError).message).toContain('trades.parquet holds 2 rows but its metadata says 7')
  })
})

describe('materializeCurated with the tables side by side', () => {
  it('writes the same bytes as one table at a time, and the same metadata', async () => {
    const sideBySide = join(work, 'curated-parallel')
    const parallel = await materializeCurated({ db, rawDir, rawMetadata, outputDir: sideBySide, parallel: 6 })
    expect(parallel).toEqual(metadata)
    for (const spec of TABLES) {
      expect(await readFile(join(sideBySide, `${spec.name}.parquet`))).toEqual(await readFile(join(curatedDir, `${spec.name}.parquet`)))
    }
  })

  it('still refuses raw metadata that does not match before writing anything', async () => {
    const wrong: RawMetadata = { ...rawMetadata, tables: { ...rawMetadata.tables, tickets: { ...rawMetadata.tables.tickets, valid: 9 } } }
    const outputDir = join(work, 'curated-parallel-wrong')
    const error = await materializeCurated({ db, rawDir, rawMetadata: wrong, outputDir, parallel: 6 }).catch((e: unknown) => e)
    expect((error as StrataError).code).toBe('corrupt')
    expect((error as StrataError).message).toContain('tickets.parquet holds 2 rows but its metadata says 9')
    expect(await readdir(outputDir)).toEqual([])
  })
})

describe('utcFromTimestampSql', () => {
  // The reading it replaced: every part extracted by a regex, the wall time rebuilt with a
  // six-digit fraction, the offset applied by hand. Kept here as the oracle.
  const PARTS =
    '^([0-9]{4}-[0-9]{2}-[0-9]{2})T([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:\\.([0-9]+))?)?(Z|([+-])([01][0-9]|2[0-3]):?([0-5][0-9]))$'
  const oracle = (v: string): string => {
    const p = `regexp_extract(${v}, ${sqlString(PARTS)}, ['date', 'hour', 'minute', 'second', 'fraction', 'zone', 'sign', 'oh', 'om'])`
    const wall = `TRY_CAST(${p}.date || ' ' || ${p}.hour || ':' || ${p}.minute || ':' || CASE WHEN ${p}.second = '' THEN '00' ELSE ${p}.second END || '.' || left(${p}.fraction || '000000', 6) AS TIMESTAMP)`
    const offset = `CASE WHEN ${p}.zone = 'Z' THEN 0 ELSE (CASE ${p}.sign WHEN '-' THEN -1 ELSE 1 END) * (TRY_CAST(${p}.oh AS INTEGER) * 60 + TRY_CAST(${p}.om AS INTEGER)) END`
    return `CASE WHEN starts_with(${p}.date, '0000') THEN NULL ELSE ${wall} - to_minutes(${offset}) END`
  }

  it('reads every shape of the grammar to the same UTC value (or NULL) as the regex that extracts each part', async () => {
    let seed = 42
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const two = (n: number): string => String(n).padStart(2, '0')
    const values: string[] = ['0000-01-01T00:00Z', '0001-01-01T00:00+00:01', '9999-12-31T23:59:59.9999999-23:59', '2024-02-29T23:59:59.999999999999Z', '2025-02-29T00:00Z']
    for (let i = 0; i < 5000; i++) {
      const year = ['2026', '2025', '2024', '2000', '1999', '0001', '9999'][next(7)] as string
      let v = `${year}-${two(1 + next(12))}-${two(1 + next(31))}T${two(next(24))}:${two(next(60))}`
      if (next(5) > 0) v += `:${two(next(60))}${next(3) === 0 ? `.${String(next(1_000_000_000)).padStart(9, '0').slice(0, 1 + next(9))}${next(4) === 0 ? '987654321' : ''}` : ''}`
      const zone = next(3)
      v += zone === 0 ? 'Z' : `${next(2) === 0 ? '+' : '-'}${two(next(24))}${zone === 1 ? ':' : ''}${two(next(60))}`
      values.push(v)
    }
    const list = `[${values.map(sqlString).join(', ')}]`
    const [result] = await db.all<{ n: bigint; differ: bigint; nulls: bigint }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE ${utcFromTimestampSql('v')} IS DISTINCT FROM ${oracle('v')}) AS differ, count(*) FILTER (WHERE ${oracle('v')} IS NULL) AS nulls FROM (SELECT unnest(${list}) AS v)`,
    )
    expect(Number(result?.n)).toBe(values.length)
    expect(Number(result?.nulls)).toBeGreaterThan(10) // invalid calendar days and year 0000 are NULL in both
    expect(Number(result?.differ)).toBe(0)
  })
})

describe('materializeCurated on header-only files', () => {
  it('writes empty tables with the same exact schemas and reconciles at zero', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-curated-empty-'))
    try {
      const folder = join(dir, 'landing', `ingest_date=${DAY}`)
      await mkdir(folder, { recursive: true })
      for (const [table, body] of Object.entries(LANDING)) await writeFile(join(folder, `${table}.csv`), `${body.split('\n')[0]}\n`)
      const raw = await materializeRaw({ db, landing: new LocalLanding(join(dir, 'landing')), day: DAY, outputDir: join(dir, 'raw') })
      const meta = await materializeCurated({ db, rawDir: join(dir, 'raw'), rawMetadata: raw, outputDir: join(dir, 'curated') })
      expect(meta.tables.trades).toEqual({ rows_read: 0, curated: 0, quarantined: 0, duplicates: 0, reconciled: true })
      const columns = await db.describe(`SELECT * FROM read_parquet(${sqlString(join(dir, 'curated', 'tickets.parquet'))})`)
      expect(columns.map((c) => `${c.name} ${c.type}`).join(', ')).toBe('ticket_id VARCHAR, customer_id VARCHAR, opened_ts TIMESTAMP, event_date DATE, resolved_via VARCHAR')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
