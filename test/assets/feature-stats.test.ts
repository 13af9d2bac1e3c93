import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  combineMoments,
  computeFeatureStats,
  FEATURE_GROUPS_FILE,
  FEATURE_SAMPLE_FILE,
  FEATURE_STATS_FILE,
  FEATURE_VALUES_FILE,
  readFeatureStats,
  SAMPLE_MD5_BELOW,
  scaled,
  type FeatureStatsDocument,
} from '../../assets/lib/feature-stats.js'
import { cdiSqlExpressions, roundHalfEvenSql } from '../../assets/lib/cdi.js'
import { MODEL_FEATURES } from '../../assets/lib/segment-model-types.js'
import { StrataError } from '../../framework/errors/index.js'
import { openDuckDb } from '../../resources/duckdb.js'
import { sqlString, sqlStringList, type SqlEngine } from '../../framework/sql/index.js'

const DAYS = ['2024-05-28', '2024-05-29', '2024-05-30']

/**
 * Features with awkward numbers: a huge offset with a small spread (avg_notional), fractions,
 * counts, a constant non-grid value (webinars_90d = 0.1 every row of day 0) and flags.
 */
async function writeFeatures(db: SqlEngine, file: string, d: number, customers: number, nulls = false): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true })
  await db.run(
    `COPY (SELECT printf('C%05d', i) AS customer_id,
                  (hash(i, 1, ${d}) % 100000) / 99999.0 AS pct_trades_digital_90d,
                  CAST(hash(i, 2, ${d}) % 40 AS BIGINT) AS app_logins_30d,
                  CAST(hash(i, 3, ${d}) % 2 AS INTEGER) AS e_statement_flag,
                  CAST(i % 3 = 0 AS INTEGER) AS robo_advice_flag,
                  ${d === 0 ? '0.1' : `CAST(hash(i, 4, ${d}) % 5 AS DOUBLE)`} AS webinars_90d,
                  CAST(0 AS INTEGER) AS alerts_enabled_flag,
                  ${nulls ? 'CASE WHEN i = 3 THEN NULL ELSE 0.5 END' : `(hash(i, 5, ${d}) % 1000) / 7.0`} AS pct_tickets_resolved_digital_90d,
                  1e9 + (hash(i, 6, ${d}) % 1000003) / 3.0 + ${d} * 12345.678 AS avg_notional_90d
           FROM range(${customers}) r(i)) TO ${sqlString(file)} (FORMAT parquet)`,
  )
}

