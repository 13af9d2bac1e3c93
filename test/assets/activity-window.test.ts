import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { materializeCustomerActivity } from '../../assets/lib/customer-activity.js'
import { materializeActivityWindow, WINDOW_COLUMNS, WINDOW_FILE, type ActivityPartition, type ActivityWindowMetadata } from '../../assets/lib/activity-window.js'
import { addDays, dateRange } from '../../framework/partitions/index.js'
import { openDuckDb } from '../../resources/duckdb.js'
import { sqlString, type SqlEngine } from '../../framework/sql/index.js'
import { writeCuratedDay, type CuratedTables } from './curated-fixture.js'

const D = '2024-06-30'
const day = (offset: number): string => addDays(D, offset)

/** A window row as `SqlEngine.json` returns it (BIGINT and DECIMAL as strings). */
interface WindowRow {
  customer_id: string
  activity_rows: string
  trades_total: string
  trades_digital: string
  webinars: string
  tickets_total: string
  tickets_resolved_digital: string
  app_logins_30d: string
  notional_grid_high: string | null
  notional_grid_low: string | null
  notional_sum: number
}

describe('materializeActivityWindow', () => {
  let db: SqlEngine
  let root: string
  const activity: ActivityPartition[] = []

  async function ingest(ingestDay: string, tables: Partial<CuratedTables>, into = activity, dir = 'main'): Promise<void> {
    const curated = await writeCuratedDay(db, join(root, dir, 'curated'), ingestDay, tables)
    const outputDir = join(root, dir, 'customer_activity', `dt=${ingestDay}`)
    await materializeCustomerActivity({ db, curated, day: ingestDay, outputDir })
    into.push({ partition: ingestDay, file: join(outputDir, 'activity.parquet') })
  }

  async function build(name: string, key: string, from: readonly ActivityPartition[], previousFile?: string): Promise<{ meta: ActivityWindowMetadata; file: string; rows: WindowRow[] }> {
    const outputDir = join(root, name, `dt=${key}`)
    const meta = await materializeActivityWindow({ db, day: key, activity: from, ...(previousFile ? { previousFile } : {}), outputDir })
    const file = join(outputDir, WINDOW_FILE)
    // No ORDER BY: the file's own order is part of the contract.
    const rows = await db.json<WindowRow>(`SELECT * FROM read_parquet(${sqlString(file)}, hive_partitioning = false)`)
    return { meta, file, rows }
  }

  beforeAll(async () => {
    db = await openDuckDb()
    root = await mkdtemp(join(tmpdir(), 'strata-window-'))
    const trade = (customer_id: string, event_date: string, notional = 10, channel = 'app') => ({ customer_id, event_date, channel, notional })
    const login = (customer_id: string, event_date: string) => ({ customer_id, event_date, channel: 'web', event: 'login' })
    await ingest(day(-93), { trades: [trade('C1', day(-93))] })
    await ingest(day(-92), { trades: [trade('C1', day(-92), 1.5), trade('C4', day(-92))] })
    await ingest(day(-90), { trades: [trade('C1', day(-90), 1000)], channel_events: [login('C2', day(-90))] })
    await ingest(day(-89), {
      // Late rows dated on the D-90 edge from a later ingest day: they leave the window of D with the rest.
      trades: [trade('C1', day(-90), 5000, 'branch'), trade('C2', day(-89), 0.1)],
      tickets: [{ customer_id: 'C3', event_date: day(-90), resolved_via: 'chat' }],
    })
    await ingest(day(-31), { channel_events: [login('C1', day(-31))] })
    await ingest(day(-30), { channel_events: [login('C1', day(-30)), login('C2', day(-31))], marketing: [{ customer_id: 'C1', event_date: day(-30), event: 'webinar_attended' }] })
    // Late logins on the D-30 edge: in the 30-day window of D-1, out of D's.
    await ingest(day(-29), { channel_events: [login('C1', day(-30)), login('C2', day(-29))] })
    await ingest(day(-1), { trades: [trade('C2', day(-1), 0.2), trade('C3', day(-2), 0.003)] })
    await ingest(D, {
      trades: [trade('C1', D, 200, 'branch'), trade('C1', day(-89), 3), trade('C2', day(-90), 77)],
      channel_events: [login('C1', day(-29)), login('C2', day(-30)), login('C3', D)],
      tickets: [{ customer_id: 'C3', event_date: day(-89), resolved_via: 'phone' }],
    })
    await ingest(day(1), { trades: [trade('C4', day(1))], channel_events: [login('C1', day(-29))] })
    await ingest(day(2), { trades: [trade('C4', day(-88))] })
  })
  afterAll(async () => {
    db.close()
    await rm(root, { recursive: true, force: true })
  })

  it('writes exactly the documented columns and types, in order', async () => {
    const { file } = await build('schema', D, activity)
    const columns = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)}, hive_partitioning = false)`)
    expect(columns.map((c) => [c.column_name, c.column_type])).toEqual(WINDOW_COLUMNS.map((c) => [c.name, c.type]))
  })

  it('sums the 90-day window from scratch at the first partition, with the edges where SPEC §3 puts them', async () => {
    const { meta, rows } = await build('first', D, activity)
    expect(meta).toEqual({
      customers: 3,
      computed: 'full',
      full_reason: 'no window of the day before',
      activity_partitions_read: 6,
      first_partition_read: day(-89),
      last_partition_read: D,
      activity_partitions_ignored: 5,
    })
    const grid = (x: number): bigint => BigInt(Math.round(x * 2 ** 40))
    expect(rows.map((r) => [r.customer_id, r.activity_rows, r.trades_total, r.trades_digital, r.webinars, r.tickets_total, r.app_logins_30d, r.notional_grid_high, r.notional_grid_low])).toEqual([
      // D-89 trade (3) and D's (200); the D-30 logins and webinar are in 90d only; one D-29 login counts.
      ['C1', '6', '2', '1', '1', '0', '1', '0', String(grid(3) + grid(200))],
      // D-89 trade, D-1 trade, logins D-31, D-29, D-30 (only D-29 counts in 30d); the D-90 trade and login do not count.
      ['C2', '5', '2', '2', '0', '0', '1', '0', String(grid(0.1) + grid(0.2))],
      ['C3', '3', '1', '1', '0', '1', '1', '0', String(grid(0.003))],
    ])
    expect(rows[0]!.notional_sum).toBe(203)
  })

  it('carries the window forward day by day to exactly the from-scratch window, across the D-90 and D-30 edges', async () => {
    let previous: string | undefined
    for (const key of dateRange(day(-3), day(2))) {
      const lookback = activity.filter((a) => a.partition >= addDays(key, -90) && a.partition <= key)
      const scratch = await build('scratch', key, lookback)
      const carried = await build('carried', key, lookback, previous)
      expect(carried.rows, key).toEqual(scratch.rows)
      expect(carried.meta).toEqual({ ...scratch.meta, computed: previous ? 'incremental' : 'full', full_reason: previous ? null : 'no window of the day before' })
      // Same rows, same writer: the same bytes.
      expect(await readFile(carried.file)).toEqual(await readFile(scratch.file))
      previous = carried.file
    }
  })

  it('sums from scratch when a notional is off the grid, and the day after too', async () => {
    const offGrid: ActivityPartition[] = [...activity.filter((a) => a.partition < D)]
    await ingest(D, { trades: [{ customer_id: 'C1', event_date: D, channel: 'app', notional: 2 ** 61 }, { customer_id: 'C1', event_date: D, channel: 'app', notional: 1.5 }] }, offGrid, 'off-grid')
    const yesterday = await build('off-grid', day(-1), offGrid.filter((a) => a.partition <= day(-1)))
    const today = await build('off-grid', D, offGrid, yesterday.file)
    expect(today.meta).toMatchObject({ computed: 'full', full_reason: expect.stringMatching(/^1 customers whose increment is unsafe/) })
    expect(today.rows.find((r) => r.customer_id === 'C1')).toMatchObject({ trades_total: '2', notional_grid_high: null, notional_grid_low: null, notional_sum: 2 ** 61 })
    const tomorrow = await build('off-grid', day(1), offGrid, today.file)
    expect(tomorrow.meta.computed).toBe('full')
    expect(tomorrow.rows.find((r) => r.customer_id === 'C1')).toMatchObject({ notional_grid_high: null, notional_grid_low: null })
  })

  it('sums a tiny notional in full instead of rounding it to 0 on the grid', async () => {
    const tiny: ActivityPartition[] = [...activity.filter((a) => a.partition < D)]
    await ingest(D, { trades: [{ customer_id: 'C7', event_date: D, channel: 'app', notional: 1e-13 }] }, tiny, 'tiny')
    const today = await build('tiny', D, tiny)
    expect(today.rows.find((r) => r.customer_id === 'C7')).toMatchObject({ trades_total: '1', notional_grid_high: null, notional_grid_low: null, notional_sum: 1e-13 })
  })

  it('sums from scratch when an activity partition holds a row dated after its ingest day', async () => {
    const file = join(root, 'hand-made.parquet')
    await db.run(
      `COPY (SELECT 'C9' AS customer_id, $d::DATE AS event_date, 1::BIGINT AS trades_total, 1::BIGINT AS trades_digital,
              5.0::DOUBLE AS notional_sum, 0::BIGINT AS app_logins, 0::BIGINT AS webinars, 0::BIGINT AS tickets_total,
              0::BIGINT AS tickets_resolved_digital, NULL::BIGINT AS packed_counts, 3::BIGINT AS counts_check) TO ${sqlString(file)} (FORMAT parquet)`,
      { d: D },
    )
    const withLate = [...activity.filter((a) => a.partition < day(-1)), { partition: day(-1), file }, ...activity.filter((a) => a.partition === D)]
    const yesterday = await build('late', day(-1), activity.filter((a) => a.partition <= day(-1)))
    const today = await build('late', D, withLate, yesterday.file)
    expect(today.meta).toMatchObject({ computed: 'full', full_reason: expect.stringMatching(/^1 customers whose increment is unsafe/) })
    expect(today.rows.find((r) => r.customer_id === 'C9')).toMatchObject({ trades_total: '1', notional_sum: 5 })
  })

  it('sums from scratch when the window of the day before does not match the activity', async () => {
    // An empty window for D-1: the rows leaving today were never in it.
    const empty = await build('empty', day(-1), [])
    const today = await build('inconsistent', D, activity.filter((a) => a.partition <= D), empty.file)
    const scratch = await build('inconsistent-scratch', D, activity.filter((a) => a.partition <= D))
    expect(today.meta.computed).toBe('full')
    expect(today.rows).toEqual(scratch.rows)
  })
})
