import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ACTIVITY_COLUMNS, materializeCustomerActivity, PACKED_COUNT_FIELDS } from '../../assets/lib/customer-activity.js'
import { StrataError } from '../../framework/errors/index.js'
import { openDuckDb } from '../../resources/duckdb.js'
import { sqlString, type SqlEngine } from '../../framework/sql/index.js'
import { writeCuratedDay, writeCuratedTable } from './curated-fixture.js'

const DAY = '2024-06-30'

interface ActivityRow {
  customer_id: string
  event_date: string
  trades_total: string
  trades_digital: string
  notional_sum: number
  app_logins: string
  webinars: string
  tickets_total: string
  tickets_resolved_digital: string
  packed_counts: string | null
  counts_check: string
}

/** The columns a row's packed_counts should hold, by PACKED_COUNT_FIELDS (activity_rows = 1). */
function unpack(packed: string): Record<string, string> {
  const value = BigInt(packed)
  return Object.fromEntries(PACKED_COUNT_FIELDS.map((f) => [f.name, String((value >> BigInt(f.shift)) & ((1n << BigInt(f.bits)) - 1n))]))
}

describe('materializeCustomerActivity', () => {
  let db: SqlEngine
  let root: string

  beforeAll(async () => {
    db = await openDuckDb()
    root = await mkdtemp(join(tmpdir(), 'strata-activity-'))
  })
  afterAll(async () => {
    db.close()
    await rm(root, { recursive: true, force: true })
  })

  async function read(file: string): Promise<ActivityRow[]> {
    return db.json<ActivityRow>(`SELECT * FROM read_parquet(${sqlString(file)}, hive_partitioning = false) ORDER BY customer_id, event_date`)
  }

  it('aggregates one ingest day per customer and event date, late rows under their own date', async () => {
    const curated = await writeCuratedDay(db, root, DAY, {
      trades: [
        { customer_id: '00123', event_date: DAY, channel: 'app', notional: 100.5 },
        { customer_id: '00123', event_date: DAY, channel: 'web', notional: 200.25 },
        { customer_id: '00123', event_date: DAY, channel: 'branch', notional: 50 },
        { customer_id: '00123', event_date: DAY, channel: 'phone', notional: 1 },
        { customer_id: '00123', event_date: DAY, channel: 'advisor', notional: 2 },
        // Late: ingested on DAY, happened five days earlier.
        { customer_id: '00123', event_date: '2024-06-25', channel: 'web', notional: 10 },
      ],
      channel_events: [
        { customer_id: 'C1', event_date: DAY, channel: 'app', event: 'login' },
        { customer_id: 'C1', event_date: DAY, channel: 'web', event: 'login' },
        { customer_id: 'C1', event_date: DAY, channel: 'branch', event: 'login' },
        { customer_id: 'C1', event_date: DAY, channel: 'atm', event: 'login' },
        { customer_id: 'C1', event_date: DAY, channel: 'app', event: 'view' },
        // Nothing countable: no activity row for C2.
        { customer_id: 'C2', event_date: DAY, channel: 'app', event: 'transfer' },
      ],
      marketing: [
        { customer_id: 'C1', event_date: DAY, event: 'webinar_attended' },
        { customer_id: 'C1', event_date: DAY, event: 'email_open' },
        { customer_id: 'C3', event_date: DAY, event: 'email_open' },
      ],
      tickets: [
        { customer_id: 'C1', event_date: DAY, resolved_via: 'app' },
        { customer_id: 'C1', event_date: DAY, resolved_via: 'web' },
        { customer_id: 'C1', event_date: DAY, resolved_via: 'chat' },
        { customer_id: 'C1', event_date: DAY, resolved_via: 'phone' },
        { customer_id: 'C1', event_date: DAY, resolved_via: 'branch' },
        { customer_id: 'C1', event_date: DAY, resolved_via: 'email' },
        { customer_id: 'C1', event_date: DAY, resolved_via: null },
      ],
    })
    const outputDir = join(root, 'activity', `dt=${DAY}`)
    const result = await materializeCustomerActivity({ db, curated, day: DAY, outputDir })

    expect(result).toEqual({ rows: 3 })
    const rows = await read(join(outputDir, 'activity.parquet'))
    expect(rows.map(({ packed_counts: _p, counts_check: _c, ...plain }) => plain)).toEqual([
      { customer_id: '00123', event_date: '2024-06-25', trades_total: '1', trades_digital: '1', notional_sum: 10, app_logins: '0', webinars: '0', tickets_total: '0', tickets_resolved_digital: '0' },
      { customer_id: '00123', event_date: DAY, trades_total: '5', trades_digital: '2', notional_sum: 353.75, app_logins: '0', webinars: '0', tickets_total: '0', tickets_resolved_digital: '0' },
      { customer_id: 'C1', event_date: DAY, trades_total: '0', trades_digital: '0', notional_sum: 0, app_logins: '2', webinars: '1', tickets_total: '7', tickets_resolved_digital: '3' },
    ])
    // One hand-computed value: 1 row + 2 digital trades << 42 + 5 trades << 52.
    expect(rows[1]?.packed_counts).toBe(String(1n + (2n << 42n) + (5n << 52n)))
    for (const row of rows) {
      expect(unpack(row.packed_counts ?? '0')).toEqual({
        activity_rows: '1',
        webinars: row.webinars,
        tickets_total: row.tickets_total,
        tickets_resolved_digital: row.tickets_resolved_digital,
        trades_digital: row.trades_digital,
        trades_total: row.trades_total,
      })
      const plain = [row.trades_total, row.trades_digital, row.webinars, row.tickets_total, row.tickets_resolved_digital].reduce((sum, n) => sum + BigInt(n), 1n)
      expect(row.counts_check).toBe(String(plain))
    }
  })

  it('leaves packed_counts NULL when a count does not fit its field, and still checks the plain counts', async () => {
    const tickets = Array.from({ length: 1100 }, () => ({ customer_id: 'C1', event_date: DAY, resolved_via: 'app' }))
    const curated = await writeCuratedDay(db, join(root, 'wide'), DAY, { tickets, trades: [{ customer_id: 'C2', event_date: DAY, channel: 'app', notional: 1 }] })
    const outputDir = join(root, 'wide-out')
    await materializeCustomerActivity({ db, curated, day: DAY, outputDir })
    const rows = await read(join(outputDir, 'activity.parquet'))
    expect(rows.map((r) => [r.customer_id, r.tickets_total, r.packed_counts === null, r.counts_check])).toEqual([
      ['C1', '1100', true, '2201'],
      ['C2', '0', false, '3'],
    ])
  })

  it('writes the documented schema, in order', async () => {
    const curated = await writeCuratedDay(db, join(root, 'schema'), DAY, { trades: [{ customer_id: 'C1', event_date: DAY, channel: 'app', notional: 1 }] })
    const outputDir = join(root, 'schema-out')
    await materializeCustomerActivity({ db, curated, day: DAY, outputDir })
    const columns = await db.describe(`SELECT * FROM read_parquet(${sqlString(join(outputDir, 'activity.parquet'))})`)
    expect(columns).toEqual(ACTIVITY_COLUMNS.map(({ name, type }) => ({ name, type })))
  })

  it('writes an empty, typed file for a day with no countable rows', async () => {
    const curated = await writeCuratedDay(db, join(root, 'empty'), DAY, {})
    const outputDir = join(root, 'empty-out')
    expect(await materializeCustomerActivity({ db, curated, day: DAY, outputDir })).toEqual({ rows: 0 })
    const columns = await db.describe(`SELECT * FROM read_parquet(${sqlString(join(outputDir, 'activity.parquet'))})`)
    expect(columns.map((c) => c.name)).toEqual(ACTIVITY_COLUMNS.map((c) => c.name))
  })

  it('fails loudly when curated holds a row dated after its ingest day', async () => {
    const curated = await writeCuratedDay(db, join(root, 'future'), DAY, {
      trades: [{ customer_id: 'C1', event_date: '2024-07-01', channel: 'app', notional: 1 }],
    })
    const error = await materializeCustomerActivity({ db, curated, day: DAY, outputDir: join(root, 'future-out') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect(error).toMatchObject({ code: 'input' })
    expect((error as StrataError).message).toContain('2024-07-01')
    expect((error as StrataError).hint).toContain('rebuild curated')
  })

  it('names the files and the fix when a curated file is missing', async () => {
    const curated = await writeCuratedDay(db, join(root, 'missing'), DAY, {})
    const broken = { ...curated, tickets: join(root, 'missing', 'nope.parquet') }
    const error = await materializeCustomerActivity({ db, curated: broken, day: DAY, outputDir: join(root, 'missing-out') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect(error).toMatchObject({ code: 'input' })
    expect((error as StrataError).message).toContain('nope.parquet')
    expect((error as StrataError).hint).toContain(`strata materialize curated --partition ${DAY}`)
  })

  it('rejects a partition key that is not a date', async () => {
    const file = join(root, 'never.parquet')
    await writeCuratedTable(db, 'trades', [], file)
    const curated = { trades: file, channel_events: file, tickets: file, marketing: file }
    await expect(materializeCustomerActivity({ db, curated, day: '2024-02-30', outputDir: root })).rejects.toMatchObject({ code: 'partition' })
  })
})
