import { copyFileSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cdiOf } from '../../assets/lib/cdi.js'
import { nearestCentroid } from '../../assets/lib/mini-batch-kmeans.js'
import { featureBin, mergeEdges } from '../../assets/lib/psi.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type BaselineEdges, type SegmentModel } from '../../assets/lib/segment-model-types.js'
import { computeFeatureStats, FEATURE_GROUPS_FILE } from '../../assets/lib/feature-stats.js'
import { modelVersion, trainSegmentModel } from '../../assets/lib/segment-model.js'
import { computeWeekStats } from '../../assets/lib/week-stats.js'
import { nameClusters } from '../../assets/lib/segment-model-assignment.js'
import { BASELINE_COUNTS, baselineEdges, EDGE_QUANTILES, KS_RANGE_QUANTILES, quantileCont } from '../../assets/lib/segment-model-baseline.js'
import { BASELINE_BINS_FILE, readBaselineBins } from '../../assets/lib/baseline-bins.js'
import type { FeaturePartition, FeatureStatsPartition } from '../../assets/lib/segment-model-inputs.js'
import { project } from '../../assets/lib/segment-model-pca.js'
import { md5Threshold } from '../../assets/lib/segment-model-sample.js'
import { silhouetteScore } from '../../assets/lib/segment-model-silhouette.js'
import { StrataError } from '../../framework/errors/index.js'
import { openDuckDb } from '../../resources/duckdb.js'
import { sqlString, sqlStringList, type SqlEngine } from '../../framework/sql/index.js'

const WINDOW = { from: '2024-03-04', to: '2024-06-01' }
const DAYS = ['2024-05-28', '2024-05-29', '2024-05-30', '2024-05-31', '2024-06-01']

/**
 * Four behaviour groups (customer i is in group i % groups), from very digital (0) to not at all
 * (3): pct_trades, app_logins, e_statement, robo, webinars, alerts, pct_tickets, avg_notional.
 */
const GROUPS = [
  [0.9, 26, 1, 1, 3, 1, 0.9, 3000],
  [0.6, 14, 1, 0, 2, 1, 0.6, 6000],
  [0.3, 6, 0, 1, 1, 0, 0.3, 10000],
  [0.02, 0, 0, 0, 0, 0, 0, 20000],
]

interface FixtureOptions {
  readonly customers?: number
  readonly groups?: number
  /** Small per-customer-day noise; without it every group is one point. */
  readonly noise?: boolean
  /** robo_advice_flag 0 for everyone. */
  readonly constantRobo?: boolean
}

async function writeFeatures(db: SqlEngine, dir: string, options: FixtureOptions = {}): Promise<FeaturePartition[]> {
  const { customers = 400, groups = 4, noise = true, constantRobo = false } = options
  const params = GROUPS.map((g, i) => `(${i}, ${g.map((v) => `CAST('${v}' AS DOUBLE)`).join(', ')})`).join(', ')
  const u = (salt: number, day: number): string => (noise ? `(CAST(hash(i, ${salt}, ${day}) % 1001 AS DOUBLE) / 1000 - 0.5)` : 'CAST(0 AS DOUBLE)')
  const out: FeaturePartition[] = []
  for (const [d, day] of DAYS.entries()) {
    const file = join(dir, `dt=${day}`, 'features.parquet')
    await mkdir(join(dir, `dt=${day}`), { recursive: true })
    await db.run(
      `COPY (
        SELECT printf('C%05d', i) AS customer_id,
               CAST(10 AS BIGINT) AS trades_total_90d,
               CAST(round(10 * pct) AS BIGINT) AS trades_digital_90d,
               least(greatest(pct + 0.1 * ${u(1, d)}, 0), 1) AS pct_trades_digital_90d,
               notional + 1000 * ${u(2, d)} AS avg_notional_90d,
               CAST(greatest(logins + round(4 * ${u(3, d)}), 0) AS BIGINT) AS app_logins_30d,
               CAST(webinars + ${noise ? `hash(i, 4, ${d}) % 2` : '0'} AS BIGINT) AS webinars_90d,
               CAST(e AS INTEGER) AS e_statement_flag,
               CAST(${constantRobo ? '0' : 'robo'} AS INTEGER) AS robo_advice_flag,
               CAST(alerts AS INTEGER) AS alerts_enabled_flag,
               CAST(4 AS BIGINT) AS tickets_total_90d,
               CAST(round(4 * tickets) AS BIGINT) AS tickets_resolved_digital_90d,
               least(greatest(tickets + 0.1 * ${u(5, d)}, 0), 1) AS pct_tickets_resolved_digital_90d,
               CAST(100 + i AS INTEGER) AS tenure_days
        FROM range(${customers}) r(i)
        JOIN (VALUES ${params}) g(g, pct, logins, e, robo, webinars, alerts, tickets, notional) ON g.g = i % ${groups}
        ORDER BY i
      ) TO ${sqlString(file)} (FORMAT parquet)`,
    )
    out.push({ partition: day, file })
  }
  return out
}

