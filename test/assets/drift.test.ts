import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StrataError } from '../../framework/errors/index.js'
import { daysBetween } from '../../framework/partitions/index.js'
import { openDuckDb } from '../../resources/duckdb.js'
import { quoteIdent, sqlString, type SqlEngine } from '../../framework/sql/index.js'
import { FEATURE_COLUMNS, parquetWriter, type Cell, type Column } from './parquet-rows.js'
import { buildDriftReport, driftStatus, featureDrift, type DriftFigures, type DriftReport } from '../../assets/lib/drift.js'
import { binExpression, featureSide } from '../../assets/lib/drift-queries.js'
import { BASELINE_BINS_FILE, countBaselineBins, KS_BINS, ksScale, writeBaselineBins, type BaselineBins } from '../../assets/lib/baseline-bins.js'
import { recordedChurn } from '../../assets/drift-report.js'
import type { InputPartition } from '../../framework/definitions/index.js'
import type { Manifest } from '../../framework/storage/manifest.js'
import { validateDriftReport } from '../../assets/lib/drift-report-schema.js'
import { ksStatistic } from '../../assets/lib/ks.js'
import { featureBin, mergeEdges, psiFromCounts } from '../../assets/lib/psi.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type ModelFeature, type SegmentModel } from '../../assets/lib/segment-model-types.js'

const SEGMENT_COLUMNS: Column[] = [['customer_id', 'VARCHAR'], ['cdi', 'INTEGER'], ['segment', 'VARCHAR'], ['raw_segment', 'VARCHAR'], ['kept_by_hysteresis', 'BOOLEAN'], ['model_version', 'VARCHAR']]

const FIRST_DAY = '2026-01-01'
const DAY_AFTER_WARMUP = '2026-04-01' // 90 days after FIRST_DAY
const DAY_IN_WARMUP = '2026-03-30' // 88 days after FIRST_DAY

let db: SqlEngine
let dir: string