describe('computeFeatureStats', () => {
  let db: SqlEngine
  let root: string
  const files: string[] = []
  const docs: FeatureStatsDocument[] = []

  beforeAll(async () => {
    db = await openDuckDb()
    root = await mkdtemp(join(tmpdir(), 'strata-feature-stats-'))
    for (const [d, day] of DAYS.entries()) {
      const file = join(root, 'features', `dt=${day}`, 'features.parquet')
      await writeFeatures(db, file, d, 3000 + 700 * d)
      files.push(file)
      const out = join(root, 'stats', `dt=${day}`)
      const metadata = await computeFeatureStats({ db, partition: day, featuresFile: file, outputDir: out })
      expect(metadata.rows).toBe(3000 + 700 * d)
      docs.push(readFeatureStats(join(out, FEATURE_STATS_FILE), day))
    }
  })
  afterAll(async () => {
    db.close()
    await rm(root, { recursive: true, force: true })
  })

  it('gives moments that agree with a direct two-pass computation over every row to 1e-12', async () => {
    const cols = MODEL_FEATURES.map((f) => `CAST("${f}" AS DOUBLE) AS "${f}"`).join(', ')
    const rows = await db.all<Record<string, number>>(`SELECT ${cols} FROM read_parquet(${sqlStringList(files)})`)
    const n = rows.length
    const means = MODEL_FEATURES.map((f) => rows.reduce((s, r) => s + r[f]!, 0) / n)
    const cov = MODEL_FEATURES.map((f, j) => MODEL_FEATURES.map((g, k) => rows.reduce((s, r) => s + (r[f]! - means[j]!) * (r[g]! - means[k]!), 0) / n))
    // Any order of the partitions gives the same numbers, bit for bit.
    const combined = combineMoments(docs)
    expect(combineMoments([...docs].reverse())).toEqual(combined)
    expect(combined.n).toBe(n)
    MODEL_FEATURES.forEach((_, j) => {
      const std = Math.sqrt(cov[j]![j]!)
      expect(Math.abs(combined.means[j]! - means[j]!) / Math.max(Math.abs(means[j]!), std)).toBeLessThan(1e-12)
      MODEL_FEATURES.forEach((_, k) => {
        const scale = Math.sqrt(cov[j]![j]! * cov[k]![k]!)
        if (scale === 0) expect(combined.covariance[j]![k]).toBe(0)
        else expect(Math.abs(combined.covariance[j]![k]! - cov[j]![k]!) / scale).toBeLessThan(1e-12)
      })
    })
  })

  it('gives Σ (x − mean) exactly: what the rounding of the mean leaves', () => {
    // Three rows 1, 0, 0 of the first feature: the mean 1/3 rounds to 0.333…3148, so Σ (x − mean) = 1 − 3·mean = 2^-54.
    const zeros = MODEL_FEATURES.map(() => '0')
    const doc = {
      partition: '2024-01-01',
      rows: 3,
      features: [...MODEL_FEATURES],
      min: MODEL_FEATURES.map(() => 0),
      max: MODEL_FEATURES.map((_, j) => (j === 0 ? 1 : 0)),
      exponents: MODEL_FEATURES.map(() => 0),
      sums: zeros.map((z, j) => (j === 0 ? '1' : z)),
      products: MODEL_FEATURES.map((_, j) => zeros.map((z, k) => (j === 0 && k === 0 ? '1' : z))),
    }
    const { means, centredSums } = combineMoments([doc])
    expect(means[0]).toBe(1 / 3)
    expect(centredSums[0]).toBe(2 ** -54)
    expect(centredSums.slice(1)).toEqual(MODEL_FEATURES.slice(1).map(() => 0))
    // Real partitions: at most half an ulp of the mean per row.
    const combined = combineMoments(docs)
    combined.centredSums.forEach((sum, j) => expect(Math.abs(sum)).toBeLessThanOrEqual((combined.n * Math.abs(combined.means[j]!) * Number.EPSILON) / 2 + Number.MIN_VALUE))
  })

  it('represents a constant column exactly', () => {
    const webinars = MODEL_FEATURES.indexOf('webinars_90d')
    const { means, covariance } = combineMoments([docs[0]!])
    expect(means[webinars]).toBe(0.1)
    expect(covariance[webinars]![webinars]).toBe(0)
    const alerts = combineMoments(docs).covariance.flat()
    expect(alerts.every(Number.isFinite)).toBe(true)
  })

  it('writes byte-identical statistics on a rerun, with one thread or many', async () => {
    const single = await openDuckDb()
    try {
      await single.run('SET threads = 1')
      const again = join(root, 'again')
      await computeFeatureStats({ db: single, partition: DAYS[2]!, featuresFile: files[2]!, outputDir: again })
      const first = join(root, 'stats', `dt=${DAYS[2]}`)
      expect(readFileSync(join(again, FEATURE_STATS_FILE), 'utf8')).toBe(readFileSync(join(first, FEATURE_STATS_FILE), 'utf8'))
      for (const file of [FEATURE_VALUES_FILE, FEATURE_SAMPLE_FILE, FEATURE_GROUPS_FILE]) {
        const read = (dir: string): Promise<unknown[]> => db.all(`SELECT * FROM read_parquet(${sqlString(join(dir, file))}, hive_partitioning = false)`)
        expect(await read(again)).toEqual(await read(first))
      }
      expect(readFileSync(join(again, FEATURE_GROUPS_FILE))).toEqual(readFileSync(join(first, FEATURE_GROUPS_FILE)))
    } finally {
      single.close()
    }
  })

  it('writes every distinct value of each feature with its count', async () => {
    const file = join(root, 'stats', `dt=${DAYS[1]}`, FEATURE_VALUES_FILE)
    expect(await db.describe(`SELECT * FROM read_parquet(${sqlString(file)}, hive_partitioning = false)`)).toEqual([
      { name: 'feature', type: 'VARCHAR' },
      { name: 'value', type: 'DOUBLE' },
      { name: 'n', type: 'BIGINT' },
    ])
    for (const f of MODEL_FEATURES) {
      const [diff] = await db.all<{ n: bigint }>(
        `SELECT count(*) AS n FROM (
           (SELECT value, n FROM read_parquet(${sqlString(file)}) WHERE feature = ${sqlString(f)})
           EXCEPT ALL
           (SELECT CAST("${f}" AS DOUBLE) AS value, count(*) AS n FROM read_parquet(${sqlString(files[1]!)}) GROUP BY ALL)
         )`,
      )
      expect(diff!.n).toBe(0n)
    }
    const [total] = await db.all<{ n: bigint }>(`SELECT sum(n) AS n FROM read_parquet(${sqlString(file)}) WHERE feature = 'robo_advice_flag'`)
    expect(total!.n).toBe(3700n)
  })

  it('keeps exactly the rows with md5(partition | customer_id) below the cutoff, in md5 order', async () => {
    const file = join(root, 'stats', `dt=${DAYS[0]}`, FEATURE_SAMPLE_FILE)
    expect((await db.describe(`SELECT * FROM read_parquet(${sqlString(file)}, hive_partitioning = false)`)).map((c) => c.name)).toEqual(['partition', 'customer_id', 'md5', ...MODEL_FEATURES])
    const rows = await db.all<{ partition: string; customer_id: string; md5: string; expected: string }>(
      `SELECT partition, customer_id, md5, md5(partition || '|' || customer_id) AS expected FROM read_parquet(${sqlString(file)})`,
    )
    const [want] = await db.all<{ n: bigint }>(
      `SELECT count(*) AS n FROM read_parquet(${sqlString(files[0]!)}) WHERE md5(${sqlString(DAYS[0]!)} || '|' || customer_id) < ${sqlString(SAMPLE_MD5_BELOW)}`,
    )
    // About 1/8 of the 3000 rows: none missing, none extra.
    expect(rows.length).toBe(Number(want!.n))
    expect(rows.length).toBeGreaterThan(250)
    expect(rows.every((r) => r.md5 < SAMPLE_MD5_BELOW)).toBe(true)
    rows.forEach((r, i) => {
      expect(r.partition).toBe(DAYS[0])
      expect(r.md5).toBe(r.expected)
      if (i > 0) expect(r.md5 > rows[i - 1]!.md5).toBe(true)
    })
  })

  it('writes the distinct (features, CDI) vectors with their row counts', async () => {
    const file = join(root, 'stats', `dt=${DAYS[1]}`, FEATURE_GROUPS_FILE)
    expect(await db.describe(`SELECT * FROM read_parquet(${sqlString(file)}, hive_partitioning = false)`)).toEqual([
      ...MODEL_FEATURES.map((name) => ({ name, type: 'DOUBLE' })),
      { name: 'cdi', type: 'INTEGER' },
      { name: 'n', type: 'BIGINT' },
    ])
    const score = cdiSqlExpressions('f')
    const columns = MODEL_FEATURES.map((f) => `CAST(f."${f}" AS DOUBLE)`).join(', ')
    const direct = `SELECT ${columns}, CAST(${roundHalfEvenSql('s')} AS INTEGER), count(*) FROM (SELECT *, ${score.score} AS s FROM read_parquet(${sqlString(files[1]!)}) f) f GROUP BY ALL`
    const stored = `SELECT * FROM read_parquet(${sqlString(file)}, hive_partitioning = false)`
    for (const [a, b] of [[direct, stored], [stored, direct]] as const) {
      const [diff] = await db.all<{ n: bigint }>(`SELECT count(*) AS n FROM ((${a}) EXCEPT ALL (${b}))`)
      expect(diff!.n).toBe(0n)
    }
    const [total] = await db.all<{ n: bigint; groups: bigint }>(`SELECT sum(n) AS n, count(*) AS groups FROM (${stored})`)
    expect(total!.n).toBe(3700n)
  })

  it('writes the groups in the order the features file first holds them, the same bytes on a rerun', async () => {
    // 5,000 rows over 11 distinct vectors, first met in a scrambled order.
    const file = join(root, 'repeats', 'features.parquet')
    await mkdir(join(root, 'repeats'), { recursive: true })
    const cols = MODEL_FEATURES.map((f, j) => `CAST((i % 11) * 1.5 + ${j} AS DOUBLE) AS "${f}"`).join(', ')
    await db.run(`COPY (SELECT printf('C%05d', i) AS customer_id, ${cols}, 0 AS alerts_enabled_flag FROM range(5000) r(i) ORDER BY hash(i)) TO ${sqlString(file)} (FORMAT parquet)`)
    const outs = [join(root, 'repeats', 'a'), join(root, 'repeats', 'b')]
    for (const out of outs) await computeFeatureStats({ db, partition: DAYS[0]!, featuresFile: file, outputDir: out })
    const groups = await db.all<Record<string, number | bigint>>(`SELECT * FROM read_parquet(${sqlString(join(outs[0]!, FEATURE_GROUPS_FILE))})`)
    const rows = await db.all<Record<string, number>>(`SELECT ${MODEL_FEATURES.map((f) => `"${f}"`).join(', ')} FROM read_parquet(${sqlString(file)})`)
    const key = (r: Record<string, number | bigint>): string => MODEL_FEATURES.map((f) => r[f]).join('|')
    const firsts = [...new Set(rows.map(key))]
    expect(firsts).toHaveLength(11)
    expect(groups.map(key)).toEqual(firsts)
    expect(groups.reduce((s, g) => s + Number(g.n), 0)).toBe(5000)
    expect(readFileSync(join(outs[1]!, FEATURE_GROUPS_FILE)).equals(readFileSync(join(outs[0]!, FEATURE_GROUPS_FILE)))).toBe(true)
  })

  it('refuses null model features', async () => {
    const file = join(root, 'bad', 'features.parquet')
    await writeFeatures(db, file, 1, 10, true)
    const error = await computeFeatureStats({ db, partition: DAYS[0]!, featuresFile: file, outputDir: join(root, 'bad-out') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect((error as StrataError).code).toBe('input')
    expect((error as StrataError).message).toContain('pct_tickets_resolved_digital_90d')
  })

  it('refuses statistics of another partition', () => {
    const error = (() => {
      try {
        return readFeatureStats(join(root, 'stats', `dt=${DAYS[0]}`, FEATURE_STATS_FILE), DAYS[1]!)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(StrataError)
    expect((error as StrataError).code).toBe('corrupt')
  })
})

describe('scaled', () => {
  it('is big · 2^exponent, also beyond the double range of either factor', () => {
    expect(scaled(3n, -1)).toBe(1.5)
    expect(scaled(-5n, 2)).toBe(-20)
    expect(scaled(1n << 1100n, -1100)).toBe(1)
    expect(scaled(3n, -1075 + 2)).toBe(3 * 2 ** -1073)
    expect(scaled((1n << 2000n) + 1n, -1999)).toBe(2)
  })
})
