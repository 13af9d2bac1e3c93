import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { materializeCustomerActivity } from '../../assets/lib/customer-activity.js'
import { FEATURE_COLUMNS, materializeFeatures, type FeaturesMetadata } from '../../assets/lib/features.js'
import { materializeActivityWindow, WINDOW_FILE, type ActivityPartition, type ActivityWindowMetadata } from '../../assets/lib/activity-window.js'
import { StrataError } from '../../framework/errors/index.js'
import { addDays, daysBetween } from '../../framework/partitions/index.js'
import { openDuckDb } from '../../resources/duckdb.js'
import { sqlString, sqlStringList, type SqlEngine } from '../../framework/sql/index.js'
import { writeCuratedDay, type CuratedFiles, type CuratedTables, type CustomerRow, type StatementRow } from './curated-fixture.js'
import { mulberry32 } from '../../assets/lib/mulberry32.js'

const D = '2024-06-30'
const day = (offset: number): string => addDays(D, offset)

/** A features row as `SqlEngine.json` returns it (BIGINT as string). */
interface FeatureRow {
  customer_id: string
  trades_total_90d: string
  trades_digital_90d: string
  pct_trades_digital_90d: number
  avg_notional_90d: number
  app_logins_30d: string
  webinars_90d: string
  e_statement_flag: number
  robo_advice_flag: number
  alerts_enabled_flag: number
  tickets_total_90d: string
  tickets_resolved_digital_90d: string
  pct_tickets_resolved_digital_90d: number
  tenure_days: number
}

function zeros(customer_id: string, tenure_days: number): FeatureRow {
  return {
    customer_id,
    trades_total_90d: '0',
    trades_digital_90d: '0',
    pct_trades_digital_90d: 0,
    avg_notional_90d: 0,
    app_logins_30d: '0',
    webinars_90d: '0',
    e_statement_flag: 0,
    robo_advice_flag: 0,
    alerts_enabled_flag: 0,
    tickets_total_90d: '0',
    tickets_resolved_digital_90d: '0',
    pct_tickets_resolved_digital_90d: 0,
    tenure_days,
  }
}

async function readFeatures(db: SqlEngine, outputDir: string): Promise<FeatureRow[]> {
  // No ORDER BY: the file's own order is part of the contract.
  return db.json<FeatureRow>(`SELECT * FROM read_parquet(${sqlString(join(outputDir, 'features.parquet'))}, hive_partitioning = false)`)
}

/** Curated day + its activity partition. */
async function ingest(db: SqlEngine, root: string, ingestDay: string, tables: Partial<CuratedTables>): Promise<{ curated: CuratedFiles; activity: ActivityPartition }> {
  const curated = await writeCuratedDay(db, root, ingestDay, tables)
  const outputDir = join(root, 'customer_activity', `dt=${ingestDay}`)
  await materializeCustomerActivity({ db, curated, day: ingestDay, outputDir })
  return { curated, activity: { partition: ingestDay, file: join(outputDir, 'activity.parquet') } }
}

/** activity_window(D) from scratch over the passed activity, then features(D) from it; both metadata merged. */
async function buildFeatures(options: {
  db: SqlEngine
  day: string
  activity: readonly ActivityPartition[]
  customersFile: string
  statementsFile: string
  outputDir: string
}): Promise<FeaturesMetadata & Omit<ActivityWindowMetadata, 'customers'>> {
  const { db, day, activity, customersFile, statementsFile, outputDir } = options
  const windowDir = join(outputDir, 'window')
  const { customers: _, ...window } = await materializeActivityWindow({ db, day, activity, outputDir: windowDir })
  const features = await materializeFeatures({ db, day, windowFile: join(windowDir, WINDOW_FILE), customersFile, statementsFile, outputDir })
  return { ...window, ...features }
}