beforeAll(async () => {
  db = await openDuckDb()
  dir = mkdtempSync(path.join(tmpdir(), 'strata-drift-'))
})
afterAll(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

const writeParquet = parquetWriter(() => db, () => dir)

/**
 * feature_stats' values.parquet of a features file (feature, value, n per distinct value of each
 * model feature, in feature order then value), written beside it.
 */
async function writeValues(features: string): Promise<string> {
  const file = features.replace(/\.parquet$/, '.values.parquet')
  const parts = MODEL_FEATURES.map(
    (f, j) => `SELECT ${j} AS ord, ${sqlString(f)} AS feature, CAST(${quoteIdent(f)} AS DOUBLE) AS value, count(*) AS n FROM read_parquet(${sqlString(features)}) GROUP BY ALL`,
  )
  await db.run(`COPY (SELECT feature, value, CAST(n AS BIGINT) AS n FROM (${parts.join(' UNION ALL ')}) ORDER BY ord, value) TO ${sqlString(file)} (FORMAT parquet)`)
  return file
}

const MODEL: SegmentModel = {
  features: [...MODEL_FEATURES],
  means: MODEL_FEATURES.map(() => 0),
  scales: MODEL_FEATURES.map(() => 1),
  components: [MODEL_FEATURES.map((_, j) => (j === 0 ? 1 : 0))],
  explained_variance_ratio: [1],
  centroids: [[3], [2], [1], [0]],
  names: [...SEGMENT_NAMES],
  inertia: 0,
  silhouette: null,
  training_rows: 10,
  window: { from: '2025-10-03', to: '2025-12-31' },
  version: 'v-test',
}

/**
 * Today's four customers (feature values per model feature, in customer order c1..c4).
 *   app_logins_30d   [0, 0, 1, 3]
 *   e_statement_flag [1, 1, 1, 0]
 */
const TODAY_FEATURES: Record<ModelFeature, number[]> = {
  pct_trades_digital_90d: [0.1, 0.2, 0.3, 0.4],
  app_logins_30d: [0, 0, 1, 3],
  e_statement_flag: [1, 1, 1, 0],
  robo_advice_flag: [0, 1, 0, 1],
  webinars_90d: [0, 1, 2, 3],
  pct_tickets_resolved_digital_90d: [0, 0.5, 1, 0.5],
  avg_notional_90d: [100.5, 200, 0, 50],
}

/**
 * The baseline bins of a baseline.parquet on (merged) `edges`, with `bins` KS bins per feature over
 * the baseline's whole range, written as segment_model writes them when `modelDir` is given.
 */
async function baselineBins(baselineFile: string, edges: Record<string, readonly number[]>, bins = KS_BINS, modelDir?: string): Promise<BaselineBins> {
  const baseline = featureSide(1, baselineFile)
  const ranges = await db.all<{ ord: number; lo: number; hi: number }>(`SELECT ord, min(value) AS lo, max(value) AS hi FROM ${baseline} GROUP BY ord`)
  const scales = MODEL_FEATURES.map((_, j) => {
    const r = ranges.find((x) => x.ord === j)
    return ksScale(r?.lo ?? 0, r?.hi ?? 0, bins)
  })
  const merged = Object.fromEntries(MODEL_FEATURES.map((f) => [f, mergeEdges(edges[f] ?? [])])) as Record<ModelFeature, number[]>
  const result = await countBaselineBins(db, `(SELECT ord, value, n FROM ${baseline})`, merged, scales)
  if (modelDir !== undefined) writeBaselineBins(path.join(modelDir, BASELINE_BINS_FILE), result)
  return result
}

/**
 * A segment_model folder. By default each feature's baseline is today's values with every count
 * doubled (same proportions → PSI 0, KS 0); `drifted` replaces two features with hand-worked ones.
 */
async function writeModelDir(name: string, drifted: boolean): Promise<string> {
  const modelDir = path.join(dir, name)
  mkdirSync(modelDir, { recursive: true })
  const rows: Cell[][] = []
  const edges: Record<string, number[]> = {}
  for (const f of MODEL_FEATURES) {
    const counts = new Map<number, number>()
    for (const v of TODAY_FEATURES[f]) counts.set(v, (counts.get(v) ?? 0) + 2)
    for (const [v, n] of counts) rows.push([f, v, n])
    edges[f] = [Math.min(...TODAY_FEATURES[f]) + 0.05, Math.max(...TODAY_FEATURES[f]) - 0.05]
  }
  if (drifted) {
    const replace = (f: ModelFeature, values: [number, number][], e: number[]) => {
      for (let i = rows.length - 1; i >= 0; i--) if (rows[i]?.[0] === f) rows.splice(i, 1)
      for (const [v, n] of values) rows.push([f, v, n])
      edges[f] = e
    }
    // Duplicate edges on purpose: [1, 1, 3] must act as [1, 3].
    replace('app_logins_30d', [[0, 2], [1, 2], [2, 2], [3, 2], [10, 2]], [1, 1, 3])
    replace('e_statement_flag', [[0, 3], [1, 1]], [0, 0, 0, 0.1, 0.4, 0.7])
  }
  await writeParquet([['feature', 'VARCHAR'], ['value', 'DOUBLE'], ['n', 'BIGINT']], rows, path.join(modelDir, 'baseline.parquet'))
  writeFileSync(path.join(modelDir, 'baseline_edges.json'), JSON.stringify(edges))
  await baselineBins(path.join(modelDir, 'baseline.parquet'), edges, KS_BINS, modelDir)
  return modelDir
}

let featuresFile: string
let featureValuesFile: string
let todayFile: string
let yesterdayFile: string
let driftedModelDir: string
let stableModelDir: string

beforeAll(async () => {
  featuresFile = await writeParquet(
    FEATURE_COLUMNS,
    [0, 1, 2, 3].map((i) => [`c${i + 1}`, ...MODEL_FEATURES.map((f) => TODAY_FEATURES[f][i] ?? null)]),
  )
  featureValuesFile = await writeValues(featuresFile)
  // today cdi 5, 15, 95, 100 → bins 0, 1, 9, 9 (100 is in [90,100])
  todayFile = await writeParquet(SEGMENT_COLUMNS, [
    ['c1', 5, 'digital_native', 'digital_native', false, 'v-test'],
    ['c2', 15, 'hybrid', 'hybrid', false, 'v-test'],
    ['c3', 95, 'hybrid', 'hybrid', false, 'v-test'],
    ['c4', 100, 'traditional', 'traditional', false, 'v-test'],
  ])
  // yesterday cdi 5, 5, 15, 95, 100 → bins 0, 0, 1, 9, 9; c5 is gone today; only c2 changes segment
  yesterdayFile = await writeParquet(SEGMENT_COLUMNS, [
    ['c1', 5, 'digital_native', 'digital_native', false, 'v-test'],
    ['c2', 5, 'traditional', 'traditional', false, 'v-test'],
    ['c3', 15, 'hybrid', 'hybrid', false, 'v-test'],
    ['c4', 95, 'traditional', 'traditional', false, 'v-test'],
    ['c5', 100, 'hybrid', 'hybrid', false, 'v-test'],
  ])
  driftedModelDir = await writeModelDir('model-drifted', true)
  stableModelDir = await writeModelDir('model-stable', false)
})

// cdi_psi, today c = (0.25, 0.25, 0, …, 0, 0.5) vs yesterday b = (0.4, 0.2, 0, …, 0, 0.4):
//   (0.25 − 0.4)·ln(0.25/0.4) + (0.25 − 0.2)·ln(0.25/0.2) + (0.5 − 0.4)·ln(0.5/0.4)
//   = 0.15·ln 1.6 + 0.05·ln 1.25 + 0.1·ln 1.25 = 0.15·ln 2 ≈ 0.1039720771 (empty bins: 1e-6 vs 1e-6 → 0)
const CDI_PSI = 0.15 * Math.LN2
// app_logins_30d, edges [1, 1, 3] → [1, 3], bins (−∞,1), [1,3), [3,∞):
//   baseline {0:2, 1:2, 2:2, 3:2, 10:2} → (2, 4, 4)/10; today {0:2, 1:1, 3:1} → (2, 1, 1)/4
//   (0.5 − 0.2)·ln 2.5 + 2·(0.25 − 0.4)·ln 0.625 = 0.3·ln 2.5 + 0.3·ln 1.6 = 0.3·ln 4 ≈ 0.4158883083
//   KS: after 0: 0.5 − 0.2; after 1: 0.75 − 0.4 = 0.35; after 2: 0.15; after 3: 0.2; after 10: 0 → 0.35
const LOGINS_PSI = 0.3 * Math.log(4)
// e_statement_flag, edges [0, 0.1, 0.4, 0.7]: baseline {0:3, 1:1} → bins 1 and 4 get (0.75, 0.25);
//   today {0:1, 1:3} → (0.25, 0.75); PSI = (0.25 − 0.75)·ln(1/3) + (0.75 − 0.25)·ln 3 = ln 3 ≈ 1.0986122887
//   KS: after 0: |0.25 − 0.75| = 0.5; after 1: 0 → 0.5
const ESTMT_PSI = Math.log(3)

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'))
}