type Row = Record<(typeof MODEL_FEATURES)[number] | 'alerts_enabled_flag', number> & { customer_id: string }

async function trainingRows(db: SqlEngine, features: readonly FeaturePartition[]): Promise<Row[]> {
  const columns = [...MODEL_FEATURES, 'alerts_enabled_flag'].map((c) => `CAST(${c} AS DOUBLE) AS ${c}`).join(', ')
  return db.all<Row>(`SELECT customer_id, ${columns} FROM read_parquet(${sqlStringList(features.map((f) => f.file))}) ORDER BY ALL`)
}

function readModel(dir: string): SegmentModel {
  return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as SegmentModel
}

function matrixOf(rows: readonly Row[]): Float64Array {
  const data = new Float64Array(rows.length * MODEL_FEATURES.length)
  rows.forEach((r, i) => MODEL_FEATURES.forEach((f, j) => (data[i * MODEL_FEATURES.length + j] = r[f])))
  return data
}

/** feature_stats of each features partition, in a `stats` folder beside them. */
async function statsOf(db: SqlEngine, features: readonly FeaturePartition[]): Promise<FeatureStatsPartition[]> {
  const out: FeatureStatsPartition[] = []
  for (const f of features) {
    const dir = join(f.file, '..', '..', '..', 'stats', `dt=${f.partition}`)
    await computeFeatureStats({ db, partition: f.partition, featuresFile: f.file, outputDir: dir })
    out.push({ partition: f.partition, dir })
  }
  return out
}

