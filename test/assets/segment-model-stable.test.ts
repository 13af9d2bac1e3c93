import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveCdiConfig } from '../../assets/cdi-config.js'
import { cdiSettingsDocument } from '../../assets/definitions.js'
import { segmentModelAsset } from '../../assets/segment-model.js'
import { adjustedRandIndex } from '../../assets/lib/adjusted-rand.js'
import { computeFeatureStats } from '../../assets/lib/feature-stats.js'
import { labelRows } from '../../assets/lib/mini-batch-kmeans.js'
import { modelVersion, trainSegmentModel } from '../../assets/lib/segment-model.js'
import type { FeaturePartition, FeatureStatsPartition } from '../../assets/lib/segment-model-inputs.js'
import { md5Threshold } from '../../assets/lib/segment-model-sample.js'
import { fitStable, STABLE_LOG1P } from '../../assets/lib/segment-model-stable.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type SegmentModel } from '../../assets/lib/segment-model-types.js'
import { assignSegments, modelInput, rawSegmentQuery } from '../../assets/lib/segments.js'
import { configProblems, type Settings } from '../../framework/config/index.js'
import { StrataError } from '../../framework/errors/index.js'
import { sqlString, type SqlEngine } from '../../framework/sql/index.js'
import { openDuckDb } from '../../resources/duckdb.js'

const WINDOW = { from: '2024-03-04', to: '2024-06-01' }
const DAYS = ['2024-05-30', '2024-05-31', '2024-06-01']
const CUSTOMERS = 400

/**
 * Four behaviour groups (customer i is in group i % 4), from very digital (0) to not at all (3):
 * pct_trades, app_logins, e_statement, robo, webinars, pct_tickets, avg_notional. Logins and
 * notional have long tails (a few customers 20× the rest) that the ln(1 + x) tames.
 */
const GROUPS = [
  [0.9, 26, 1, 1, 3, 0.9, 3000],
  [0.6, 14, 1, 0, 2, 0.6, 6000],
  [0.3, 6, 0, 1, 1, 0.3, 10000],
  [0.02, 0, 0, 0, 0, 0, 20000],
]

async function writeFeatures(db: SqlEngine, dir: string): Promise<FeaturePartition[]> {
  const params = GROUPS.map((g, i) => `(${i}, ${g.map((v) => `CAST('${v}' AS DOUBLE)`).join(', ')})`).join(', ')
  const u = (salt: number, day: number): string => `(CAST(hash(i, ${salt}, ${day}) % 1001 AS DOUBLE) / 1000 - 0.5)`
  const out: FeaturePartition[] = []
  for (const [d, day] of DAYS.entries()) {
    const file = join(dir, `dt=${day}`, 'features.parquet')
    await mkdir(join(dir, `dt=${day}`), { recursive: true })
    await db.run(
      `COPY (
        SELECT printf('C%05d', i) AS customer_id,
               CAST(10 + hash(i, 6) % 3 AS BIGINT) AS trades_total_90d,
               CAST(round(least(greatest(pct + 0.1 * ${u(1, d)}, 0), 1) * (10 + hash(i, 6) % 3)) AS BIGINT) AS trades_digital_90d,
               trades_digital_90d / trades_total_90d AS pct_trades_digital_90d,
               (notional + 1000 * ${u(2, d)}) * (CASE WHEN i % 37 = 0 THEN 20 ELSE 1 END) AS avg_notional_90d,
               CAST(greatest(logins + round(4 * ${u(3, d)}), 0) * (CASE WHEN i % 41 = 0 THEN 20 ELSE 1 END) AS BIGINT) AS app_logins_30d,
               CAST(webinars + hash(i, 4, ${d}) % 2 AS BIGINT) AS webinars_90d,
               CAST(e AS INTEGER) AS e_statement_flag,
               CAST(robo AS INTEGER) AS robo_advice_flag,
               CAST(1 AS INTEGER) AS alerts_enabled_flag,
               CAST(4 + hash(i, 7) % 3 AS BIGINT) AS tickets_total_90d,
               CAST(round(least(greatest(tickets + 0.1 * ${u(5, d)}, 0), 1) * tickets_total_90d) AS BIGINT) AS tickets_resolved_digital_90d,
               tickets_resolved_digital_90d / tickets_total_90d AS pct_tickets_resolved_digital_90d
        FROM range(${CUSTOMERS}) r(i)
        JOIN (VALUES ${params}) g(g, pct, logins, e, robo, webinars, tickets, notional) ON g.g = i % 4
        ORDER BY i
      ) TO ${sqlString(file)} (FORMAT parquet)`,
    )
    out.push({ partition: day, file })
  }
  return out
}

