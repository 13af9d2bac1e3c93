import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cdiOf, cdiSqlExpressions, materializeCdiScores, roundHalfEven, type CdiFeatures } from '../../assets/lib/cdi.js'
import { StrataError } from '../../framework/errors/index.js'
import { openDuckDb } from '../../resources/duckdb.js'
import { sqlString, type SqlEngine } from '../../framework/sql/index.js'

const ZERO: CdiFeatures = {
  pct_trades_digital_90d: 0,
  app_logins_30d: 0,
  e_statement_flag: 0,
  robo_advice_flag: 0,
  webinars_90d: 0,
  alerts_enabled_flag: 0,
  pct_tickets_resolved_digital_90d: 0,
}

/** Hand-worked cases: the raw double (before rounding) and the expected score. */
const HAND_CASES: { name: string; features: Partial<CdiFeatures>; raw: number; cdi: number }[] = [
  // engagement 0.5 → 0.2·0.5 = 0.1, service 0.25 → 0.025; 100 · 0.125 = 12.5 exactly → even 12.
  { name: '12.5 rounds down to 12', features: { alerts_enabled_flag: 1, pct_tickets_resolved_digital_90d: 0.25 }, raw: 12.5, cdi: 12 },
  // channel 0.5 · 9/30 = 0.15 → 0.06, engagement 0.5 · 0.75 = 0.375 → 0.075; 100 · 0.135 = 13.5 → even 14.
  { name: '13.5 rounds up to 14', features: { app_logins_30d: 9, webinars_90d: 3 }, raw: 13.5, cdi: 14 },
  { name: '2.5 rounds down to 2', features: { webinars_90d: 1 }, raw: 2.5, cdi: 2 },
  // In decimals this is 22.5 (→ 22); in doubles it is just above, so 23.
  { name: 'a decimal .5 that the double puts above', features: { webinars_90d: 2, alerts_enabled_flag: 1, pct_tickets_resolved_digital_90d: 0.75 }, raw: 22.500000000000004, cdi: 23 },
  // In decimals 14.5 (→ 14 half-even, 15 half-up); the double is just below, so 14 either way.
  { name: 'a decimal .5 that the double puts below', features: { robo_advice_flag: 1, pct_tickets_resolved_digital_90d: 0.25 }, raw: 14.499999999999998, cdi: 14 },
  { name: 'clamps below 0', features: { pct_trades_digital_90d: -3, app_logins_30d: -10, webinars_90d: -1, pct_tickets_resolved_digital_90d: -0.5 }, raw: 0, cdi: 0 },
  {
    // Every component 1: the weighted sum is 0.9999999999999999 in doubles, so the raw score is
    // just below 100 and rounds to it.
    name: 'clamps above hi',
    features: { pct_trades_digital_90d: 7, app_logins_30d: 300, e_statement_flag: 1, robo_advice_flag: 1, webinars_90d: 40, alerts_enabled_flag: 1, pct_tickets_resolved_digital_90d: 2 },
    raw: 99.99999999999999,
    cdi: 100,
  },
]

function rawOf(f: CdiFeatures): number {
  const c = cdiOf(f)
  return 100 * (0.4 * c.channel + 0.3 * c.product + 0.2 * c.engagement + 0.1 * c.service)
}

describe('roundHalfEven', () => {
  it('rounds ties to the even neighbour and everything else to the nearest', () => {
    expect([0.5, 1.5, 2.5, 12.5, 13.5, 99.5].map(roundHalfEven)).toEqual([0, 2, 2, 12, 14, 100])
    expect([12.499999999999998, 12.500000000000002, 0.49999999999999994, 7, 0].map(roundHalfEven)).toEqual([12, 13, 0, 7, 0])
  })
})

describe('cdiOf', () => {
  it.each(HAND_CASES)('$name', ({ features, raw, cdi }) => {
    const f = { ...ZERO, ...features }
    expect(rawOf(f)).toBe(raw)
    expect(cdiOf(f).cdi).toBe(cdi)
  })

  it('keeps the components as unrounded doubles', () => {
    const c = cdiOf({ ...ZERO, pct_trades_digital_90d: 0.5, app_logins_30d: 15, e_statement_flag: 1, webinars_90d: 2, alerts_enabled_flag: 1, pct_tickets_resolved_digital_90d: 1 })
    expect(c).toEqual({ channel: 0.5, product: 0.6, engagement: 0.75, service: 1, cdi: 63 })
  })
})