describe('buildDriftReport', () => {
  it('computes every figure of SPEC §7 against hand-worked values', async () => {
    const outputDir = path.join(dir, 'out-full')
    const report = await buildDriftReport({
      db, day: DAY_AFTER_WARMUP, firstLandingDay: FIRST_DAY, segmentsFile: todayFile, previousSegmentsFile: yesterdayFile,
      featuresFile, featureValuesFile, modelDir: driftedModelDir, model: MODEL, outputDir,
    })
    expect(Object.keys(report)).toEqual(['partition', 'warmup', 'cdi_psi', 'segment_churn', 'retrain_churn', 'cdi_mean', 'cdi_std', 'segment_sizes', 'features', 'status', 'notes', 'row_counts', 'metrics'])
    expect(report.partition).toBe(DAY_AFTER_WARMUP)
    expect(report.warmup).toBe(false)
    expect(report.cdi_psi).toBeCloseTo(CDI_PSI, 12)
    // Present both days: c1..c4; only c2 changed (traditional → hybrid): 1/4, not above 0.25.
    expect(report.segment_churn).toBe(0.25)
    // 2026-04-01 is a Wednesday: no new model takes over.
    expect(report.retrain_churn).toBeNull()
    expect(report.notes).toContain('retrain_churn is null: 2026-04-01 is not a Monday, so no new weekly model takes over today.')
    // mean (5+15+95+100)/4 = 53.75; population variance (25+225+9025+10000)/4 − 53.75² = 1929.6875
    expect(report.cdi_mean).toBe(53.75)
    expect(report.cdi_std).toBe(Math.sqrt(1929.6875))
    expect(report.segment_sizes).toEqual({ digital_native: 1, digital_adopter: 0, hybrid: 2, traditional: 1 })
    expect(report.row_counts).toEqual({ today: 4, yesterday: 5, both_days: 4 })
    expect(report.features.app_logins_30d.psi).toBeCloseTo(LOGINS_PSI, 12)
    expect(report.features.app_logins_30d.ks).toBe(0.35)
    expect(report.features.e_statement_flag.psi).toBeCloseTo(ESTMT_PSI, 12)
    expect(report.features.e_statement_flag.ks).toBe(0.5)
    for (const f of ['pct_trades_digital_90d', 'robo_advice_flag', 'webinars_90d', 'pct_tickets_resolved_digital_90d', 'avg_notional_90d'] as const) {
      expect(report.features[f], f).toEqual({ psi: 0, ks: 0 })
    }
    expect(report.status).toBe('alert')
    expect(report.notes).toEqual(expect.arrayContaining([expect.stringMatching(/^alert: app_logins_30d psi/), expect.stringMatching(/^warn: cdi_psi/)]))

    expect(report.metrics).toEqual([
      { name: 'CDI_Mean', value: 53.75, unit: 'None' },
      { name: 'CDI_StdDev', value: report.cdi_std, unit: 'None' },
      { name: 'Segment_Size', value: 1, unit: 'Count', dimensions: { Segment: 'digital_native' } },
      { name: 'Segment_Size', value: 0, unit: 'Count', dimensions: { Segment: 'digital_adopter' } },
      { name: 'Segment_Size', value: 2, unit: 'Count', dimensions: { Segment: 'hybrid' } },
      { name: 'Segment_Size', value: 1, unit: 'Count', dimensions: { Segment: 'traditional' } },
      { name: 'PSI_CDI', value: report.cdi_psi, unit: 'None' },
      { name: 'Segment_Churn', value: 0.25, unit: 'None' },
      { name: 'RunCompleted', value: 1, unit: 'Count' },
    ])
    expect(readJson(path.join(outputDir, 'report.json'))).toEqual(report)
    expect(readJson(path.join(outputDir, 'metrics.json'))).toEqual(report.metrics)
  })

  describe('retrain_churn', () => {
    const MONDAY = '2026-04-06'
    // The previous week's model: pct_trades_digital_90d alone, centres 0.4, 0.3, 0.21, 0 → today's
    // c1..c4 (0.1, 0.2, 0.3, 0.4) get traditional, hybrid, digital_adopter, digital_native.
    const PREVIOUS: SegmentModel = { ...MODEL, centroids: [[0.4], [0.3], [0.21], [0]], version: 'v-previous' }
    const build = (day: string, previousModel: SegmentModel | undefined, segmentsFile = todayFile) =>
      buildDriftReport({
        db, day, firstLandingDay: FIRST_DAY, segmentsFile, previousSegmentsFile: yesterdayFile, featuresFile, featureValuesFile,
        modelDir: stableModelDir, model: MODEL, ...(previousModel ? { previousModel } : {}), outputDir: path.join(dir, `out-retrain-${day}`),
      })

    it("is the share of today's customers whose raw segment the retrain changed", async () => {
      // Today's raw segments (the new model's): digital_native, hybrid, hybrid, traditional.
      // Under the previous model: traditional, hybrid, digital_adopter, digital_native → c1, c3, c4 differ.
      const report = await build(MONDAY, PREVIOUS)
      expect(report.retrain_churn).toBe(0.75)
      expect(report.notes.some((n) => n.includes('retrain_churn'))).toBe(false)
      // Only raw segments count: final segments kept by hysteresis do not hide a change.
      const kept = await writeParquet(SEGMENT_COLUMNS, [
        ['c1', 5, 'digital_native', 'traditional', true, 'v-test'],
        ['c2', 15, 'hybrid', 'hybrid', false, 'v-test'],
        ['c3', 95, 'hybrid', 'digital_adopter', true, 'v-test'],
        ['c4', 100, 'traditional', 'digital_native', false, 'v-test'],
      ])
      expect((await build(MONDAY, PREVIOUS, kept)).retrain_churn).toBe(0)
    })

    it('is null on a Monday without a previous model, and on other days, with the reason', async () => {
      const first = await build(MONDAY, undefined)
      expect(first.retrain_churn).toBeNull()
      expect(first.notes).toContain('retrain_churn is null: there is no segment model of the week before 2026-04-06 (the first week of segment_model).')
      const tuesday = await build('2026-04-07', PREVIOUS)
      expect(tuesday.retrain_churn).toBeNull()
      expect(tuesday.notes).toContain('retrain_churn is null: 2026-04-07 is not a Monday, so no new weekly model takes over today.')
      expect(tuesday.metrics).toEqual(first.metrics)
    })

    it('refuses a previous model that cannot be applied', async () => {
      await expect(build(MONDAY, { ...PREVIOUS, centroids: [[Number.NaN], [0], [0], [0]] })).rejects.toThrow(/cannot be applied/)
    })
  })

  it('counts CDI 100 in the last bin', async () => {
    // today {100, 5} and yesterday {95, 5} both fill bins 0 and 9 with 0.5 each → PSI 0.
    // Were 100 dropped, today would be (1, 0, …, 0) and PSI = 0.5·ln 2 + 0.499999·ln(0.5/1e-6) ≠ 0.
    const a = await writeParquet(SEGMENT_COLUMNS, [['x', 100, 'hybrid', 'hybrid', false, 'v'], ['y', 5, 'hybrid', 'hybrid', false, 'v']])
    const b = await writeParquet(SEGMENT_COLUMNS, [['x', 95, 'hybrid', 'hybrid', false, 'v'], ['y', 5, 'hybrid', 'hybrid', false, 'v']])
    const report = await buildDriftReport({
      db, day: DAY_AFTER_WARMUP, firstLandingDay: FIRST_DAY, segmentsFile: a, previousSegmentsFile: b,
      featuresFile, featureValuesFile, modelDir: stableModelDir, model: MODEL, outputDir: path.join(dir, 'out-100'),
    })
    expect(report.cdi_psi).toBe(0)
  })

  it('applies the 1e-6 floor to CDI bins empty on one side', async () => {
    // today {5, 15} → (0.5, 0.5); yesterday {5, 5} → (1, 0 → 1e-6)
    // (0.5 − 1)·ln 0.5 + (0.5 − 1e-6)·ln(0.5 / 1e-6) = 0.5·ln 2 + 0.499999·ln 500000 ≈ 6.9077552
    const a = await writeParquet(SEGMENT_COLUMNS, [['x', 5, 'hybrid', 'hybrid', false, 'v'], ['y', 15, 'hybrid', 'hybrid', false, 'v']])
    const b = await writeParquet(SEGMENT_COLUMNS, [['x', 5, 'hybrid', 'hybrid', false, 'v'], ['y', 5, 'hybrid', 'hybrid', false, 'v']])
    const report = await buildDriftReport({
      db, day: DAY_AFTER_WARMUP, firstLandingDay: FIRST_DAY, segmentsFile: a, previousSegmentsFile: b,
      featuresFile, featureValuesFile, modelDir: stableModelDir, model: MODEL, outputDir: path.join(dir, 'out-floor'),
    })
    expect(report.cdi_psi).toBeCloseTo(0.5 * Math.LN2 + 0.499999 * Math.log(500000), 10)
    expect(report.status).toBe('alert')
  })

  it('caps the status at warn during warm-up and says so', async () => {
    const report = await buildDriftReport({
      db, day: DAY_IN_WARMUP, firstLandingDay: FIRST_DAY, segmentsFile: todayFile, previousSegmentsFile: yesterdayFile,
      featuresFile, featureValuesFile, modelDir: driftedModelDir, model: MODEL, outputDir: path.join(dir, 'out-warmup'),
    })
    expect(report.warmup).toBe(true)
    expect(report.status).toBe('warn')
    expect(report.notes.some((n) => n.includes('capped at warn'))).toBe(true)
    expect(report.notes.some((n) => n.startsWith('Warm-up:'))).toBe(true)
  })

  it('ends warm-up 89 days after the first landing day', () => {
    expect(daysBetween(FIRST_DAY, '2026-03-30')).toBe(88)
    expect(daysBetween(FIRST_DAY, '2026-03-31')).toBe(89)
  })

  it('refuses a partition or first landing day that is not a real date', async () => {
    const base = { db, segmentsFile: todayFile, featuresFile, featureValuesFile, modelDir: stableModelDir, model: MODEL, outputDir: path.join(dir, 'out-bad-date') }
    await expect(buildDriftReport({ ...base, day: '2026-02-30', firstLandingDay: FIRST_DAY })).rejects.toThrow(/drift_report partition "2026-02-30" is not a real calendar date/)
    await expect(buildDriftReport({ ...base, day: DAY_AFTER_WARMUP, firstLandingDay: '2026-1-01' })).rejects.toThrow(/first landing day "2026-1-01" is not a date/)
  })

  it('leaves the day-over-day figures null without a yesterday, and says why', async () => {
    const outputDir = path.join(dir, 'out-first')
    const report = await buildDriftReport({
      db, day: DAY_AFTER_WARMUP, firstLandingDay: FIRST_DAY, segmentsFile: todayFile, featuresFile, featureValuesFile, modelDir: stableModelDir, model: MODEL, outputDir,
    })
    expect(report.cdi_psi).toBeNull()
    expect(report.segment_churn).toBeNull()
    expect(report.row_counts).toEqual({ today: 4, yesterday: null, both_days: null })
    expect(report.notes.some((n) => n.includes('No segments(D-1)') && n.includes('null'))).toBe(true)
    // Feature PSIs are 0 against the doubled baseline and null figures are skipped → ok.
    expect(report.status).toBe('ok')
    expect(report.metrics.map((m) => m.name)).toEqual(['CDI_Mean', 'CDI_StdDev', 'Segment_Size', 'Segment_Size', 'Segment_Size', 'Segment_Size', 'RunCompleted'])
    expect(readJson(path.join(outputDir, 'report.json'))).toMatchObject({ cdi_psi: null, segment_churn: null })
  })

  it('warns on cdi_psi alone when the features are stable', async () => {
    const report = await buildDriftReport({
      db, day: DAY_AFTER_WARMUP, firstLandingDay: FIRST_DAY, segmentsFile: todayFile, previousSegmentsFile: yesterdayFile,
      featuresFile, featureValuesFile, modelDir: stableModelDir, model: MODEL, outputDir: path.join(dir, 'out-warn'),
    })
    expect(report.cdi_psi).toBeCloseTo(CDI_PSI, 12)
    expect(report.status).toBe('warn')
  })

  it('matches the pure PSI and KS references on random data with ties', async () => {
    let seed = 11
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const today = Array.from({ length: 250 }, () => Math.floor(rand() * 20) / 4)
    const base = Array.from({ length: 600 }, () => Math.floor(rand() * 24) / 4 - 0.5)
    const modelDir = path.join(dir, 'model-random')
    mkdirSync(modelDir, { recursive: true })
    const baseCounts = new Map<number, number>()
    for (const v of base) baseCounts.set(v, (baseCounts.get(v) ?? 0) + 1)
    const edges = [0.25, 0.25, 1, 2.5, 2.5, 4]
    await writeParquet(
      [['feature', 'VARCHAR'], ['value', 'DOUBLE'], ['n', 'BIGINT']],
      MODEL_FEATURES.flatMap((f) => [...baseCounts].map(([v, n]) => [f, v, n])),
      path.join(modelDir, 'baseline.parquet'),
    )
    writeFileSync(path.join(modelDir, 'baseline_edges.json'), JSON.stringify(Object.fromEntries(MODEL_FEATURES.map((f) => [f, edges]))))
    await baselineBins(path.join(modelDir, 'baseline.parquet'), Object.fromEntries(MODEL_FEATURES.map((f) => [f, edges])), KS_BINS, modelDir)
    const rf = await writeParquet(FEATURE_COLUMNS.map(([n, t]) => [n, n === 'customer_id' ? t : 'DOUBLE'] as const), today.map((v, i) => [`r${i}`, ...MODEL_FEATURES.map(() => v)]))
    const report = await buildDriftReport({
      db, day: DAY_AFTER_WARMUP, firstLandingDay: FIRST_DAY, segmentsFile: todayFile, featuresFile: rf, featureValuesFile: await writeValues(rf), modelDir, model: MODEL, outputDir: path.join(dir, 'out-random'),
    })
    const merged = mergeEdges(edges)
    const binCounts = (values: [number, number][]) => {
      const c = new Array<number>(merged.length + 1).fill(0)
      for (const [v, n] of values) c[featureBin(v, merged)] = (c[featureBin(v, merged)] ?? 0) + n
      return c
    }
    const todayCounts = new Map<number, number>()
    for (const v of today) todayCounts.set(v, (todayCounts.get(v) ?? 0) + 1)
    const sorted = (m: Map<number, number>) => [...m].sort((a, b) => a[0] - b[0])
    const psi = psiFromCounts(binCounts(sorted(todayCounts)), binCounts(sorted(baseCounts)))
    const ks = ksStatistic(sorted(todayCounts).map(([value, count]) => ({ value, count })), sorted(baseCounts).map(([value, count]) => ({ value, count })))
    expect(psi).toBeGreaterThan(0)
    expect(ks).toBeGreaterThan(0)
    for (const f of MODEL_FEATURES) {
      expect(report.features[f].psi, f).toBe(psi)
      expect(report.features[f].ks, f).toBe(ks)
    }
  })

  it('bins and merges each feature on its own, on both KS paths, as the pure references do', async () => {
    // Each feature gets its own distributions over overlapping ranges, with ties within and across
    // the two samples, so a running sum that leaked from one feature into the next would show.
    let seed = 23
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const todayRows = 300
    const today: Record<string, number[]> = {}
    const base: Record<string, Map<number, number>> = {}
    const edges = {} as Record<ModelFeature, number[]>
    MODEL_FEATURES.forEach((f, j) => {
      const step = [0.25, 1, 0.5, 2, 0.1, 0.75, 3][j] ?? 1
      // The last feature is continuous (every value distinct, as a mean notional is), the others have few values.
      const continuous = j === MODEL_FEATURES.length - 1
      today[f] = Array.from({ length: todayRows }, () => (j === 2 ? 1 : continuous ? Math.round(rand() * 3e6) / 1e3 : Math.floor(rand() * 30) * step - j))
      const counts = new Map<number, number>()
      // Baseline totals differ by feature, so each feature's own N_b must be used.
      for (let i = 0; i < 700 + 13 * j; i++) {
        const v = continuous ? Math.round(rand() * rand() * 3.2e6) / 1e3 : Math.floor(rand() * 36) * step - 2 * j
        counts.set(v, (counts.get(v) ?? 0) + 1 + (i % 3))
      }
      base[f] = counts
      edges[f] = mergeEdges([3 * step - j, 3 * step - j, 10 * step, 20 * step - 1].slice(0, j % 4 + 1))
    })
    const rf = await writeParquet(
      FEATURE_COLUMNS.map(([n, t]) => [n, n === 'customer_id' ? t : 'DOUBLE'] as const),
      Array.from({ length: todayRows }, (_, i) => [`r${i}`, ...MODEL_FEATURES.map((f) => today[f]?.[i] ?? null)]),
    )
    const baselineFile = await writeParquet(
      [['feature', 'VARCHAR'], ['value', 'DOUBLE'], ['n', 'BIGINT']],
      MODEL_FEATURES.flatMap((f) => [...(base[f] ?? [])].sort((a, b) => a[0] - b[0]).map(([v, n]) => [f, v, n])),
    )
    const files = { featuresFile: rf, featureValuesFile: await writeValues(rf), baselineFile }
    const sorted = (m: Map<number, number>) => [...m].sort((a, b) => a[0] - b[0])
    const expected = Object.fromEntries(
      MODEL_FEATURES.map((f) => {
        const t = new Map<number, number>()
        for (const v of today[f] ?? []) t.set(v, (t.get(v) ?? 0) + 1)
        const b = base[f] ?? new Map<number, number>()
        const bins = (m: Map<number, number>) => {
          const c = new Array<number>(edges[f].length + 1).fill(0)
          for (const [v, n] of m) c[featureBin(v, edges[f])] = (c[featureBin(v, edges[f])] ?? 0) + n
          return c
        }
        const asCounts = (m: Map<number, number>) => sorted(m).map(([value, count]) => ({ value, count }))
        return [f, { psi: psiFromCounts(bins(t), bins(b)), ks: ksStatistic(asCounts(t), asCounts(b)) }]
      }),
    )
    expect(expected.e_statement_flag?.ks).toBeGreaterThan(0)
    // The KS gap within a few bins (whatever their number, down to one per feature) and over every value.
    for (const bins of [KS_BINS, 1, 2, 7, 64]) {
      expect(await featureDrift(db, files, edges, await baselineBins(baselineFile, edges, bins)), `${bins} KS bins`).toEqual(expected)
    }
    expect(await featureDrift(db, files, edges, await baselineBins(baselineFile, edges), { ks: 'full' })).toEqual(expected)
    // With enough bins, the gap is read value by value only within the bins that can hold it (with
    // few, those bins hold too many of the rows and every value is read).
    const statements: string[] = []
    const recording: SqlEngine = { ...db, all: (sql, params) => (statements.push(sql), db.all(sql, params)) }
    expect(await featureDrift(recording, files, edges, await baselineBins(baselineFile, edges, 256))).toEqual(expected)
    expect(statements.some((sql) => sql.includes('PARTITION BY bin'))).toBe(true)
    expect(statements.some((sql) => sql.includes('PARTITION BY ord'))).toBe(false)
  })

  it('refuses feature_stats values that do not add up to the features rows', async () => {
    const other = await writeParquet(FEATURE_COLUMNS, [['z', ...MODEL_FEATURES.map(() => 1)]])
    await expect(
      buildDriftReport({
        db, day: DAY_AFTER_WARMUP, firstLandingDay: FIRST_DAY, segmentsFile: todayFile, featuresFile, featureValuesFile: await writeValues(other),
        modelDir: stableModelDir, model: MODEL, outputDir: path.join(dir, 'out-short'),
      }),
    ).rejects.toMatchObject({ code: 'corrupt', message: expect.stringContaining('do not add up to the 4 rows') })
  })

  it('takes the churn figures segments recorded, unless yesterday has a null segment', async () => {
    const options = {
      db, day: DAY_AFTER_WARMUP, firstLandingDay: FIRST_DAY, segmentsFile: todayFile, previousSegmentsFile: yesterdayFile,
      featuresFile, featureValuesFile, modelDir: stableModelDir, model: MODEL, outputDir: path.join(dir, 'out-recorded'),
    }
    // Figures unlike the files' own (4 both, 1 changed) show which were used.
    const recorded = await buildDriftReport({ ...options, segmentsChurn: { both: 8, changed: 4 } })
    expect(recorded.segment_churn).toBe(0.5)
    expect(recorded.row_counts.both_days).toBe(8)
    // A null segment yesterday counts as changed here (IS DISTINCT FROM) but not in segments' `<>`.
    const withNull = await writeParquet(SEGMENT_COLUMNS, [
      ['c1', 5, null, 'digital_native', false, 'v-test'],
      ['c2', 5, 'hybrid', 'hybrid', false, 'v-test'],
    ])
    const joined = await buildDriftReport({ ...options, previousSegmentsFile: withNull, segmentsChurn: { both: 2, changed: 0 } })
    expect(joined.segment_churn).toBe(0.5)
    expect(joined.row_counts.both_days).toBe(2)
  })

  it('trusts recorded churn only for the segments(D-1) data segments(D) read', () => {
    const manifest = (over: Partial<Manifest>): Manifest => ({
      formatVersion: 1, asset: 'segments', partition: '2026-04-01', runId: 'r', startedAt: '', committedAt: '', codeVersion: 'segments-v2',
      dataVersion: 'today', upstream: [], rowCount: 4, schema: [], files: [], checks: [], metadata: {}, ...over,
    })
    const input = (m: Manifest): InputPartition => ({ asset: m.asset, partition: m.partition, dir: '/x', parquetFiles: [], manifest: m })
    const yesterday = input(manifest({ partition: '2026-03-31', dataVersion: 'y1' }))
    const read = [{ asset: 'segments', partition: '2026-03-31', dataVersion: 'y1' }]
    const metadata = { both_days: 4, changed_vs_yesterday: 1 }
    expect(recordedChurn(input(manifest({ upstream: read, metadata })), yesterday)).toEqual({ both: 4, changed: 1 })
    // segments(D-1) rebuilt since segments(D) read it
    expect(recordedChurn(input(manifest({ upstream: [{ ...read[0]!, dataVersion: 'y0' }], metadata })), yesterday)).toBeUndefined()
    // an older segments(D) without both_days
    expect(recordedChurn(input(manifest({ upstream: read, metadata: { changed_vs_yesterday: 1 } })), yesterday)).toBeUndefined()
    expect(recordedChurn(input(manifest({ upstream: read, metadata: { both_days: 1, changed_vs_yesterday: 2 } })), yesterday)).toBeUndefined()
  })

  it('refuses a model folder whose baseline bins are missing, malformed or on other edges', async () => {
    const modelDir = path.join(dir, 'model-bins')
    mkdirSync(modelDir, { recursive: true })
    for (const file of ['baseline.parquet', 'baseline_edges.json']) writeFileSync(path.join(modelDir, file), readFileSync(path.join(stableModelDir, file)))
    const build = (out: string) => buildDriftReport({ db, day: DAY_AFTER_WARMUP, firstLandingDay: FIRST_DAY, segmentsFile: todayFile, featuresFile, featureValuesFile, modelDir, model: MODEL, outputDir: path.join(dir, out) })
    await expect(build('out-bins-missing')).rejects.toMatchObject({ code: 'input', message: expect.stringContaining(BASELINE_BINS_FILE), hint: expect.stringContaining('Rebuild the segment_model') })
    writeFileSync(path.join(modelDir, BASELINE_BINS_FILE), '{"scales": [')
    await expect(build('out-bins-damaged')).rejects.toMatchObject({ code: 'corrupt', message: expect.stringContaining(`damaged JSON in segment_model file ${path.join(modelDir, BASELINE_BINS_FILE)}`) })
    writeFileSync(path.join(modelDir, BASELINE_BINS_FILE), JSON.stringify({ scales: [], bins: [] }))
    await expect(build('out-bins-malformed')).rejects.toMatchObject({ code: 'corrupt', message: expect.stringContaining("is not a baseline's drift bins") })
    const bins = JSON.parse(readFileSync(path.join(stableModelDir, BASELINE_BINS_FILE), 'utf8')) as BaselineBins
    writeFileSync(path.join(modelDir, BASELINE_BINS_FILE), JSON.stringify({ ...bins, bins: bins.bins.map((b) => ({ ...b, bin: b.bin + 5 })) }))
    await expect(build('out-bins-edges')).rejects.toMatchObject({ code: 'corrupt', message: expect.stringContaining('do not match the PSI edges') })
  })

  it('refuses missing baseline edges as a corrupt model', async () => {
    const modelDir = path.join(dir, 'model-broken')
    mkdirSync(modelDir, { recursive: true })
    await writeParquet([['feature', 'VARCHAR'], ['value', 'DOUBLE'], ['n', 'BIGINT']], [['app_logins_30d', 1, 1]], path.join(modelDir, 'baseline.parquet'))
    writeFileSync(path.join(modelDir, 'baseline_edges.json'), JSON.stringify({ app_logins_30d: [1] }))
    await expect(
      buildDriftReport({ db, day: DAY_AFTER_WARMUP, firstLandingDay: FIRST_DAY, segmentsFile: todayFile, featuresFile, featureValuesFile, modelDir, model: MODEL, outputDir: path.join(dir, 'out-broken') }),
    ).rejects.toMatchObject({ code: 'corrupt', message: expect.stringContaining('pct_trades_digital_90d') })
  })
})