async function statsOf(db: SqlEngine, features: readonly FeaturePartition[], dir: string): Promise<FeatureStatsPartition[]> {
  const out: FeatureStatsPartition[] = []
  for (const f of features) {
    const outputDir = join(dir, `dt=${f.partition}`)
    await computeFeatureStats({ db, partition: f.partition, featuresFile: f.file, outputDir })
    out.push({ partition: f.partition, dir: outputDir })
  }
  return out
}

function readModel(dir: string): SegmentModel {
  return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as SegmentModel
}

describe('trainSegmentModel with the stable segmentation', () => {
  let db: SqlEngine
  let root: string
  let features: FeaturePartition[]
  let stats: FeatureStatsPartition[]
  let model: SegmentModel
  let metadata: Awaited<ReturnType<typeof trainSegmentModel>>
  /** The last day's rows in customer order, as JavaScript computes the model's inputs (Math.log1p, shrunk shares). */
  let lastDay: { id: string; x: number[] }[]
  let priors: { pct_trades_digital_90d: number; pct_tickets_resolved_digital_90d: number }

  beforeAll(async () => {
    db = await openDuckDb()
    root = await mkdtemp(join(tmpdir(), 'strata-stable-model-'))
    features = await writeFeatures(db, join(root, 'features'))
    stats = await statsOf(db, features, join(root, 'stats'))
    metadata = await trainSegmentModel({ db, features, stats, window: WINDOW, outputDir: join(root, 'model-a'), segmentation: 'stable' })
    model = readModel(join(root, 'model-a'))
    const rows = await db.all<Record<string, number | string>>(`SELECT * FROM read_parquet(${sqlString(features[2]!.file)}) ORDER BY customer_id`)
    // The shares shrunk towards the day's share: (digital + 2p) / (events + 2).
    const prior = (digital: string, events: string): number => rows.reduce((t, r) => t + Number(r[digital]), 0) / rows.reduce((t, r) => t + Number(r[events]), 0)
    priors = { pct_trades_digital_90d: prior('trades_digital_90d', 'trades_total_90d'), pct_tickets_resolved_digital_90d: prior('tickets_resolved_digital_90d', 'tickets_total_90d') }
    const input = (r: Record<string, number | string>, f: (typeof MODEL_FEATURES)[number]): number => {
      if (f === 'pct_trades_digital_90d') return (Number(r.trades_digital_90d) + 2 * priors.pct_trades_digital_90d) / (Number(r.trades_total_90d) + 2)
      if (f === 'pct_tickets_resolved_digital_90d') return (Number(r.tickets_resolved_digital_90d) + 2 * priors.pct_tickets_resolved_digital_90d) / (Number(r.tickets_total_90d) + 2)
      return STABLE_LOG1P.includes(f) ? Math.log1p(Number(r[f])) : Number(r[f])
    }
    lastDay = rows.map((r) => ({ id: r.customer_id as string, x: MODEL_FEATURES.map((f) => input(r, f)) }))
  })
  afterAll(async () => {
    db.close()
    await rm(root, { recursive: true, force: true })
  })

  it('writes the SPEC §8 keys plus segmentation and log1p, identity components, 7-dimensional centroids, and trains on the last day only', () => {
    expect(Object.keys(model)).toEqual([
      'features',
      'segmentation',
      'log1p',
      'shrink',
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
    expect(model.segmentation).toBe('stable')
    expect(model.log1p).toEqual(['app_logins_30d', 'webinars_90d', 'avg_notional_90d'])
    expect(model.shrink).toEqual({ weight: 2, priors })
    expect(model.components).toEqual(MODEL_FEATURES.map((_, i) => MODEL_FEATURES.map((__, j) => (i === j ? 1 : 0))))
    expect(model.centroids).toHaveLength(4)
    expect(model.centroids.every((c) => c.length === 7)).toBe(true)
    expect([...model.names].sort()).toEqual([...SEGMENT_NAMES].sort())
    expect(model.training_rows).toBe(CUSTOMERS)
    expect(model.window).toEqual({ from: DAYS[2], to: DAYS[2] })
    const { version, ...body } = model
    expect(modelVersion(body)).toBe(version)
    expect(metadata).toMatchObject({ training_rows: CUSTOMERS, window_from: DAYS[2], window_to: DAYS[2], partitions_used: 1, segmentation: 'stable', version })
    expect(Object.values(metadata.cluster_sizes).reduce((s, v) => s + v, 0)).toBe(CUSTOMERS)
  })

  it('is byte-for-byte deterministic in any input order, and differs from the SPEC model', async () => {
    await trainSegmentModel({ db, features: [...features].reverse(), stats: [...stats].reverse(), window: WINDOW, outputDir: join(root, 'model-b'), segmentation: 'stable' })
    expect(readFileSync(join(root, 'model-b', 'model.json'), 'utf8')).toBe(readFileSync(join(root, 'model-a', 'model.json'), 'utf8'))
    await trainSegmentModel({ db, features, stats, window: WINDOW, outputDir: join(root, 'model-spec') })
    const spec = readModel(join(root, 'model-spec'))
    expect(spec.segmentation).toBeUndefined()
    expect(spec.version).not.toBe(model.version)
    // Drift compares with the window's distribution under either method.
    expect(readFileSync(join(root, 'model-a', 'baseline_edges.json'), 'utf8')).toBe(readFileSync(join(root, 'model-spec', 'baseline_edges.json'), 'utf8'))
  })

  it('standardises ln(1 + x) of the counts and the amount, and the shrunk shares, with the population mean and std of the last day', () => {
    const n = lastDay.length
    MODEL_FEATURES.forEach((_, j) => {
      const mean = lastDay.reduce((s, r) => s + r.x[j]!, 0) / n
      const std = Math.sqrt(lastDay.reduce((s, r) => s + (r.x[j]! - mean) ** 2, 0) / n)
      expect(model.means[j]).toBeCloseTo(mean, 10)
      expect(model.scales[j]).toBeCloseTo(std, 10)
    })
    expect(model.explained_variance_ratio.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12)
  })

  it('recovers the four groups, names them by CDI rank, and reports the full k-means in its quality block', () => {
    const d = MODEL_FEATURES.length
    const data = new Float64Array(lastDay.length * d)
    lastDay.forEach((r, i) => r.x.forEach((v, j) => (data[i * d + j] = (v - model.means[j]!) / model.scales[j]!)))
    const labels = labelRows(data, d, Float64Array.from(model.centroids.flat()), 4)
    const groups = lastDay.map((_, i) => i % 4)
    expect(adjustedRandIndex(labels, groups)).toBe(1)
    // Group 0 is the most digital, group 3 the least.
    expect(model.names[labels[0]!]).toBe('digital_native')
    expect(model.names[labels[3]!]).toBe('traditional')
    const q = model.quality!
    expect(q.kmeans).toMatchObject({ algorithm: 'lloyd', rows: CUSTOMERS, max_steps: 300, reassignments: 0, early_stop: true })
    expect(q.candidates.inertias).toHaveLength(10)
    expect(q.candidates.inertias[q.candidates.chosen]).toBe(Math.min(...q.candidates.inertias))
    expect(q.candidates.agreement!.min).toBeGreaterThanOrEqual(-1)
    expect(q.cluster_sizes).toEqual({ digital_native: 100, digital_adopter: 100, hybrid: 100, traditional: 100 })
    expect(model.inertia).toBeCloseTo(Math.min(...q.candidates.inertias), 6)
  })

  it('is applied by segments and by drift’s retrain churn with the same transform', async () => {
    const cdiFile = join(root, 'cdi.parquet')
    await db.run(`COPY (SELECT customer_id, CAST(50 AS INTEGER) AS cdi FROM read_parquet(${sqlString(features[2]!.file)}) ORDER BY customer_id) TO ${sqlString(cdiFile)} (FORMAT parquet)`)
    const meta = await assignSegments({ db, cdiFile, featuresFile: features[2]!.file, model, hysteresisDelta: 10, outputDir: join(root, 'segments') })
    expect(meta.segment_sizes).toEqual(model.quality!.cluster_sizes)
    const segments = await db.all<{ customer_id: string; raw_segment: string }>(`SELECT customer_id, raw_segment FROM read_parquet(${sqlString(join(root, 'segments', 'segments.parquet'))}) ORDER BY customer_id`)
    const raw = await db.all<{ customer_id: string; raw_k: number }>(`SELECT * FROM (${rawSegmentQuery(model, features[2]!.file)}) ORDER BY customer_id`)
    expect(raw.map((r) => SEGMENT_NAMES[r.raw_k])).toEqual(segments.map((s) => s.raw_segment))
    const byGroup = new Map<number, Set<string>>()
    segments.forEach((s, i) => byGroup.set(i % 4, (byGroup.get(i % 4) ?? new Set()).add(s.raw_segment)))
    expect([...byGroup.values()].map((s) => s.size)).toEqual([1, 1, 1, 1])
  })

  it('on a day with more customers than the k-means takes, trains on the md5-first ones and standardises over them', async () => {
    // 400 customers, limit 30: the hash-prefix filter applies (md5Threshold), and must give the
    // same rows as ordering every row.
    const limit = 30
    expect(md5Threshold(CUSTOMERS, limit)).toBeDefined()
    const fit = await fitStable(db, features[2]!, 4, 42, limit)
    expect(fit.n).toBe(CUSTOMERS)
    const d = MODEL_FEATURES.length
    expect(fit.sample.length).toBe(limit * d)
    const ids = await db.all<{ id: string }>(`SELECT customer_id AS id FROM read_parquet(${sqlString(features[2]!.file)}) ORDER BY md5(${sqlString(DAYS[2]!)} || '|' || customer_id), customer_id LIMIT ${limit}`)
    const byId = new Map(lastDay.map((r) => [r.id, r.x]))
    const rows = ids.map((r) => byId.get(r.id)!)
    MODEL_FEATURES.forEach((_, j) => {
      const mean = rows.reduce((s, x) => s + x[j]!, 0) / limit
      const std = Math.sqrt(rows.reduce((s, x) => s + (x[j]! - mean) ** 2, 0) / limit) || 1
      expect(fit.means[j]).toBeCloseTo(mean, 10)
      expect(fit.scales[j]).toBeCloseTo(std, 10)
      rows.forEach((x, i) => expect(fit.sample[i * d + j]).toBeCloseTo((x[j]! - mean) / std, 10))
    })
  })

  it('takes a share of no events as the prior, and of many as nearly the share itself', async () => {
    const shrink = { weight: 2, priors: { pct_tickets_resolved_digital_90d: 0.25 } }
    const [row] = await db.all<{ none: number; many: number; plain: number }>(
      `SELECT (SELECT ${modelInput('pct_tickets_resolved_digital_90d', { shrink })} FROM (SELECT 0 AS tickets_resolved_digital_90d, 0 AS tickets_total_90d) f) AS none,
              (SELECT ${modelInput('pct_tickets_resolved_digital_90d', { shrink })} FROM (SELECT 98 AS tickets_resolved_digital_90d, 98 AS tickets_total_90d) f) AS many,
              (SELECT ${modelInput('pct_trades_digital_90d', { shrink })} FROM (SELECT 0.7 AS pct_trades_digital_90d) f) AS plain`,
    )
    expect(row).toEqual({ none: 0.25, many: (98 + 0.5) / 100, plain: 0.7 })
  })

  it('refuses a model whose shrink is malformed', async () => {
    const cdiFile = join(root, 'cdi.parquet')
    for (const shrink of [{ weight: 0, priors: {} }, { weight: 2, priors: { app_logins_30d: 0.5 } }, { weight: 2, priors: { pct_trades_digital_90d: 1.5 } }]) {
      const bad = { ...model, shrink } as unknown as SegmentModel
      await expect(assignSegments({ db, cdiFile, featuresFile: features[2]!.file, model: bad, hysteresisDelta: 10, outputDir: join(root, 'bad') })).rejects.toMatchObject({
        code: 'input',
        message: expect.stringContaining('shrink must give a positive weight and priors in [0, 1]'),
      })
    }
  })

  it('refuses a model whose log1p names something other than model features', async () => {
    const bad = { ...model, log1p: ['app_logins_30d', 'tenure_days'] } as unknown as SegmentModel
    const cdiFile = join(root, 'cdi.parquet')
    await expect(assignSegments({ db, cdiFile, featuresFile: features[2]!.file, model: bad, hysteresisDelta: 10, outputDir: join(root, 'bad') })).rejects.toMatchObject({
      code: 'input',
      message: expect.stringContaining('log1p must list distinct model features'),
    })
  })
})

describe('the segmentation setting', () => {
  const settings = (env: Record<string, string>, config: Record<string, unknown> = {}): Settings =>
    ({ landing: '/l', storage: '/s', concurrency: 1, cwd: '/', env, config }) as unknown as Settings
  const noDays = async (): Promise<string[]> => []

  it('defaults to spec, takes the config key, and STRATA_SEGMENTATION over it; it travels in the settings document', async () => {
    expect((await resolveCdiConfig(settings({}), noDays)).segmentation).toBe('spec')
    const fromConfig = await resolveCdiConfig(settings({}, { segmentation: 'stable' }), noDays)
    expect(fromConfig.segmentation).toBe('stable')
    expect((await resolveCdiConfig(settings({ STRATA_SEGMENTATION: 'spec' }, { segmentation: 'stable' }), noDays)).segmentation).toBe('spec')
    expect(cdiSettingsDocument(settings({}, { segmentation: 'stable' }), fromConfig)).toMatchObject({ segmentation: 'stable' })
  })

  it('gives segment_model another code version under stable, so switching rebuilds the models; spec keeps its own', async () => {
    const spec = await resolveCdiConfig(settings({}), noDays)
    const stable = await resolveCdiConfig(settings({ STRATA_SEGMENTATION: 'stable' }), noDays)
    expect(segmentModelAsset(spec).codeVersion).toBe('segment-model-v9')
    expect(segmentModelAsset(stable).codeVersion).toBe('segment-model-v8-stable')
  })

  it('refuses an unknown method in the environment (config error naming the variable) and in the config file (schema)', async () => {
    const error = await resolveCdiConfig(settings({ STRATA_SEGMENTATION: 'kmeans' }), noDays).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect(error).toMatchObject({ code: 'config', message: expect.stringContaining('STRATA_SEGMENTATION="kmeans" is not one of spec, stable') })
    expect(configProblems({ segmentation: 'kmeans' })).toContain('/segmentation must be equal to one of the allowed values')
    expect(configProblems({ segmentation: 'stable' })).toBeUndefined()
  })
})