describe('cdiSqlExpressions', () => {
  let db: SqlEngine
  let root: string

  beforeAll(async () => {
    db = await openDuckDb()
    root = await mkdtemp(join(tmpdir(), 'strata-cdi-'))
  })
  afterAll(async () => {
    db.close()
    await rm(root, { recursive: true, force: true })
  })

  async function sqlCdi(rows: readonly CdiFeatures[]): Promise<{ channel: number; product: number; engagement: number; service: number; cdi: number }[]> {
    const e = cdiSqlExpressions('f')
    const values = rows.map((_, i) => `(${i}, $p${i}, $l${i}, $e${i}, $r${i}, $w${i}, $a${i}, $t${i})`).join(', ')
    const params: Record<string, number> = {}
    rows.forEach((r, i) => {
      params[`p${i}`] = r.pct_trades_digital_90d
      params[`l${i}`] = r.app_logins_30d
      params[`e${i}`] = r.e_statement_flag
      params[`r${i}`] = r.robo_advice_flag
      params[`w${i}`] = r.webinars_90d
      params[`a${i}`] = r.alerts_enabled_flag
      params[`t${i}`] = r.pct_tickets_resolved_digital_90d
    })
    return db.all(
      `SELECT ${e.channel} AS channel, ${e.product} AS product, ${e.engagement} AS engagement, ${e.service} AS service, ${e.cdi} AS cdi
       FROM (SELECT i, CAST(p AS DOUBLE) AS pct_trades_digital_90d, CAST(l AS BIGINT) AS app_logins_30d, CAST(e AS INTEGER) AS e_statement_flag,
                    CAST(r AS INTEGER) AS robo_advice_flag, CAST(w AS BIGINT) AS webinars_90d, CAST(a AS INTEGER) AS alerts_enabled_flag,
                    CAST(t AS DOUBLE) AS pct_tickets_resolved_digital_90d
             FROM (VALUES ${values}) v(i, p, l, e, r, w, a, t)) f
       ORDER BY i`,
      params,
    )
  }

  it.each(HAND_CASES)('agrees with the reference: $name', async ({ features, cdi }) => {
    const [row] = await sqlCdi([{ ...ZERO, ...features }])
    expect(row?.cdi).toBe(cdi)
  })

  it('evaluates in DOUBLE and returns an INTEGER score', async () => {
    const e = cdiSqlExpressions()
    const types = await db.describe(
      `SELECT ${e.channel} AS channel, ${e.cdi} AS cdi FROM (SELECT 0.5 AS pct_trades_digital_90d, 9 AS app_logins_30d, 1 AS e_statement_flag, 0 AS robo_advice_flag,
        3 AS webinars_90d, 1 AS alerts_enabled_flag, 0.25 AS pct_tickets_resolved_digital_90d)`,
    )
    expect(types).toEqual([
      { name: 'channel', type: 'DOUBLE' },
      { name: 'cdi', type: 'INTEGER' },
    ])
  })

  it('equals the JS reference bit for bit on 200k rows, many of them exactly on .5', async () => {
    const n = 200_000
    // Grid values (quarters, thirtieths, whole webinars) land on exact .5 ties; hashed doubles
    // and out-of-range values exercise the rest, including both clamps.
    await db.run(
      `CREATE OR REPLACE TABLE cdi_rows AS
       SELECT i,
              CASE WHEN i % 3 = 0 THEN CAST(hash(i, 1) % 2000001 AS DOUBLE) / 1000000 - 0.5 ELSE CAST(hash(i, 1) % 9 AS DOUBLE) / 8 END AS pct_trades_digital_90d,
              CAST(hash(i, 2) % 46 AS BIGINT) AS app_logins_30d,
              CAST(hash(i, 3) % 2 AS INTEGER) AS e_statement_flag,
              CAST(hash(i, 4) % 2 AS INTEGER) AS robo_advice_flag,
              CAST(hash(i, 5) % 7 AS BIGINT) AS webinars_90d,
              CAST(hash(i, 6) % 2 AS INTEGER) AS alerts_enabled_flag,
              CASE WHEN i % 5 = 0 THEN CAST(hash(i, 7) % 1500001 AS DOUBLE) / 1000000 - 0.25 ELSE CAST(hash(i, 7) % 5 AS DOUBLE) / 4 END AS pct_tickets_resolved_digital_90d
       FROM range(${n}) r(i)`,
    )
    const e = cdiSqlExpressions('f')
    const rows = await db.all<CdiFeatures & { app_logins_30d: bigint; webinars_90d: bigint; channel: number; product: number; engagement: number; service: number; cdi: number }>(
      `SELECT f.*, ${e.channel} AS channel, ${e.product} AS product, ${e.engagement} AS engagement, ${e.service} AS service, ${e.cdi} AS cdi
       FROM cdi_rows f ORDER BY i`,
    )
    expect(rows).toHaveLength(n)
    let ties = 0
    let mismatches = 0
    const firstMismatches: unknown[] = []
    for (const row of rows) {
      const f: CdiFeatures = { ...row, app_logins_30d: Number(row.app_logins_30d), webinars_90d: Number(row.webinars_90d) }
      const js = cdiOf(f)
      const raw = rawOf(f)
      if (raw - Math.floor(raw) === 0.5) ties++
      const same =
        Object.is(js.channel, row.channel) && Object.is(js.product, row.product) && Object.is(js.engagement, row.engagement) && Object.is(js.service, row.service) && js.cdi === row.cdi
      if (!same) {
        mismatches++
        if (firstMismatches.length < 5) firstMismatches.push({ f, js, sql: row })
      }
    }
    expect(firstMismatches).toEqual([])
    expect(mismatches).toBe(0)
    // Far more ties than the ~1% of real data, so a non-half-even rounding would fail loudly.
    expect(ties).toBeGreaterThan(n / 20)
  })
})