describe('binExpression', () => {
  it('puts every value in the bin of the edge-by-edge comparison it replaces', async () => {
    const values = [-1e300, -2, -1, -0.5, 0, -0, 0.1, 0.25, 0.3, 1, 2.5, 2.6, 3.999, 4, 4.5, 1e300]
    for (const edges of [[], [0], [0, 4], [-1, 0, 0.25, 2.5, 4], [-2, -1, -0.5, 0, 0.1, 0.25, 1, 2.5, 4]]) {
      const literal = (v: number) => `CAST('${String(v)}' AS DOUBLE)`
      const edgeByEdge = edges.length === 0 ? '0' : edges.map((e) => `CAST(v >= ${literal(e)} AS INTEGER)`).join(' + ')
      const rows = await db.all<{ v: number; searched: number; summed: number }>(
        `SELECT v, ${binExpression('v', edges)} AS searched, ${edgeByEdge} AS summed
         FROM (SELECT unnest([${[...values.map(literal), "CAST('NaN' AS DOUBLE)"].join(', ')}]) AS v)`,
      )
      expect(rows).toHaveLength(values.length + 1)
      for (const r of rows) expect(r.searched, `${r.v} on [${edges.join(', ')}]`).toBe(r.summed)
      for (const r of rows.filter((x) => Number.isFinite(x.v))) expect(r.searched).toBe(featureBin(r.v, edges))
    }
  })
})

