import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { computeFeatureStats, FEATURE_GROUPS_FILE, FEATURE_VALUES_FILE } from '../../assets/lib/feature-stats.js'
import type { FeatureStatsPartition } from '../../assets/lib/segment-model-inputs.js'
import { windowFiles } from '../../assets/lib/segment-model-window-files.js'
import { computeWeekStats, readWeekStats, WEEK_STATS_FILE } from '../../assets/lib/week-stats.js'
import { StrataError } from '../../framework/errors/index.js'
import { openDuckDb } from '../../resources/duckdb.js'
import { sqlString, sqlStringList, type SqlEngine } from '../../framework/sql/index.js'

// Tuesday … Saturday of the week before Monday 2024-06-03.
const DAYS = ['2024-05-28', '2024-05-29', '2024-05-30', '2024-05-31', '2024-06-01']

/** Few distinct values, so that many customers share a vector on a day and across days. */
async function writeFeatures(db: SqlEngine, file: string, d: number): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true })
  await db.run(
    `COPY (SELECT printf('C%05d', i) AS customer_id,
                  (i % 5) / 4.0 AS pct_trades_digital_90d,
                  CAST((i + ${d}) % 3 AS BIGINT) AS app_logins_30d,
                  CAST(i % 2 AS INTEGER) AS e_statement_flag,
                  CAST(i % 3 = 0 AS INTEGER) AS robo_advice_flag,
                  CAST(i % 2 AS DOUBLE) AS webinars_90d,
                  CAST(0 AS INTEGER) AS alerts_enabled_flag,
                  (i % 4) / 3.0 AS pct_tickets_resolved_digital_90d,
                  1e6 + (i % 7) * 1000.5 + ${d % 2} AS avg_notional_90d
           FROM range(500) r(i)) TO ${sqlString(file)} (FORMAT parquet)`,
  )
}