describe('trainSegmentModel', () => {
  let db: SqlEngine
  let root: string
  let features: FeaturePartition[]
  let stats: FeatureStatsPartition[]
  let model: SegmentModel
  let metadata: Awaited<ReturnType<typeof trainSegmentModel>>

  beforeAll(async () => {
    db = await openDuckDb()
    root = await mkdtemp(join(tmpdir(), 'strata-segment-model-'))
    features = await writeFeatures(db, join(root, 'features'))
    stats = await statsOf(db, features)
    metadata = await trainSegmentModel({ db, features, stats, window: WINDOW, outputDir: join(root, 'model-a') })
    model = readModel(join(root, 'model-a'))
  })
  afterAll(async () => {
    db.close()
    await rm(root, { recursive: true, force: true })
  })

  it('writes exactly the SPEC §8 keys, in order, and a version over the rest', () => {
    expect(Object.keys(model)).toEqual([
      'features',
      'means',
      'scales',
      'components',
      'explained_variance_ratio',
      'centroids',
      'names',
      'inertia',
      'silhouette',
      'training_rows',
      'window',
      'quality',
      'version',
    ])
    expect(model.features).toEqual(MODEL_FEATURES)
    expect(model.components).toHaveLength(6)
    expect(model.components.every((c) => c.length === 7)).toBe(true)
    expect(model.centroids).toHaveLength(4)
    expect(model.centroids.every((c) => c.length === 6)).toBe(true)
    expect([...model.names].sort()).toEqual([...SEGMENT_NAMES].sort())
    expect(model.training_rows).toBe(2000)
    expect(model.window).toEqual({ from: DAYS[0], to: DAYS[4] })
    const { version, ...body } = model
    expect(version).toMatch(/^[0-9a-f]{16}$/)
    expect(modelVersion(body)).toBe(version)
    expect(metadata).toMatchObject({ training_rows: 2000, window_from: DAYS[0], window_to: DAYS[4], partitions_used: 5, version, inertia: model.inertia })
  })

  it('is byte-for-byte deterministic', async () => {
    await trainSegmentModel({ db, features: [...features].reverse(), stats: [...stats].reverse(), window: WINDOW, outputDir: join(root, 'model-b') })
    for (const file of ['model.json', 'baseline_edges.json', BASELINE_BINS_FILE]) {
      expect(readFileSync(join(root, 'model-b', file), 'utf8')).toBe(readFileSync(join(root, 'model-a', file), 'utf8'))
    }
  })

  it('standardises with the population mean and std, and agrees with a JS recomputation of projection and inertia', async () => {
    const rows = await trainingRows(db, features)
    const n = rows.length
    const data = matrixOf(rows)
    MODEL_FEATURES.forEach((f, j) => {
      const mean = rows.reduce((s, r) => s + r[f], 0) / n
      const std = Math.sqrt(rows.reduce((s, r) => s + (r[f] - mean) ** 2, 0) / n)
      expect(Math.abs(model.means[j]! - mean) / Math.max(Math.abs(mean), std)).toBeLessThan(1e-12)
      expect(Math.abs(model.scales[j]! - std) / std).toBeLessThan(1e-12)
    })
    const projected = project(data, model.means, model.scales, model.components.map((c) => [...c]))
    const centroids = Float64Array.from(model.centroids.flat())
    let inertia = 0
    const sizes = Object.fromEntries(SEGMENT_NAMES.map((s) => [s, 0])) as Record<string, number>
    for (let i = 0; i < n; i++) {
      const { index, distance } = nearestCentroid(projected, i, centroids, 4, 6)
      inertia += distance
      sizes[model.names[index]!]! += 1
    }
    expect(Math.abs(model.inertia - inertia) / inertia).toBeLessThan(1e-12)
    expect(metadata.cluster_sizes).toEqual(sizes)
    expect(model.quality?.cluster_sizes).toEqual(sizes)
  })

  it('reports the mini-batch run, its refinement and its initialisation candidates in the model', () => {
    const quality = model.quality!
    // 2,000 training rows, all in the sample; four noisy groups.
    expect(quality.kmeans).toMatchObject({ algorithm: 'mini-batch', rows: 2000 })
    expect(quality.kmeans.distinct_rows).toBeGreaterThan(1000)
    // The batch is capped at the 2,000 rows (as scikit-learn caps it): 100 passes of one batch.
    expect(quality.kmeans.max_steps).toBe(100)
    expect(quality.kmeans.steps).toBeLessThanOrEqual(quality.kmeans.max_steps)
    expect(quality.kmeans.early_stop).toBe(quality.kmeans.steps < quality.kmeans.max_steps)
    expect(quality.kmeans.refine_iterations).toBeGreaterThan(0)
    const { inertias, chosen, agreement } = quality.candidates
    expect(inertias).toHaveLength(3)
    expect(inertias[chosen]).toBe(Math.min(...inertias))
    // The candidates' inertias are on the k-means rows, here every training row.
    expect(Math.abs(model.inertia - inertias[chosen]!) / model.inertia).toBeLessThan(1e-9)
    expect(agreement!.min).toBeLessThanOrEqual(agreement!.mean)
    expect(agreement!.mean).toBeLessThanOrEqual(1)
    expect(agreement!.min).toBeGreaterThanOrEqual(-1)
  })

  it('uses unit-length, orthogonal axes that diagonalise the standardised covariance', async () => {
    const rows = await trainingRows(db, features)
    const n = rows.length
    const z = rows.map((r) => MODEL_FEATURES.map((f, j) => (r[f] - model.means[j]!) / model.scales[j]!))
    const cov = MODEL_FEATURES.map((_, j) => MODEL_FEATURES.map((_, k) => z.reduce((s, row) => s + row[j]! * row[k]!, 0) / n))
    const trace = cov.reduce((s, row, j) => s + row[j]!, 0)
    model.components.forEach((axis, c) => {
      expect(axis.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 12)
      if (c > 0) expect(axis.reduce((s, v, j) => s + v * model.components[0]![j]!, 0)).toBeCloseTo(0, 12)
      // Cv = λv with λ = ratio · trace, and the largest |loading| is positive.
      const lambda = model.explained_variance_ratio[c]! * trace
      cov.forEach((row, j) => expect(row.reduce((s, v, k) => s + v * axis[k]!, 0)).toBeCloseTo(lambda * axis[j]!, 9))
      const top = axis.reduce((best, v, j) => (Math.abs(v) > Math.abs(axis[best]!) ? j : best), 0)
      expect(axis[top]!).toBeGreaterThan(0)
    })
    const ratios = model.explained_variance_ratio
    expect(ratios.every((r, i) => i === 0 || r <= ratios[i - 1]!)).toBe(true)
    expect(ratios.reduce((s, r) => s + r, 0)).toBeLessThanOrEqual(1 + 1e-12)
  })

  it('names the clusters by the mean CDI of their rows, highest first', async () => {
    const rows = await trainingRows(db, features)
    const projected = project(matrixOf(rows), model.means, model.scales, model.components.map((c) => [...c]))
    const centroids = Float64Array.from(model.centroids.flat())
    const sums = [0, 0, 0, 0]
    const counts = [0, 0, 0, 0]
    rows.forEach((r, i) => {
      const c = nearestCentroid(projected, i, centroids, 4, 6).index
      sums[c]! += cdiOf(r).cdi
      counts[c]! += 1
    })
    const means = sums.map((s, c) => s / counts[c]!)
    const byName = SEGMENT_NAMES.map((name) => means[model.names.indexOf(name)]!)
    expect(byName).toEqual([...byName].sort((a, b) => b - a))
    // The four generated groups are far apart: each lands whole in its own cluster, in group order.
    rows.forEach((r, i) => {
      const group = Number(r.customer_id.slice(1)) % 4
      expect(model.names[nearestCentroid(projected, i, centroids, 4, 6).index]).toBe(SEGMENT_NAMES[group])
    })
    expect(model.silhouette).toBeGreaterThan(0.5)
    expect(model.silhouette).toBeLessThanOrEqual(1)
  })

  it('writes a baseline whose counts sum to the training rows for every feature', async () => {
    const file = join(root, 'model-a', 'baseline.parquet')
    expect(await db.describe(`SELECT * FROM read_parquet(${sqlString(file)})`)).toEqual([
      { name: 'feature', type: 'VARCHAR' },
      { name: 'value', type: 'DOUBLE' },
      { name: 'n', type: 'BIGINT' },
    ])
    const totals = await db.all<{ feature: string; total: bigint; values: bigint }>(
      `SELECT feature, sum(n) AS total, count(*) AS values FROM read_parquet(${sqlString(file)}) GROUP BY feature ORDER BY feature`,
    )
    expect(totals.map((t) => t.feature)).toEqual([...MODEL_FEATURES].sort())
    expect(totals.every((t) => t.total === 2000n)).toBe(true)
    const flags = await db.all<{ value: number; n: bigint }>(`SELECT value, n FROM read_parquet(${sqlString(file)}) WHERE feature = 'e_statement_flag' ORDER BY value`)
    expect(flags).toEqual([
      { value: 0, n: 1000n },
      { value: 1, n: 1000n },
    ])
  })

  it('writes PSI edges: the 10%..90% quantiles with duplicates merged', async () => {
    const edges = JSON.parse(readFileSync(join(root, 'model-a', 'baseline_edges.json'), 'utf8')) as BaselineEdges
    expect(Object.keys(edges)).toEqual(MODEL_FEATURES)
    // Half the rows have the flag: every decile but the median is 0 or 1, the median interpolates.
    expect(edges.e_statement_flag).toEqual([0, 0.5, 1])
    const rows = await trainingRows(db, features)
    for (const f of MODEL_FEATURES) {
      const sorted = rows.map((r) => r[f]).sort((a, b) => a - b)
      const expected = mergeEdges(
        [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map((q) => {
          const pos = q * (sorted.length - 1)
          const lo = Math.floor(pos)
          return sorted[lo]! + (pos - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!)
        }),
      )
      expect(edges[f]).toHaveLength(expected.length)
      edges[f].forEach((e, i) => expect(e).toBeCloseTo(expected[i]!, 9))
      expect(edges[f].every((e, i) => i === 0 || e > edges[f][i - 1]!)).toBe(true)
    }
  })

  it('computes the edges bit for bit as DuckDB quantile_cont over every row would', async () => {
    const edges = JSON.parse(readFileSync(join(root, 'model-a', 'baseline_edges.json'), 'utf8')) as BaselineEdges
    const levels = '[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]::DOUBLE[]'
    const [row] = await db.all<Record<string, number[]>>(
      `SELECT ${MODEL_FEATURES.map((f, j) => `quantile_cont(CAST("${f}" AS DOUBLE), ${levels}) AS q${j}`).join(', ')} FROM read_parquet(${sqlStringList(features.map((p) => p.file))})`,
    )
    MODEL_FEATURES.forEach((f, j) => expect(edges[f]).toEqual(mergeEdges(row![`q${j}`]!)))
  })

  it('writes the baseline drift bins: KS bins over the 0.1%..99.9% distinct values, counts per (PSI bin, KS bin) adding up to the training rows', async () => {
    const bins = readBaselineBins(join(root, 'model-a', BASELINE_BINS_FILE))
    const edges = JSON.parse(readFileSync(join(root, 'model-a', 'baseline_edges.json'), 'utf8')) as BaselineEdges
    const rows = await trainingRows(db, features)
    MODEL_FEATURES.forEach((f, j) => {
      const distinct = [...new Set(rows.map((r) => r[f]))].sort((a, b) => a - b)
      const [from, to] = KS_RANGE_QUANTILES.map((q) => distinct[Math.floor((distinct.length - 1) * q)]!)
      expect(bins.scales[j]).toEqual({ from, to, bins: 1024, log: from! > 0 && to! > 100 * from! })
      const own = bins.bins.filter((b) => b.ord === j)
      expect(own.reduce((s, b) => s + b.n, 0)).toBe(rows.length)
      // Per PSI bin, the training rows between its edges.
      const psi = new Array<number>(edges[f].length + 1).fill(0)
      for (const b of own) psi[b.bin] = psi[b.bin]! + b.n
      expect(psi).toEqual(edges[f].map((_, i) => i).concat(edges[f].length).map((i) => rows.filter((r) => featureBin(r[f], edges[f]) === i).length))
      // The KS bins hold intervals of values in order.
      const byK = [...own].sort((a, b) => a.kbin - b.kbin || a.lo - b.lo)
      byK.forEach((b, i) => i === 0 || byK[i - 1]!.kbin === b.kbin || expect(byK[i - 1]!.hi).toBeLessThan(b.lo))
    })
  })

  it('keeps the first training rows in md5 order as the k-means sample (the threshold filter changes nothing)', async () => {
    // The silhouette sample is the head of the k-means sample; retraining with the same files
    // must reproduce the silhouette computed on the first rows of the full md5 order.
    const cols = MODEL_FEATURES.map((f) => `CAST("${f}" AS DOUBLE) AS "${f}"`).join(', ')
    const files = features.map((p) => `(${sqlString(p.file)}, ${sqlString(p.partition)})`).join(', ')
    const rows = await db.all<Record<string, number>>(
      `SELECT ${cols} FROM read_parquet(${sqlStringList(features.map((p) => p.file))}, filename = true) f JOIN (VALUES ${files}) m(file, partition) ON f.filename = m.file
       ORDER BY md5(m.partition || '|' || CAST(f.customer_id AS VARCHAR)), m.partition, f.customer_id LIMIT 10000`,
    )
    const data = new Float64Array(rows.length * MODEL_FEATURES.length)
    rows.forEach((r, i) => MODEL_FEATURES.forEach((f, j) => (data[i * MODEL_FEATURES.length + j] = r[f]!)))
    const projected = project(data, model.means, model.scales, model.components as number[][])
    const centroids = new Float64Array(model.centroids.flat())
    const labels = new Int32Array(rows.length)
    for (let i = 0; i < rows.length; i++) labels[i] = nearestCentroid(projected, i, centroids, 4, 6).index
    expect(silhouetteScore(projected, 6, labels, 4)).toBe(model.silhouette)
  })

  it('gives a constant column scale 1', async () => {
    const dir = join(root, 'constant')
    const constant = await writeFeatures(db, join(dir, 'features'), { customers: 200, constantRobo: true })
    await trainSegmentModel({ db, features: constant, stats: await statsOf(db, constant), window: WINDOW, outputDir: join(dir, 'model') })
    const m = readModel(join(dir, 'model'))
    const robo = MODEL_FEATURES.indexOf('robo_advice_flag')
    expect(m.means[robo]).toBe(0)
    expect(m.scales[robo]).toBe(1)
    expect(m.scales.every((s, j) => j === robo || s !== 1)).toBe(true)
    expect(m.components.flat().every(Number.isFinite)).toBe(true)
    // The constant column carries no variance: it loads nothing on the leading axes.
    expect(Math.abs(m.components[0]![robo]!)).toBeLessThan(1e-9)
  })

  it('leaves a cluster empty when there are fewer distinct rows than k, and ranks it last', async () => {
    const dir = join(root, 'three')
    const three = await writeFeatures(db, join(dir, 'features'), { customers: 90, groups: 3, noise: false })
    const meta = await trainSegmentModel({ db, features: three, stats: await statsOf(db, three), window: WINDOW, outputDir: join(dir, 'model') })
    const m = readModel(join(dir, 'model'))
    expect(meta.cluster_sizes).toEqual({ digital_native: 150, digital_adopter: 150, hybrid: 150, traditional: 0 })
    expect(m.inertia).toBeLessThan(1e-9)
    expect(m.silhouette).toBeGreaterThan(0.99)
  })

  it('fails with an input error naming the window when it has no features', async () => {
    const error = await trainSegmentModel({ db, features: [], stats: [], window: WINDOW, outputDir: join(root, 'empty') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect((error as StrataError).code).toBe('input')
    expect((error as StrataError).message).toContain('2024-03-04 .. 2024-06-01')
    expect((error as StrataError).hint).toMatch(/materialize features/i)
  })

  it('agrees with a direct computation over every row on wide, offset data (covariance, std, inertia to 1e-12)', async () => {
    // Large offsets and mixed magnitudes: a naive one-pass float sum would lose digits here.
    const dir = join(root, 'offset')
    const files: FeaturePartition[] = []
    for (const [d, day] of DAYS.entries()) {
      const file = join(dir, 'features', `dt=${day}`, 'features.parquet')
      await mkdir(join(dir, 'features', `dt=${day}`), { recursive: true })
      await db.run(
        `COPY (SELECT printf('C%05d', i) AS customer_id,
                      (hash(i, 1, ${d}) % 100000) / 99999.0 AS pct_trades_digital_90d,
                      CAST(hash(i, 2, ${d}) % 40 AS BIGINT) AS app_logins_30d,
                      CAST(hash(i, 3, ${d}) % 2 AS INTEGER) AS e_statement_flag,
                      CAST(i % 3 = 0 AS INTEGER) AS robo_advice_flag,
                      CAST(hash(i, 4, ${d}) % 5 AS BIGINT) AS webinars_90d,
                      CAST(0 AS INTEGER) AS alerts_enabled_flag,
                      (hash(i, 5, ${d}) % 1000) / 7.0 AS pct_tickets_resolved_digital_90d,
                      1e9 + (hash(i, 6, ${d}) % 1000003) / 3.0 + (i % 4) * 2e5 AS avg_notional_90d
               FROM range(${300 + 50 * d}) r(i)) TO ${sqlString(file)} (FORMAT parquet)`,
      )
      files.push({ partition: day, file })
    }
    await trainSegmentModel({ db, features: files, stats: await statsOf(db, files), window: WINDOW, outputDir: join(dir, 'model') })
    const m = readModel(join(dir, 'model'))
    const rows = await trainingRows(db, files)
    const n = rows.length
    expect(m.training_rows).toBe(n)
    // Two-pass reference: means, then centred sums.
    const means = MODEL_FEATURES.map((f) => rows.reduce((s, r) => s + r[f], 0) / n)
    const centred = rows.map((r) => MODEL_FEATURES.map((f, j) => r[f] - means[j]!))
    MODEL_FEATURES.forEach((_, j) => {
      const std = Math.sqrt(centred.reduce((s, c) => s + c[j]! * c[j]!, 0) / n)
      expect(Math.abs(m.means[j]! - means[j]!) / Math.max(Math.abs(means[j]!), std)).toBeLessThan(1e-12)
      expect(Math.abs(m.scales[j]! - std) / std).toBeLessThan(1e-12)
      for (let k = 0; k < MODEL_FEATURES.length; k++) {
        // Standardised covariance, i.e. the matrix PCA decomposes: Σ_k of each axis reproduces it.
        const cov = centred.reduce((s, c) => s + c[j]! * c[k]!, 0) / n / std / Math.sqrt(centred.reduce((s, c) => s + c[k]! * c[k]!, 0) / n)
        const fromModel = m.components.reduce((s, axis, c) => s + axis[j]! * axis[k]! * m.explained_variance_ratio[c]! * 7, 0)
        // The model keeps 6 of 7 axes; the 7th carries what is left, at most 1 − Σ ratios.
        const rest = 7 * (1 - m.explained_variance_ratio.reduce((s, r) => s + r, 0))
        expect(Math.abs(fromModel - cov)).toBeLessThanOrEqual(rest + 1e-12)
      }
    })
    const projected = project(matrixOf(rows), m.means, m.scales, m.components.map((c) => [...c]))
    const centroids = Float64Array.from(m.centroids.flat())
    let inertia = 0
    for (let i = 0; i < n; i++) inertia += nearestCentroid(projected, i, centroids, 4, 6).distance
    expect(Math.abs(m.inertia - inertia) / inertia).toBeLessThan(1e-12)
  })

  it('reads a week_stats in place of the days it sums: the same clusters and baseline files, the inertia to 1e-12', async () => {
    const week = join(root, 'week-2024-06-03')
    await computeWeekStats({ db, week: '2024-06-03', stats, outputDir: week })
    const out = join(root, 'model-weeks')
    await trainSegmentModel({ db, features, stats, weeks: [{ week: '2024-06-03', dir: week }], window: WINDOW, outputDir: out })
    const withWeeks = readModel(out)
    const strip = ({ inertia, version, ...rest }: SegmentModel) => (void inertia, void version, rest)
    expect(strip(withWeeks)).toEqual(strip(model))
    expect(Math.abs(withWeeks.inertia - model.inertia)).toBeLessThanOrEqual(1e-12 * model.inertia)
    for (const file of ['baseline.parquet', 'baseline_edges.json', BASELINE_BINS_FILE]) {
      expect(readFileSync(join(out, file)).equals(readFileSync(join(root, 'model-a', file))), file).toBe(true)
    }
  })

  it('refuses a week_stats that sums other days than the window has in its week', async () => {
    const week = join(root, 'week-short')
    await computeWeekStats({ db, week: '2024-06-03', stats: stats.slice(1), outputDir: week })
    const error = await trainSegmentModel({ db, features, stats, weeks: [{ week: '2024-06-03', dir: week }], window: WINDOW, outputDir: join(root, 'model-short') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect((error as StrataError).code).toBe('corrupt')
    expect((error as StrataError).message).toContain('week_stats(2024-06-03) sums the days 2024-05-29, 2024-05-30, 2024-05-31, 2024-06-01, not the window')
    expect((error as StrataError).hint).toContain('strata materialize week_stats --partition 2024-06-03 --force')
  })

  it('refuses feature_stats that do not cover the features partitions', async () => {
    const error = await trainSegmentModel({ db, features, stats: stats.slice(1), window: WINDOW, outputDir: join(root, 'no-stats') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect((error as StrataError).code).toBe('input')
    expect((error as StrataError).message).toContain(`missing ${DAYS[0]}`)
    expect((error as StrataError).hint).toMatch(/materialize feature_stats/)
  })

  it('refuses feature_stats value counts that do not add up to the training rows', async () => {
    const dir = join(root, 'bad-values')
    const copied = await statsOf(db, await writeFeatures(db, join(dir, 'features')))
    // One day's webinar counts lose a row: the baseline would be off by one without a word.
    const values = join(copied[1]!.dir, 'values.parquet')
    const source = `read_parquet(${sqlString(values)})`
    const first = `(SELECT min(value) FROM ${source} WHERE feature = 'webinars_90d')`
    await db.run(`COPY (SELECT feature, value, n - CASE WHEN feature = 'webinars_90d' AND value = ${first} THEN 1 ELSE 0 END AS n FROM ${source}) TO ${sqlString(`${values}.new`)} (FORMAT parquet)`)
    await rename(`${values}.new`, values)
    const error = await trainSegmentModel({ db, features, stats: copied, window: WINDOW, outputDir: join(dir, 'model') }).catch((e: unknown) => e)
    expect((error as StrataError).code).toBe('corrupt')
    expect((error as StrataError).message).toContain('the value counts of webinars_90d in feature_stats and week_stats do not add up to the 2000 training rows')
  })

  it('refuses feature_stats whose rows disagree with the features files', async () => {
    const dir = join(root, 'stale')
    const small = await writeFeatures(db, join(dir, 'features'), { customers: 40 })
    const stale = await statsOf(db, small)
    const error = await trainSegmentModel({ db, features, stats: stale, window: WINDOW, outputDir: join(dir, 'model') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect((error as StrataError).code).toBe('corrupt')
    expect((error as StrataError).message).toContain('hold 2000 rows, but their feature_stats count 200')
  })

  it('refuses feature_stats whose distinct vectors disagree with their statistics', async () => {
    const dir = join(root, 'groups')
    const copy = await writeFeatures(db, join(dir, 'features'))
    const copied = await statsOf(db, copy)
    const small = await statsOf(db, await writeFeatures(db, join(dir, 'small', 'features'), { customers: 40 }))
    copyFileSync(join(small[0]!.dir, FEATURE_GROUPS_FILE), join(copied[0]!.dir, FEATURE_GROUPS_FILE))
    const error = await trainSegmentModel({ db, features: copy, stats: copied, window: WINDOW, outputDir: join(dir, 'model') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect((error as StrataError).code).toBe('corrupt')
    expect((error as StrataError).message).toContain('groups of 2024-03-04 .. 2024-06-01 hold 1640 rows, but their statistics count 2000')
    expect((error as StrataError).hint).toMatch(/materialize feature_stats/)
  })

  it('refuses a partition outside the window', async () => {
    const error = await trainSegmentModel({ db, features, stats, window: { from: '2024-03-04', to: '2024-05-30' }, outputDir: join(root, 'outside') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect((error as StrataError).message).toContain('2024-05-31')
  })
})

describe('nameClusters', () => {
  it('ranks by mean CDI, exact ties to the lower index, empty clusters last', () => {
    // Means: 50, 70, 50 (as 100/2), and an empty cluster.
    expect(nameClusters({ sizes: [1n, 1n, 2n, 0n], cdiSums: [50n, 70n, 100n, 0n] })).toEqual(['digital_adopter', 'digital_native', 'hybrid', 'traditional'])
    expect(nameClusters({ sizes: [0n, 3n, 0n, 3n], cdiSums: [0n, 30n, 0n, 31n] })).toEqual(['hybrid', 'digital_adopter', 'traditional', 'digital_native'])
  })
})

describe('silhouetteScore', () => {
  it('matches a hand-worked example and is null with a single cluster', () => {
    // Points 0, 1 in cluster 0 and 10 in cluster 1 (one dimension).
    const points = new Float64Array([0, 1, 10])
    // Point 0: a = 1, b = 10; point 1: a = 1, b = 9; point 10 is alone in its cluster: 0.
    const expected = ((10 - 1) / 10 + (9 - 1) / 9 + 0) / 3
    expect(silhouetteScore(points, 1, new Int32Array([0, 0, 1]), 2)).toBeCloseTo(expected, 15)
    expect(silhouetteScore(points, 1, new Int32Array([0, 0, 0]), 2)).toBeNull()
  })
})

describe('quantileCont', () => {
  it('agrees bit for bit with DuckDB quantile_cont, ties included', async () => {
    const db = await openDuckDb()
    try {
      let seed = 7
      const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
      for (let trial = 0; trial < 40; trial++) {
        const n = 1 + Math.floor(random() * 300)
        const values = Array.from({ length: n }, () => (random() < 0.5 ? Math.round(random() * 10) / 3 : random() * 1e6 - 3e5))
        const levels = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
        const [row] = await db.all<{ q: number[] }>(
          `SELECT quantile_cont(v, [${levels.map((q) => `CAST('${q}' AS DOUBLE)`).join(', ')}]) AS q FROM (SELECT unnest([${values.map(String).join(', ')}]::DOUBLE[]) AS v)`,
        )
        const sorted = [...values].sort((a, b) => a - b)
        expect(levels.map((q) => quantileCont(n, q, (p) => sorted[p]!))).toEqual(row!.q)
      }
    } finally {
      db.close()
    }
  })
})

describe('baselineEdges', () => {
  // Two values per feature: value 1 (count 1) and value 2 (count 3), so n = 4, the sorted rows are
  // 1, 2, 2, 2 and quantile_cont at 10%, 20%, 30% reads positions 0.3, 0.6, 0.9: 1.3, 1.6, 1.9; from
  // 40% on every edge is 2 (merged).
  const counts = MODEL_FEATURES.flatMap((_, ord) => [`(${ord}, 1.0, 1)`, `(${ord}, 2.0, 3)`])

  it('reads the edges off the value counts in (feature, value) order', async () => {
    const db = await openDuckDb()
    try {
      await db.run(`CREATE TEMP TABLE ${BASELINE_COUNTS} AS SELECT * FROM (VALUES ${counts.join(', ')}) t(ord, value, n) ORDER BY ord, value`)
      for (const blockRows of [1, 3, 4096]) {
        const edges = await baselineEdges(db, 4, blockRows)
        for (const f of MODEL_FEATURES) expect(edges[f]).toEqual([1.3, 1.6, 1.9, 2])
      }
    } finally {
      db.close()
    }
  })

  it('gives quantile_cont of the expanded rows whatever the block size', async () => {
    const db = await openDuckDb()
    try {
      let seed = 11
      const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
      const n = 500
      // Per feature: distinct values with counts adding up to n (many values for one feature).
      const rows = MODEL_FEATURES.flatMap((_, ord) => {
        const distinct = ord === 6 ? 200 : 1 + Math.floor(random() * 12)
        const values = [...new Set(Array.from({ length: distinct }, () => Math.round(random() * 1e6) / 7))].sort((a, b) => a - b)
        const counts = values.map(() => 1)
        for (let left = n - values.length; left > 0; left--) counts[Math.floor(random() * values.length)]! += 1
        return values.map((v, i) => `(${ord}, ${v}::DOUBLE, ${counts[i]})`)
      })
      await db.run(`CREATE TEMP TABLE ${BASELINE_COUNTS} AS SELECT * FROM (VALUES ${rows.join(', ')}) t(ord, value, n) ORDER BY ord, value`)
      const expected = await db.all<{ ord: number; q: number[] }>(
        `SELECT ord, quantile_cont(value, [${EDGE_QUANTILES.map((q) => `CAST('${q}' AS DOUBLE)`).join(', ')}]) AS q
         FROM (SELECT ord, value FROM ${BASELINE_COUNTS}, range(n)) GROUP BY ord ORDER BY ord`,
      )
      for (const blockRows of [1, 5, 64, 4096]) {
        const edges = await baselineEdges(db, n, blockRows)
        MODEL_FEATURES.forEach((f, ord) => expect(edges[f]).toEqual(mergeEdges(expected[ord]!.q)))
      }
    } finally {
      db.close()
    }
  })

  it('fails rather than give wrong edges when the counts are not in (feature, value) order', async () => {
    const db = await openDuckDb()
    try {
      await db.run(`CREATE TEMP TABLE ${BASELINE_COUNTS} AS SELECT * FROM (VALUES ${[...counts].reverse().join(', ')}) t(ord, value, n)`)
      // Blocks of two rows: their ranges then decrease.
      const error = (await baselineEdges(db, 4, 2).catch((e: unknown) => e)) as StrataError
      expect(error).toBeInstanceOf(StrataError)
      expect(error.message).toMatch(/not read in \(feature, value\) order/)
    } finally {
      db.close()
    }
  })
})

describe('md5Threshold', () => {
  it('filters only when it clearly pays, leaving comfortably more than the limit expected', () => {
    expect(md5Threshold(150_000, 100_000)).toBeUndefined()
    const t = md5Threshold(10_000_000, 100_000)!
    expect(t).toMatch(/^[0-9a-f]{8}$/)
    const expected = (parseInt(t, 16) / 2 ** 32) * 10_000_000
    expect(expected).toBeGreaterThan(100_000 + 8 * Math.sqrt(100_000))
    expect(expected).toBeLessThan(110_000)
  })
})

describe('silhouetteScore (tight loop)', () => {
  it('gives exactly the value of the plain pairwise definition, in 6 and in 3 dimensions', () => {
    for (const dim of [6, 3]) {
      const n = 300
      let seed = 3
      const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
      const points = new Float64Array(Array.from({ length: n * dim }, () => random() * 10))
      const labels = new Int32Array(Array.from({ length: n }, (_, i) => (i * 7 + Math.floor(random() * 3)) % 4))
      // Reference: for each i, sums over j ≠ i in increasing j.
      const counts = [0, 0, 0, 0]
      labels.forEach((l) => counts[l]!++)
      let total = 0
      for (let i = 0; i < n; i++) {
        const sums = [0, 0, 0, 0]
        for (let j = 0; j < n; j++) {
          if (j === i) continue
          let sq = 0
          for (let t = 0; t < dim; t++) sq += (points[i * dim + t]! - points[j * dim + t]!) ** 2
          sums[labels[j]!]! += Math.sqrt(sq)
        }
        const own = labels[i]!
        if (counts[own]! <= 1) continue
        const a = sums[own]! / (counts[own]! - 1)
        let b = Infinity
        for (let c = 0; c < 4; c++) if (c !== own && counts[c]! > 0) b = Math.min(b, sums[c]! / counts[c]!)
        total += (b - a) / Math.max(a, b)
      }
      expect(silhouetteScore(points, dim, labels, 4)).toBe(total / n)
    }
  })
})