describe('driftStatus bands', () => {
  const none: DriftFigures = { cdiPsi: null, segmentChurn: null, featurePsi: {}, warmup: false }
  const status = (over: Partial<DriftFigures>) => driftStatus({ ...none, ...over }).status

  it('puts cdi_psi at the boundaries in the lower band', () => {
    expect(status({ cdiPsi: 0.1 })).toBe('ok')
    expect(status({ cdiPsi: 0.1000001 })).toBe('warn')
    expect(status({ cdiPsi: 0.2 })).toBe('warn')
    expect(status({ cdiPsi: 0.2000001 })).toBe('alert')
  })

  it('has no warn band for churn', () => {
    expect(status({ segmentChurn: 0.25 })).toBe('ok')
    expect(status({ segmentChurn: 0.2500001 })).toBe('alert')
    expect(status({ segmentChurn: 0.2 })).toBe('ok')
  })

  it('uses 0.1 / 0.25 for feature PSI and skips null figures', () => {
    expect(status({ featurePsi: { a: 0.1 } })).toBe('ok')
    expect(status({ featurePsi: { a: 0.25 } })).toBe('warn')
    expect(status({ featurePsi: { a: 0.2500001, b: null } })).toBe('alert')
    expect(status({ featurePsi: { a: null } })).toBe('ok')
  })

  it('caps an alert at warn during warm-up, and leaves warn and ok alone', () => {
    expect(driftStatus({ ...none, cdiPsi: 0.5, warmup: true })).toMatchObject({ status: 'warn', capped: true })
    expect(driftStatus({ ...none, cdiPsi: 0.15, warmup: true })).toMatchObject({ status: 'warn', capped: false })
    expect(driftStatus({ ...none, warmup: true })).toMatchObject({ status: 'ok', capped: false })
  })
})