describe('computeWeekStats', () => {
  let db: SqlEngine
  let root: string
  const stats: FeatureStatsPartition[] = []
  const dir = () => join(root, 'week')

  beforeAll(async () => {
    db = await openDuckDb()
    root = await mkdtemp(join(tmpdir(), 'strata-week-stats-'))
    for (const [d, day] of DAYS.entries()) {
      const file = join(root, 'features', `dt=${day}`, 'features.parquet')
      await writeFeatures(db, file, d)
      const out = join(root, 'stats', `dt=${day}`)
      await computeFeatureStats({ db, partition: day, featuresFile: file, outputDir: out })
      stats.push({ partition: day, dir: out })
    }
    // In another order than the days: the output must not depend on it.
    await computeWeekStats({ db, week: '2024-06-03', stats: [...stats].reverse(), outputDir: dir() })
  })
  afterAll(async () => {
    db.close()
    await rm(root, { recursive: true, force: true })
  })

  const days = (name: string) => `read_parquet(${sqlStringList(stats.map((s) => join(s.dir, name)))})`
  const week = (name: string) => `read_parquet(${sqlString(join(dir(), name))})`

  it('sums the days’ distinct vectors: each vector once, with the count of its rows over the days', async () => {
    const columns = 'pct_trades_digital_90d, app_logins_30d, e_statement_flag, robo_advice_flag, webinars_90d, pct_tickets_resolved_digital_90d, avg_notional_90d, cdi'
    const [diff] = await db.all<{ missing: bigint; extra: bigint; rows: bigint; dayRows: bigint; total: bigint }>(
      `WITH expected AS (SELECT ${columns}, CAST(sum(n) AS BIGINT) AS n FROM ${days(FEATURE_GROUPS_FILE)} GROUP BY ALL),
            actual AS (SELECT ${columns}, n FROM ${week(FEATURE_GROUPS_FILE)})
       SELECT (SELECT count(*) FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM actual)) AS missing,
              (SELECT count(*) FROM (SELECT * FROM actual EXCEPT ALL SELECT * FROM expected)) AS extra,
              (SELECT count(*) FROM actual) AS rows,
              (SELECT count(*) FROM ${days(FEATURE_GROUPS_FILE)}) AS dayRows,
              (SELECT sum(n) FROM actual) AS total`,
    )
    expect(diff).toMatchObject({ missing: 0n, extra: 0n, total: 2500n })
    // The point of the asset: fewer rows than the days hold.
    expect(diff!.rows).toBeLessThan(diff!.dayRows)
    const [order] = await db.all<{ unsorted: bigint }>(
      `SELECT count(*) FILTER (WHERE NOT (row(${columns}) > previous)) AS unsorted
       FROM (SELECT ${columns}, lag(row(${columns})) OVER () AS previous FROM ${week(FEATURE_GROUPS_FILE)}) WHERE previous IS NOT NULL`,
    )
    expect(order!.unsorted).toBe(0n)
  })

  it('sums the days’ value counts, in (feature, value) order as feature_stats writes them', async () => {
    const [diff] = await db.all<{ missing: bigint; extra: bigint }>(
      `WITH expected AS (SELECT feature, value, CAST(sum(n) AS BIGINT) AS n FROM ${days(FEATURE_VALUES_FILE)} GROUP BY ALL),
            actual AS (SELECT feature, value, n FROM ${week(FEATURE_VALUES_FILE)})
       SELECT (SELECT count(*) FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM actual)) AS missing,
              (SELECT count(*) FROM (SELECT * FROM actual EXCEPT ALL SELECT * FROM expected)) AS extra`,
    )
    expect(diff).toEqual({ missing: 0n, extra: 0n })
    const features = await db.all<{ feature: string }>(`SELECT feature, min(file_row_number) AS first_row FROM read_parquet(${sqlString(join(dir(), FEATURE_VALUES_FILE))}, file_row_number = true) GROUP BY feature ORDER BY first_row`)
    expect(features.map((f) => f.feature)).toEqual(['pct_trades_digital_90d', 'app_logins_30d', 'e_statement_flag', 'robo_advice_flag', 'webinars_90d', 'pct_tickets_resolved_digital_90d', 'avg_notional_90d'])
    const [order] = await db.all<{ unsorted: bigint }>(
      `SELECT count(*) FILTER (WHERE feature = previous_feature AND value <= previous_value) AS unsorted
       FROM (SELECT feature, value, lag(feature) OVER () AS previous_feature, lag(value) OVER () AS previous_value FROM ${week(FEATURE_VALUES_FILE)})`,
    )
    expect(order!.unsorted).toBe(0n)
  })

  it('records the days it sums and their rows in week.json', () => {
    expect(readWeekStats({ week: '2024-06-03', dir: dir() })).toEqual({ week: '2024-06-03', days: DAYS, rows: 2500 })
  })

  it('writes the same bytes again', async () => {
    const again = join(root, 'week-again')
    await computeWeekStats({ db, week: '2024-06-03', stats, outputDir: again })
    for (const name of [FEATURE_GROUPS_FILE, FEATURE_VALUES_FILE, WEEK_STATS_FILE]) {
      expect(readFileSync(join(again, name)).equals(readFileSync(join(dir(), name))), name).toBe(true)
    }
  })

  it('refuses a week without days, and a bad key', async () => {
    const none = await computeWeekStats({ db, week: '2024-06-03', stats: [], outputDir: join(root, 'none') }).catch((e: unknown) => e)
    expect(none).toBeInstanceOf(StrataError)
    expect((none as StrataError).code).toBe('input')
    expect((none as StrataError).message).toBe('week_stats: no feature_stats partitions in the 7 days before 2024-06-03')
    expect((none as StrataError).hint).toContain('Materialize feature_stats')
    const bad = await computeWeekStats({ db, week: "2024-06-03'; --", stats, outputDir: join(root, 'bad') }).catch((e: unknown) => e)
    expect((bad as StrataError).code).toBe('partition')
  })

  it('refuses a damaged week.json or one of another week, naming the file and the fix', () => {
    const damaged = join(root, 'damaged')
    mkdirSync(damaged, { recursive: true })
    for (const text of ['{"week": "2024-06-03", "days": ["2024-05-28"]', '{"week": "2024-06-10", "days": [], "rows": 0}', '{"week": "2024-06-03", "days": ["28 May"], "rows": 1}']) {
      writeFileSync(join(damaged, WEEK_STATS_FILE), text)
      let caught: unknown
      try {
        readWeekStats({ week: '2024-06-03', dir: damaged })
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(StrataError)
      expect((caught as StrataError).code).toBe('corrupt')
      expect((caught as StrataError).message).toContain(join(damaged, WEEK_STATS_FILE))
      expect((caught as StrataError).hint).toContain('strata materialize week_stats --partition 2024-06-03 --force')
    }
  })
})

describe('windowFiles', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-window-files-'))
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  const day = (d: string): FeatureStatsPartition => ({ partition: d, dir: join(root, 'stats', `dt=${d}`) })
  const weekOf = (week: string, days: readonly string[]) => {
    const dir = join(root, `week=${week}-${days.length}`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, WEEK_STATS_FILE), JSON.stringify({ week, days, rows: 10 * days.length }))
    return { week, dir }
  }
  const window = { from: '2024-05-20', to: '2024-06-02' }
  // Thursday 2024-05-23 … Sunday 2024-06-02: four days of the week before 2024-05-27, seven of the one before 2024-06-03.
  const days = ['2024-05-23', '2024-05-24', '2024-05-25', '2024-05-26', '2024-05-27', '2024-05-28', '2024-05-29', '2024-05-30', '2024-05-31', '2024-06-01', '2024-06-02']
  const late = days.slice(4)

  it('reads each week in place of its days and the other days from feature_stats, one relation per week', () => {
    const week = weekOf('2024-06-03', late)
    const files = windowFiles(days.map(day), [week], window)
    expect(files.weeks).toBe(1)
    expect(files.groups).toEqual([[join(week.dir, FEATURE_GROUPS_FILE)], days.slice(0, 4).map((d) => join(day(d).dir, FEATURE_GROUPS_FILE))])
    expect(files.values).toEqual([join(week.dir, FEATURE_VALUES_FILE), ...days.slice(0, 4).map((d) => join(day(d).dir, FEATURE_VALUES_FILE))])
  })

  it('reads every day, 7 to a relation, without weeks', () => {
    const files = windowFiles(days.map(day), [], window)
    expect(files.groups.map((g) => g.length)).toEqual([7, 4])
    expect(files.values).toHaveLength(11)
  })

  it('refuses a week that sums other days than the window holds in its 7, or a week given twice', () => {
    for (const weeks of [[weekOf('2024-06-03', late.slice(1))], [weekOf('2024-06-03', late), weekOf('2024-06-03', late)], [weekOf('2024-05-27', ['2024-05-22', ...days.slice(0, 4)])]]) {
      let caught: unknown
      try {
        windowFiles(days.map(day), weeks, window)
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(StrataError)
      expect((caught as StrataError).code).toBe('corrupt')
      expect((caught as StrataError).message).toMatch(/^segment_model: week_stats\(2024-0[56]-\d\d\) sums the days .*, not the window's feature_stats days of its week/)
      expect((caught as StrataError).hint).toMatch(/^Rebuild it: strata materialize week_stats --partition 2024-0[56]-\d\d --force, then segment_model\.$/)
    }
  })
})