describe('materializeFeatures', () => {
  let db: SqlEngine
  let root: string
  let snapshot: CuratedFiles
  let activity: ActivityPartition[]
  let rows: FeatureRow[]
  let meta: FeaturesMetadata

  const customers: CustomerRow[] = [
    { customer_id: 'C1', signup_date: '2024-01-01', has_robo_advice: true, alerts_enabled: true },
    { customer_id: '00123', signup_date: D, has_robo_advice: false, alerts_enabled: true },
    { customer_id: 'C3', signup_date: '2020-02-29' },
  ]
  const statements: StatementRow[] = [
    { customer_id: 'C1', delivery_mode: 'electronic' },
    { customer_id: '00123', delivery_mode: 'paper' },
    // C3 has no statements row: not electronic.
    { customer_id: 'GHOST', delivery_mode: 'electronic' },
  ]

  beforeAll(async () => {
    db = await openDuckDb()
    root = await mkdtemp(join(tmpdir(), 'strata-features-'))
    const days = [
      // Ingested 90 days back: outside the partitions features(D) may read, even though passed.
      await ingest(db, root, day(-90), { trades: [{ customer_id: 'C1', event_date: day(-90), channel: 'app', notional: 1000 }] }),
      await ingest(db, root, day(-89), {
        trades: [
          { customer_id: 'C1', event_date: day(-89), channel: 'web', notional: 100 },
          // Late and dated D-90: read, but outside the 90-day window.
          { customer_id: 'C1', event_date: day(-90), channel: 'branch', notional: 5000 },
        ],
        channel_events: [{ customer_id: 'C1', event_date: day(-89), channel: 'app', event: 'login' }],
      }),
      await ingest(db, root, day(-30), {
        channel_events: [{ customer_id: 'C1', event_date: day(-30), channel: 'app', event: 'login' }],
        marketing: [{ customer_id: 'C1', event_date: day(-30), event: 'webinar_attended' }],
      }),
      await ingest(db, root, day(-29), {
        channel_events: [{ customer_id: 'C1', event_date: day(-29), channel: 'web', event: 'login' }],
        marketing: [{ customer_id: 'C1', event_date: day(-29), event: 'email_open' }],
      }),
      await ingest(db, root, D, {
        customers,
        statements,
        trades: [
          { customer_id: 'C1', event_date: D, channel: 'branch', notional: 200 },
          // Late rows ingested on D count under their event date.
          { customer_id: 'C1', event_date: day(-5), channel: 'web', notional: 300 },
          { customer_id: '00123', event_date: D, channel: 'phone', notional: 50 },
          { customer_id: 'GHOST', event_date: D, channel: 'app', notional: 7 },
          { customer_id: 'GHOST', event_date: D, channel: 'app', notional: 8 },
        ],
        channel_events: [
          { customer_id: 'C1', event_date: day(-5), channel: 'app', event: 'login' },
          { customer_id: 'C1', event_date: D, channel: 'branch', event: 'login' },
          { customer_id: 'C1', event_date: D, channel: 'app', event: 'view' },
          { customer_id: 'GHOST', event_date: day(-3), channel: 'app', event: 'login' },
        ],
        tickets: [
          { customer_id: '00123', event_date: D, resolved_via: 'chat' },
          { customer_id: '00123', event_date: D, resolved_via: 'phone' },
          { customer_id: '00123', event_date: day(-1), resolved_via: null },
        ],
      }),
      // Ingested after D: never part of features(D), even when passed in.
      await ingest(db, root, day(1), {
        trades: [{ customer_id: 'C1', event_date: D, channel: 'app', notional: 999 }],
        channel_events: [{ customer_id: 'C1', event_date: D, channel: 'app', event: 'login' }],
        tickets: [{ customer_id: 'C3', event_date: D, resolved_via: 'web' }],
      }),
    ]
    snapshot = days[4]!.curated
    activity = days.map((d) => d.activity)
    const outputDir = join(root, 'features', `dt=${D}`)
    meta = await buildFeatures({ db, day: D, activity, customersFile: snapshot.customers, statementsFile: snapshot.statements, outputDir })
    rows = await readFeatures(db, outputDir)
  })
  afterAll(async () => {
    db.close()
    await rm(root, { recursive: true, force: true })
  })

  it('computes every feature of SPEC §3, ordered by customer_id', () => {
    expect(rows).toEqual([
      {
        ...zeros('00123', 0),
        trades_total_90d: '1',
        avg_notional_90d: 50,
        alerts_enabled_flag: 1,
        tickets_total_90d: '3',
        tickets_resolved_digital_90d: '1',
        pct_tickets_resolved_digital_90d: 1 / 3,
      },
      {
        ...zeros('C1', 181),
        // D-89 web, D-5 web (late), D branch; not D-90 (two ways) nor the D+1 ingest.
        trades_total_90d: '3',
        trades_digital_90d: '2',
        pct_trades_digital_90d: 2 / 3,
        avg_notional_90d: 200,
        // D-29 web and D-5 app; not D-30, D-89, the branch login, the app 'view', nor D+1.
        app_logins_30d: '2',
        webinars_90d: '1',
        e_statement_flag: 1,
        robo_advice_flag: 1,
        alerts_enabled_flag: 1,
      },
      zeros('C3', daysBetween('2020-02-29', D)),
    ])
  })

  it('keeps leading-zero ids as text', () => {
    expect(rows.map((r) => r.customer_id)).toContain('00123')
  })

  it('writes exactly the documented columns and types, in order', async () => {
    const columns = await db.describe(`SELECT * FROM read_parquet(${sqlString(join(root, 'features', `dt=${D}`, 'features.parquet'))}, hive_partitioning = false)`)
    expect(columns).toEqual(FEATURE_COLUMNS.map(({ name, type }) => ({ name, type })))
  })

  it('reports what it read and the activity of customers outside the snapshot', () => {
    expect(meta).toEqual({
      customers: 3,
      customers_with_trades_90d: 2,
      activity_partitions_read: 4,
      first_partition_read: day(-89),
      last_partition_read: D,
      activity_partitions_ignored: 2,
      // GHOST: trades on D and a login on D-3, two customer-days.
      unknown_customer_activity_rows: 2,
      unknown_customers: 1,
      computed: 'full',
      full_reason: 'no window of the day before',
    })
  })

  it('takes e-statement and flags from the snapshot it is given (of D), not an older one', async () => {
    const older = await writeCuratedDay(db, join(root, 'older'), day(-1), {
      customers: [{ customer_id: '00123', signup_date: '2023-01-01', has_robo_advice: true }],
      statements: [{ customer_id: '00123', delivery_mode: 'electronic' }],
    })
    const outputDir = join(root, 'features-older')
    await buildFeatures({ db, day: D, activity, customersFile: older.customers, statementsFile: older.statements, outputDir })
    const [row] = await readFeatures(db, outputDir)
    expect(row).toMatchObject({ customer_id: '00123', e_statement_flag: 1, robo_advice_flag: 1, tenure_days: daysBetween('2023-01-01', D) })
    // And the snapshot of D said paper, no robo advice.
    expect(rows[0]).toMatchObject({ customer_id: '00123', e_statement_flag: 0, robo_advice_flag: 0 })
  })

  it('ignores activity rows dated after D even inside a partition it reads', async () => {
    // Activity never holds such rows (it fails instead), so write one by hand.
    const file = join(root, 'hand-made.parquet')
    await db.run(
      `COPY (SELECT 'C3' AS customer_id, $d::DATE AS event_date, 5::BIGINT AS trades_total, 5::BIGINT AS trades_digital,
              50.0::DOUBLE AS notional_sum, 5::BIGINT AS app_logins, 5::BIGINT AS webinars, 5::BIGINT AS tickets_total,
              5::BIGINT AS tickets_resolved_digital, NULL::BIGINT AS packed_counts, 26::BIGINT AS counts_check) TO ${sqlString(file)} (FORMAT parquet)`,
      { d: day(1) },
    )
    const outputDir = join(root, 'features-future-row')
    const result = await buildFeatures({
      db,
      day: D,
      activity: [{ partition: D, file }],
      customersFile: snapshot.customers,
      statementsFile: snapshot.statements,
      outputDir,
    })
    expect((await readFeatures(db, outputDir)).find((r) => r.customer_id === 'C3')).toEqual(zeros('C3', daysBetween('2020-02-29', D)))
    expect(result.activity_partitions_read).toBe(1)
  })

  it('sums counts that overflow the packed fields exactly, column by column', async () => {
    // 1100 tickets in one day do not fit a row's field; 700 + 700 digital trades on two days fit
    // each row but carry in the window's sum. Both must come out exact.
    const tickets = Array.from({ length: 1100 }, () => ({ customer_id: 'C3', event_date: day(-2), resolved_via: 'chat' }))
    const trades = (d: string) => Array.from({ length: 700 }, () => ({ customer_id: 'C1', event_date: d, channel: 'app', notional: 0.1 }))
    const big = [await ingest(db, join(root, 'big'), day(-2), { tickets, trades: trades(day(-2)) }), await ingest(db, join(root, 'big'), day(-1), { trades: trades(day(-1)) })]
    const outputDir = join(root, 'features-big')
    const result = await buildFeatures({ db, day: D, activity: [...activity.filter((a) => a.partition < day(-2)), ...big.map((b) => b.activity), activity[4]!], customersFile: snapshot.customers, statementsFile: snapshot.statements, outputDir })
    const out = await readFeatures(db, outputDir)
    expect(out.find((r) => r.customer_id === 'C3')).toMatchObject({ tickets_total_90d: '1100', tickets_resolved_digital_90d: '1100', pct_tickets_resolved_digital_90d: 1 })
    // C1 as in the main dataset (3 trades, 2 digital), plus 1400 digital trades.
    expect(out.find((r) => r.customer_id === 'C1')).toMatchObject({ trades_total_90d: '1403', trades_digital_90d: '1402', app_logins_30d: '2', webinars_90d: '1' })
    expect(result).toMatchObject({ customers: 3, customers_with_trades_90d: 2, unknown_customer_activity_rows: 2, unknown_customers: 1 })
  })

  it('gives every customer zeros when no activity partition is in range', async () => {
    const outputDir = join(root, 'features-none')
    const result = await buildFeatures({
      db,
      day: D,
      activity: activity.filter((a) => a.partition === day(1) || a.partition === day(-90)),
      customersFile: snapshot.customers,
      statementsFile: snapshot.statements,
      outputDir,
    })
    expect(result).toMatchObject({ customers: 3, customers_with_trades_90d: 0, activity_partitions_read: 0, first_partition_read: null, last_partition_read: null, activity_partitions_ignored: 2, unknown_customer_activity_rows: 0 })
    const out = await readFeatures(db, outputDir)
    expect(out.map((r) => [r.customer_id, r.trades_total_90d, r.app_logins_30d, r.pct_trades_digital_90d, r.avg_notional_90d])).toEqual([
      ['00123', '0', '0', 0, 0],
      ['C1', '0', '0', 0, 0],
      ['C3', '0', '0', 0, 0],
    ])
  })

  it('refuses two different files for one activity partition', async () => {
    const twice = [...activity, { partition: D, file: join(root, 'other.parquet') }]
    const error = await buildFeatures({ db, day: D, activity: twice, customersFile: snapshot.customers, statementsFile: snapshot.statements, outputDir: join(root, 'x') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect(error).toMatchObject({ code: 'input', hint: 'Pass one file per activity partition.' })
  })

  it('names the unreadable input and what to do', async () => {
    const missing = [{ partition: D, file: join(root, 'missing.parquet') }]
    const error = await buildFeatures({ db, day: D, activity: missing, customersFile: snapshot.customers, statementsFile: snapshot.statements, outputDir: join(root, 'y') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect(error).toMatchObject({ code: 'input' })
    expect((error as StrataError).message).toContain('missing.parquet')
    expect((error as StrataError).hint).toContain('customer_activity')
  })

  it('fails when a snapshot repeats a customer_id instead of multiplying rows', async () => {
    const dup = await writeCuratedDay(db, join(root, 'dup'), D, {
      customers,
      statements: [...statements, { customer_id: 'C1', delivery_mode: 'paper' }],
    })
    const error = await buildFeatures({ db, day: D, activity, customersFile: dup.customers, statementsFile: dup.statements, outputDir: join(root, 'z') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect(error).toMatchObject({ code: 'input' })
    expect((error as StrataError).message).toContain('duplicate customer_id')
  })

  it('rejects partition keys that are not dates', async () => {
    const options = { db, activity, customersFile: snapshot.customers, statementsFile: snapshot.statements, outputDir: join(root, 'w') }
    await expect(buildFeatures({ ...options, day: '2024-13-01' })).rejects.toMatchObject({ code: 'partition' })
    await expect(buildFeatures({ ...options, day: D, activity: [{ partition: '30.06.2024', file: 'f' }] })).rejects.toMatchObject({ code: 'partition' })
  })
})

// ---------------------------------------------------------------------------------------------

describe('features from daily aggregates = features from raw curated rows', () => {
  const SEED = 20240630
  const START = '2024-01-01'
  const DAYS = 101
  let db: SqlEngine
  let root: string
  const curated = new Map<string, CuratedFiles>()
  const activity: ActivityPartition[] = []

  beforeAll(async () => {
    db = await openDuckDb()
    root = await mkdtemp(join(tmpdir(), 'strata-features-prop-'))
    const random = mulberry32(SEED)
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!
    const known = Array.from({ length: 500 }, (_, i) => (i % 3 === 0 ? String(i).padStart(6, '0') : `C${i}`))
    // Every 11th customer is silent and every 7th never trades, so zeros and "no trades" occur.
    const everyone = [...known.filter((_, i) => i % 11 !== 0), ...Array.from({ length: 12 }, (_, i) => `GHOST-${i}`)]
    const traders = everyone.filter((_, i) => i % 7 !== 0)
    const customers: CustomerRow[] = known.map((customer_id) => ({
      customer_id,
      signup_date: addDays('2019-01-01', Math.floor(random() * 2000)),
      has_robo_advice: random() < 0.3,
      alerts_enabled: random() < 0.5,
    }))
    const statements: StatementRow[] = known.filter(() => random() < 0.9).map((customer_id) => ({ customer_id, delivery_mode: random() < 0.6 ? 'electronic' : 'paper' }))
    const eventDate = (ingestDay: string): string => (random() < 0.75 ? ingestDay : addDays(ingestDay, -1 - Math.floor(random() * 12)))
    const times = (n: number): number[] => Array.from({ length: Math.floor(n * (0.5 + random())) }, (_, i) => i)

    for (let i = 0; i < DAYS; i++) {
      const ingestDay = addDays(START, i)
      const tables: Partial<CuratedTables> = {
        // Every day carries a snapshot; only the snapshot of D is read for features(D).
        customers,
        statements,
        trades: times(150).map(() => ({ customer_id: pick(traders), event_date: eventDate(ingestDay), channel: pick(['app', 'web', 'branch', 'phone', 'advisor']), notional: Math.round(random() * 1e7) / 100 })),
        channel_events: times(250).map(() => ({ customer_id: pick(everyone), event_date: eventDate(ingestDay), channel: pick(['app', 'web', 'branch', 'phone', 'atm']), event: pick(['login', 'login', 'view', 'transfer']) })),
        tickets: times(40).map(() => ({ customer_id: pick(everyone), event_date: eventDate(ingestDay), resolved_via: pick(['app', 'web', 'chat', 'phone', 'branch', 'email', null, null]) })),
        marketing: times(60).map(() => ({ customer_id: pick(everyone), event_date: eventDate(ingestDay), event: pick(['webinar_attended', 'email_open', 'email_click']) })),
      }
      const { curated: files, activity: partition } = await ingest(db, root, ingestDay, tables)
      curated.set(ingestDay, files)
      activity.push(partition)
    }
  }, 180_000)
  afterAll(async () => {
    db.close()
    await rm(root, { recursive: true, force: true })
  })

  /** The same features, the slow way: straight from the raw curated rows of ingest days D-89..D. */
  async function naive(D: string): Promise<{ rows: FeatureRow[]; unknownRows: number }> {
    const ingestDays = [...curated.keys()].filter((k) => daysBetween(k, D) >= 0 && daysBetween(k, D) <= 89)
    // filename: one activity row exists per customer, event date *and ingest day*.
    const files = (table: keyof CuratedFiles): string => `read_parquet(${sqlStringList(ingestDays.map((k) => curated.get(k)![table]))}, hive_partitioning = false, filename = true)`
    const snap = curated.get(D)!
    const window90 = `event_date >= DATE '${D}' - INTERVAL 89 DAY AND event_date <= DATE '${D}'`
    const window30 = `event_date >= DATE '${D}' - INTERVAL 29 DAY AND event_date <= DATE '${D}'`
    const sources = `
      t AS (SELECT customer_id, event_date, filename, channel, notional FROM ${files('trades')} WHERE ${window90}),
      l AS (SELECT customer_id, event_date FROM ${files('channel_events')} WHERE ${window30} AND event = 'login' AND (channel = 'app' OR channel = 'web')),
      l90 AS (SELECT customer_id, event_date, filename FROM ${files('channel_events')} WHERE ${window90} AND event = 'login' AND (channel = 'app' OR channel = 'web')),
      m AS (SELECT customer_id, event_date, filename FROM ${files('marketing')} WHERE ${window90} AND event = 'webinar_attended'),
      k AS (SELECT customer_id, event_date, filename, resolved_via FROM ${files('tickets')} WHERE ${window90}),
      c AS (SELECT * FROM read_parquet(${sqlString(snap.customers)}, hive_partitioning = false)),
      s AS (SELECT * FROM read_parquet(${sqlString(snap.statements)}, hive_partitioning = false))`
    const rows = await db.json<FeatureRow>(`
      WITH ${sources}
      SELECT c.customer_id,
             (SELECT count(*) FROM t WHERE t.customer_id = c.customer_id) AS trades_total_90d,
             (SELECT count(*) FROM t WHERE t.customer_id = c.customer_id AND t.channel IN ('app', 'web')) AS trades_digital_90d,
             coalesce((SELECT count(*) FILTER (WHERE t.channel IN ('app', 'web'))::DOUBLE / count(*) FROM t WHERE t.customer_id = c.customer_id HAVING count(*) > 0), 0) AS pct_trades_digital_90d,
             coalesce((SELECT avg(t.notional) FROM t WHERE t.customer_id = c.customer_id), 0) AS avg_notional_90d,
             (SELECT count(*) FROM l WHERE l.customer_id = c.customer_id) AS app_logins_30d,
             (SELECT count(*) FROM m WHERE m.customer_id = c.customer_id) AS webinars_90d,
             CASE WHEN EXISTS (SELECT 1 FROM s WHERE s.customer_id = c.customer_id AND s.delivery_mode = 'electronic') THEN 1 ELSE 0 END AS e_statement_flag,
             CASE WHEN c.has_robo_advice THEN 1 ELSE 0 END AS robo_advice_flag,
             CASE WHEN c.alerts_enabled THEN 1 ELSE 0 END AS alerts_enabled_flag,
             (SELECT count(*) FROM k WHERE k.customer_id = c.customer_id) AS tickets_total_90d,
             (SELECT count(*) FROM k WHERE k.customer_id = c.customer_id AND k.resolved_via IN ('app', 'web', 'chat')) AS tickets_resolved_digital_90d,
             coalesce((SELECT count(*) FILTER (WHERE k.resolved_via IN ('app', 'web', 'chat'))::DOUBLE / count(*) FROM k WHERE k.customer_id = c.customer_id HAVING count(*) > 0), 0) AS pct_tickets_resolved_digital_90d,
             datediff('day', c.signup_date, DATE '${D}')::INTEGER AS tenure_days
        FROM c
       ORDER BY c.customer_id`)
    const [unknown] = await db.json<{ n: string }>(`
      WITH ${sources},
      days AS (SELECT customer_id, event_date, parse_dirpath(filename) AS ingest FROM t
               UNION SELECT customer_id, event_date, parse_dirpath(filename) FROM l90
               UNION SELECT customer_id, event_date, parse_dirpath(filename) FROM m
               UNION SELECT customer_id, event_date, parse_dirpath(filename) FROM k)
      SELECT count(*) AS n FROM days WHERE customer_id NOT IN (SELECT customer_id FROM c)`)
    return { rows, unknownRows: Number(unknown?.n) }
  }

  it.each([addDays(START, 50), addDays(START, 89), addDays(START, 99)])('as of %s', async (D) => {
    const outputDir = join(root, 'features', `dt=${D}`)
    // Every partition is passed, including days before D-89 and after D: the range is the asset's to enforce.
    const meta = await buildFeatures({ db, day: D, activity, customersFile: curated.get(D)!.customers, statementsFile: curated.get(D)!.statements, outputDir })
    const actual = await readFeatures(db, outputDir)
    const expected = await naive(D)

    expect(actual.length).toBe(500)
    expect(actual.map((r) => r.customer_id)).toEqual(expected.rows.map((r) => r.customer_id))
    for (const [i, row] of actual.entries()) {
      const want = expected.rows[i]!
      const { avg_notional_90d: avg, ...exact } = row
      const { avg_notional_90d: wantAvg, ...wantExact } = want
      expect(exact).toEqual(wantExact)
      // Sum-of-sums vs avg(): the same number up to rounding.
      expect(Math.abs(avg - wantAvg)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(wantAvg)))
    }
    expect(meta.unknown_customer_activity_rows).toBe(expected.unknownRows)
    expect(meta.unknown_customers).toBeGreaterThan(0)
    const firstRead = addDays(D, -89) < START ? START : addDays(D, -89)
    expect(meta).toMatchObject({ customers: 500, first_partition_read: firstRead, last_partition_read: D, activity_partitions_read: daysBetween(firstRead, D) + 1 })
    expect(meta.activity_partitions_ignored).toBe(DAYS - meta.activity_partitions_read)
    // The dataset must exercise the rates, not only zeros.
    expect(actual.some((r) => r.trades_total_90d === '0' && r.app_logins_30d !== '0')).toBe(true)
    expect(actual.some((r) => r.trades_total_90d === '0' && r.tickets_total_90d === '0' && r.webinars_90d === '0')).toBe(true)
    expect(actual.some((r) => r.pct_trades_digital_90d > 0 && r.pct_trades_digital_90d < 1)).toBe(true)
    expect(actual.some((r) => r.pct_tickets_resolved_digital_90d > 0 && r.pct_tickets_resolved_digital_90d < 1)).toBe(true)
  })
})