describe('materializeCdiScores', () => {
  let db: SqlEngine
  let root: string

  beforeAll(async () => {
    db = await openDuckDb()
    root = await mkdtemp(join(tmpdir(), 'strata-cdi-scores-'))
  })
  afterAll(async () => {
    db.close()
    await rm(root, { recursive: true, force: true })
  })

  it('writes one typed row per customer, ordered by customer_id, with summary metadata', async () => {
    const featuresFile = join(root, 'features.parquet')
    await db.run(
      `COPY (
        SELECT * FROM (VALUES
          ('C2', 0::BIGINT, 0::BIGINT, 0.0::DOUBLE, 0.0::DOUBLE, 9::BIGINT, 3::BIGINT, 0, 0, 0, 0::BIGINT, 0::BIGINT, 0.0::DOUBLE, 10),
          ('00123', 4::BIGINT, 4::BIGINT, 1.0::DOUBLE, 10.5::DOUBLE, 30::BIGINT, 4::BIGINT, 1, 1, 1, 2::BIGINT, 2::BIGINT, 1.0::DOUBLE, 400),
          ('C1', 0::BIGINT, 0::BIGINT, 0.0::DOUBLE, 0.0::DOUBLE, 0::BIGINT, 0::BIGINT, 0, 0, 1, 4::BIGINT, 1::BIGINT, 0.25::DOUBLE, 5)
        ) v(customer_id, trades_total_90d, trades_digital_90d, pct_trades_digital_90d, avg_notional_90d, app_logins_30d, webinars_90d,
            e_statement_flag, robo_advice_flag, alerts_enabled_flag, tickets_total_90d, tickets_resolved_digital_90d, pct_tickets_resolved_digital_90d, tenure_days)
      ) TO ${sqlString(featuresFile)} (FORMAT parquet)`,
    )
    const outputDir = join(root, 'out')
    const metadata = await materializeCdiScores({ db, featuresFile, outputDir })
    const file = join(outputDir, 'cdi_scores.parquet')
    expect(await db.describe(`SELECT * FROM read_parquet(${sqlString(file)})`)).toEqual([
      { name: 'customer_id', type: 'VARCHAR' },
      { name: 'cdi', type: 'INTEGER' },
      { name: 'channel', type: 'DOUBLE' },
      { name: 'product', type: 'DOUBLE' },
      { name: 'engagement', type: 'DOUBLE' },
      { name: 'service', type: 'DOUBLE' },
    ])
    const rows = await db.all(`SELECT * FROM read_parquet(${sqlString(file)})`)
    expect(rows).toEqual([
      { customer_id: '00123', cdi: 100, channel: 1, product: 1, engagement: 1, service: 1 },
      { customer_id: 'C1', cdi: 12, channel: 0, product: 0, engagement: 0.5, service: 0.25 },
      { customer_id: 'C2', cdi: 14, channel: 0.15, product: 0, engagement: 0.375, service: 0 },
    ])
    expect(metadata).toEqual({ rows: 3, cdi_mean: 42, cdi_min: 12, cdi_max: 100 })
  })

  it('fails with an input error naming the missing features file', async () => {
    const featuresFile = join(root, 'nope', 'features.parquet')
    const error = await materializeCdiScores({ db, featuresFile, outputDir: join(root, 'out2') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect((error as StrataError).code).toBe('input')
    expect((error as StrataError).message).toContain(featuresFile)
    expect((error as StrataError).hint).toMatch(/features/)
  })
})