describe('validateDriftReport', () => {
  const good: DriftReport = {
    partition: '2026-04-01',
    warmup: false,
    cdi_psi: null,
    segment_churn: null,
    retrain_churn: null,
    cdi_mean: 50,
    cdi_std: 1,
    segment_sizes: { digital_native: 1, digital_adopter: 0, hybrid: 0, traditional: 0 },
    features: Object.fromEntries(MODEL_FEATURES.map((f) => [f, { psi: 0, ks: 0 }])) as DriftReport['features'],
    status: 'ok',
    notes: [],
    row_counts: { today: 1, yesterday: null, both_days: null },
    metrics: [{ name: 'RunCompleted', value: 1, unit: 'Count' }],
  }

  const rejects = (report: unknown, fragment: string) => {
    let caught: unknown
    try {
      validateDriftReport(report)
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(StrataError)
    expect((caught as StrataError).code).toBe('check')
    expect((caught as StrataError).message).toContain(fragment)
  }

  it('accepts a well-formed report', () => {
    expect(() => validateDriftReport(good)).not.toThrow()
  })

  it('rejects malformed reports, naming what is wrong', () => {
    const { notes: _notes, ...withoutNotes } = good
    rejects(withoutNotes, "must have required property 'notes'")
    rejects({ ...good, extra: 1 }, 'must NOT have additional properties (extra)')
    rejects({ ...good, status: 'critical' }, '/status must be equal to one of the allowed values')
    rejects({ ...good, cdi_psi: '0.1' }, '/cdi_psi must be number,null')
    rejects({ ...good, segment_sizes: { ...good.segment_sizes, hybrid: 1.5 } }, '/segment_sizes/hybrid must be integer')
    rejects({ ...good, features: { ...good.features, app_logins_30d: { psi: 0 } } }, "/features/app_logins_30d must have required property 'ks'")
    rejects({ ...good, metrics: [{ name: 'Bogus', value: 1, unit: 'Count' }] }, '/metrics/0/name')
  })
})
