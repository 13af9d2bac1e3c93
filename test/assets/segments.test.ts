import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StrataError } from '../../framework/errors/index.js'
import { openDuckDb } from '../../resources/duckdb.js'
import { sqlString, type SqlEngine } from '../../framework/sql/index.js'
import { FEATURE_COLUMNS, parquetWriter, type Cell, type Column } from './parquet-rows.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type SegmentModel, type SegmentName } from '../../assets/lib/segment-model-types.js'
import { assignSegments, validateHysteresisDelta } from '../../assets/lib/segments.js'

const CDI_COLUMNS: Column[] = [['customer_id', 'VARCHAR'], ['cdi', 'INTEGER']]
const SEGMENT_COLUMNS: Column[] = [['customer_id', 'VARCHAR'], ['cdi', 'INTEGER'], ['segment', 'VARCHAR'], ['raw_segment', 'VARCHAR']]

let db: SqlEngine
let dir: string

beforeAll(async () => {
  db = await openDuckDb()
  dir = mkdtempSync(path.join(tmpdir(), 'strata-segments-'))
})
afterAll(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

const writeParquet = parquetWriter(() => db, () => dir)

/**
 * A model whose PCA space is (pct_trades_digital_90d, app_logins_30d) unchanged: means 0,
 * scales 1, two unit components. Centroids sit on the corners of a 10×10 square.
 */
function squareModel(overrides: Partial<SegmentModel> = {}): SegmentModel {
  const unit = (i: number) => MODEL_FEATURES.map((_, j) => (i === j ? 1 : 0))
  return {
    features: [...MODEL_FEATURES],
    means: MODEL_FEATURES.map(() => 0),
    scales: MODEL_FEATURES.map(() => 1),
    components: [unit(0), unit(1)],
    explained_variance_ratio: [0.6, 0.4],
    centroids: [[10, 10], [10, 0], [0, 10], [0, 0]],
    names: [...SEGMENT_NAMES],
    inertia: 0,
    silhouette: null,
    training_rows: 100,
    window: { from: '2026-01-01', to: '2026-03-31' },
    version: 'v-square',
    ...overrides,
  }
}

/** Where a customer lands in the square model's PCA space. */
const AT: Record<SegmentName, [number, number]> = {
  digital_native: [10, 10],
  digital_adopter: [10, 0],
  hybrid: [0, 10],
  traditional: [0, 0],
}

function featureRow(id: string, [x, y]: [number, number]): Cell[] {
  return [id, x, y, 1, 0, 2, 0.5, 1000]
}

interface SegmentRow {
  customer_id: string
  cdi: number
  segment: string
  raw_segment: string
  kept_by_hysteresis: boolean
  model_version: string
}

async function readSegments(outputDir: string): Promise<SegmentRow[]> {
  return db.all<SegmentRow>(`SELECT * FROM read_parquet(${sqlString(path.join(outputDir, 'segments.parquet'))})`)
}

describe('assignSegments', () => {
  it('applies hysteresis both ways against yesterday\'s final segment', async () => {
    // id: today's raw segment, today's cdi; yesterday's final segment, yesterday's cdi
    const today: [string, SegmentName, number][] = [
      ['c_keep_up', 'digital_native', 59], //     y hybrid 50: raw differs, |59−50| = 9 < 10 → keep hybrid
      ['c_keep_down', 'digital_native', 41], //   y hybrid 50: |41−50| = 9 < 10 → keep hybrid
      ['c_switch_eq', 'digital_native', 60], //   y hybrid 50: |60−50| = 10, not < 10 → switch
      ['c_switch_far', 'traditional', 20], //     y hybrid 50: |20−50| = 30 → switch
      ['c_same', 'hybrid', 52], //                y hybrid 50: raw = yesterday → raw, not "kept"
      ['c_final', 'hybrid', 53], //               y final traditional (raw hybrid) 50: compare to final → keep traditional
      ['c_new', 'digital_adopter', 70], //        absent yesterday → raw
    ]
    const yesterday: Cell[][] = [
      ['c_keep_up', 50, 'hybrid', 'hybrid'],
      ['c_keep_down', 50, 'hybrid', 'hybrid'],
      ['c_switch_eq', 50, 'hybrid', 'hybrid'],
      ['c_switch_far', 50, 'hybrid', 'digital_native'],
      ['c_same', 50, 'hybrid', 'hybrid'],
      ['c_final', 50, 'traditional', 'hybrid'],
      ['c_gone', 50, 'hybrid', 'hybrid'],
    ]
    // Rows arrive out of order: the output must still be ordered by customer_id.
    const shuffled = [...today].reverse()
    const cdiFile = await writeParquet(CDI_COLUMNS, shuffled.map(([id, , cdi]) => [id, cdi]))
    const featuresFile = await writeParquet(FEATURE_COLUMNS, shuffled.map(([id, seg]) => featureRow(id, AT[seg])))
    const previousSegmentsFile = await writeParquet(SEGMENT_COLUMNS, yesterday)
    const outputDir = path.join(dir, 'out-hysteresis')

    const meta = await assignSegments({ db, cdiFile, featuresFile, model: squareModel(), previousSegmentsFile, hysteresisDelta: 10, outputDir })
    const rows = await readSegments(outputDir)

    expect(rows.map((r) => r.customer_id)).toEqual([...today.map(([id]) => id)].sort())
    const byId = new Map(rows.map((r) => [r.customer_id, r]))
    const expectRow = (id: string, segment: string, raw: string, kept: boolean) =>
      expect(byId.get(id), id).toMatchObject({ segment, raw_segment: raw, kept_by_hysteresis: kept, model_version: 'v-square' })
    expectRow('c_keep_up', 'hybrid', 'digital_native', true)
    expectRow('c_keep_down', 'hybrid', 'digital_native', true)
    expectRow('c_switch_eq', 'digital_native', 'digital_native', false)
    expectRow('c_switch_far', 'traditional', 'traditional', false)
    expectRow('c_same', 'hybrid', 'hybrid', false)
    expectRow('c_final', 'traditional', 'hybrid', true)
    expectRow('c_new', 'digital_adopter', 'digital_adopter', false)
    expect(byId.get('c_keep_up')?.cdi).toBe(59)

    // Final segments vs yesterday's final: c_switch_eq (hybrid→digital_native) and c_switch_far (hybrid→traditional).
    expect(meta).toEqual({
      rows: 7,
      kept_by_hysteresis: 3,
      segment_sizes: { digital_native: 1, digital_adopter: 1, hybrid: 3, traditional: 2 },
      changed_vs_yesterday: 2,
      // present both days: all but c_new
      both_days: 6,
      model_version: 'v-square',
      hysteresis_delta: 10,
    })
  })

  it('treats a null or unknown segment yesterday as the string comparison would, and refuses keeping an unknown one', async () => {
    const today: [string, SegmentName, number][] = [
      ['n_null', 'hybrid', 50], //        y segment NULL: never kept, present both days, not counted as changed
      ['n_other_far', 'hybrid', 80], //   y 'gibberish' 50: |Δ| = 30 → raw, changed (hybrid ≠ gibberish)
    ]
    const cdiFile = await writeParquet(CDI_COLUMNS, today.map(([id, , cdi]) => [id, cdi]))
    const featuresFile = await writeParquet(FEATURE_COLUMNS, today.map(([id, seg]) => featureRow(id, AT[seg])))
    const previousSegmentsFile = await writeParquet(SEGMENT_COLUMNS, [
      ['n_null', 50, null, 'hybrid'],
      ['n_other_far', 50, 'gibberish', 'hybrid'],
    ])
    const meta = await assignSegments({ db, cdiFile, featuresFile, model: squareModel(), previousSegmentsFile, hysteresisDelta: 10, outputDir: path.join(dir, 'out-null-y') })
    expect(meta).toMatchObject({ rows: 2, kept_by_hysteresis: 0, both_days: 2, changed_vs_yesterday: 1, segment_sizes: { hybrid: 2 } })
    const rows = await readSegments(path.join(dir, 'out-null-y'))
    expect(rows.map((r) => [r.customer_id, r.segment, r.kept_by_hysteresis])).toEqual([['n_null', 'hybrid', false], ['n_other_far', 'hybrid', false]])

    // Within delta of an unknown segment: keeping it would write a segment that is not a name.
    const nearFile = await writeParquet(SEGMENT_COLUMNS, [['n_null', 45, 'gibberish', 'hybrid']])
    const kept = assignSegments({ db, cdiFile, featuresFile, model: squareModel(), previousSegmentsFile: nearFile, hysteresisDelta: 10, outputDir: path.join(dir, 'out-other-y') })
    await expect(kept).rejects.toThrow(/segments\(D-1\): .* has a segment that is not one of .* for 1 customer\(s\) kept by hysteresis/)
  })

  it('writes the SPEC §8 columns with their types', async () => {
    const cdiFile = await writeParquet(CDI_COLUMNS, [['a', 1]])
    const featuresFile = await writeParquet(FEATURE_COLUMNS, [featureRow('a', AT.hybrid)])
    const outputDir = path.join(dir, 'out-types')
    await assignSegments({ db, cdiFile, featuresFile, model: squareModel(), hysteresisDelta: 10, outputDir })
    const columns = await db.describe(`SELECT * FROM read_parquet(${sqlString(path.join(outputDir, 'segments.parquet'))})`)
    expect(columns).toEqual([
      { name: 'customer_id', type: 'VARCHAR' },
      { name: 'cdi', type: 'INTEGER' },
      { name: 'segment', type: 'VARCHAR' },
      { name: 'raw_segment', type: 'VARCHAR' },
      { name: 'kept_by_hysteresis', type: 'BOOLEAN' },
      { name: 'model_version', type: 'VARCHAR' },
    ])
  })

  it('keeps the raw segment for everyone on the first partition (no yesterday)', async () => {
    const cdiFile = await writeParquet(CDI_COLUMNS, [['a', 10], ['b', 90]])
    const featuresFile = await writeParquet(FEATURE_COLUMNS, [featureRow('a', AT.traditional), featureRow('b', AT.digital_native)])
    const outputDir = path.join(dir, 'out-first')
    const meta = await assignSegments({ db, cdiFile, featuresFile, model: squareModel(), hysteresisDelta: 10, outputDir })
    expect(await readSegments(outputDir)).toEqual([
      { customer_id: 'a', cdi: 10, segment: 'traditional', raw_segment: 'traditional', kept_by_hysteresis: false, model_version: 'v-square' },
      { customer_id: 'b', cdi: 90, segment: 'digital_native', raw_segment: 'digital_native', kept_by_hysteresis: false, model_version: 'v-square' },
    ])
    expect(meta.changed_vs_yesterday).toBeNull()
    expect(meta.both_days).toBeNull()
    expect(meta.kept_by_hysteresis).toBe(0)
  })

  it('turns hysteresis off with delta 0', async () => {
    const cdiFile = await writeParquet(CDI_COLUMNS, [['a', 50]])
    const featuresFile = await writeParquet(FEATURE_COLUMNS, [featureRow('a', AT.digital_native)])
    const previousSegmentsFile = await writeParquet(SEGMENT_COLUMNS, [['a', 50, 'hybrid', 'hybrid']])
    const outputDir = path.join(dir, 'out-zero')
    // |50 − 50| = 0 is not < 0, so the raw segment wins.
    await assignSegments({ db, cdiFile, featuresFile, model: squareModel(), previousSegmentsFile, hysteresisDelta: 0, outputDir })
    expect((await readSegments(outputDir))[0]).toMatchObject({ segment: 'digital_native', kept_by_hysteresis: false })
  })

  it('breaks distance ties toward the lower centroid index', async () => {
    // Centroids (names permuted so index order ≠ name order):
    //   0 hybrid (5,8)   1 traditional (0,0)   2 digital_native (10,0)   3 digital_adopter (0,10)
    // p = (5,0):   d² = 0+64 = 64, 25+0 = 25, 25+0 = 25, 25+100 = 125 → tie 1|2 → index 1 (traditional)
    // p = (0,5):   d² = 25+9 = 34, 0+25 = 25, 100+25 = 125, 0+25 = 25 → tie 1|3 → index 1 (traditional)
    // p = (7.5,4): d² = 6.25+16 = 22.25, 56.25+16 = 72.25, 6.25+16 = 22.25, 56.25+36 = 92.25 → tie 0|2 → index 0 (hybrid)
    // p = (5,8):   d² = 0 to index 0 → hybrid;  p = (12,−1): d² = 4+1 = 5 to index 2 → digital_native
    const model = squareModel({
      centroids: [[5, 8], [0, 0], [10, 0], [0, 10]],
      names: ['hybrid', 'traditional', 'digital_native', 'digital_adopter'],
    })
    const points: [string, [number, number], string][] = [
      ['t1', [5, 0], 'traditional'],
      ['t2', [0, 5], 'traditional'],
      ['t3', [7.5, 4], 'hybrid'],
      ['t4', [5, 8], 'hybrid'],
      ['t5', [12, -1], 'digital_native'],
    ]
    const cdiFile = await writeParquet(CDI_COLUMNS, points.map(([id]) => [id, 50]))
    const featuresFile = await writeParquet(FEATURE_COLUMNS, points.map(([id, p]) => featureRow(id, p)))
    const outputDir = path.join(dir, 'out-ties')
    await assignSegments({ db, cdiFile, featuresFile, model, hysteresisDelta: 10, outputDir })
    const rows = await readSegments(outputDir)
    expect(rows.map((r) => [r.customer_id, r.raw_segment])).toEqual(points.map(([id, , seg]) => [id, seg]))
  })

  it('matches a JS reference of the projection on a full 6×7 model', async () => {
    // A deterministic pseudo-random model and customers; the reference does the SPEC arithmetic
    // ((x − mean) / scale) · componentsᵀ, then squared distances, then the first minimum.
    let seed = 7
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const model = squareModel({
      means: [0.4, 12.3, 0.55, 0.2, 1.7, 0.61, 5321.5],
      scales: [0.21, 8.9, 0.49, 0.4, 1.3, 0.3, 4100.25],
      components: Array.from({ length: 6 }, () => MODEL_FEATURES.map(() => rand() * 2 - 1)),
      centroids: Array.from({ length: 4 }, () => Array.from({ length: 6 }, () => rand() * 3 - 1.5)),
      version: 'v-random',
    })
    const customers = Array.from({ length: 300 }, (_, i) => [
      `c${String(i).padStart(4, '0')}`,
      Math.round(rand() * 1000) / 1000,
      Math.floor(rand() * 40),
      rand() < 0.5 ? 1 : 0,
      rand() < 0.3 ? 1 : 0,
      Math.floor(rand() * 5),
      Math.round(rand() * 100) / 100,
      Math.round(rand() * 2e6) / 100,
    ] as Cell[])
    const reference = (row: Cell[]): string => {
      const z = MODEL_FEATURES.map((_, i) => ((row[i + 1] as number) - (model.means[i] ?? 0)) / (model.scales[i] ?? 1))
      const p = model.components.map((comp) => comp.reduce((s, c, i) => s + (z[i] ?? 0) * c, 0))
      const d = model.centroids.map((cen) => cen.reduce((s, c, j) => s + ((p[j] ?? 0) - c) * ((p[j] ?? 0) - c), 0))
      return model.names[d.indexOf(Math.min(...d))] ?? ''
    }
    const cdiFile = await writeParquet(CDI_COLUMNS, customers.map((c) => [c[0] ?? null, 50]))
    const featuresFile = await writeParquet(FEATURE_COLUMNS, customers)
    const outputDir = path.join(dir, 'out-random')
    const meta = await assignSegments({ db, cdiFile, featuresFile, model, hysteresisDelta: 10, outputDir })
    const rows = await readSegments(outputDir)
    expect(rows.map((r) => r.raw_segment)).toEqual(customers.map(reference))
    expect(new Set(rows.map((r) => r.raw_segment)).size).toBeGreaterThan(1)
    expect(meta.rows).toBe(300)
  })

  it('writes the same rows whether the inputs are aligned by position or only by customer_id', async () => {
    // Aligned: cdi_scores and features in the same customer_id order (as the pipeline writes them)
    // take the positional path; the same rows with features in another order take the join.
    let seed = 5
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const ids = Array.from({ length: 200 }, (_, i) => `c${String(i).padStart(3, '0')}`)
    const features = ids.map((id) => featureRow(id, [rand() * 12 - 1, rand() * 12 - 1]))
    const cdi = ids.map((id) => [id, Math.floor(rand() * 101)] as Cell[])
    const yesterday = ids.filter((_, i) => i % 7 !== 0).map((id, i) => [id, Math.floor(rand() * 101), SEGMENT_NAMES[i % 4] ?? 'hybrid', 'hybrid'] as Cell[])
    const cdiFile = await writeParquet(CDI_COLUMNS, cdi)
    const previousSegmentsFile = await writeParquet(SEGMENT_COLUMNS, yesterday)
    const run = async (featureRows: Cell[][], name: string) => {
      const outputDir = path.join(dir, name)
      const meta = await assignSegments({ db, cdiFile, featuresFile: await writeParquet(FEATURE_COLUMNS, featureRows), model: squareModel(), previousSegmentsFile, hysteresisDelta: 10, outputDir })
      return { meta, rows: await readSegments(outputDir) }
    }
    const aligned = await run(features, 'out-aligned')
    const joined = await run([...features].reverse(), 'out-joined')
    expect(aligned.rows).toEqual(joined.rows)
    expect(aligned.meta).toEqual(joined.meta)
    expect(aligned.meta.both_days).toBe(yesterday.length)
    expect(aligned.meta.kept_by_hysteresis).toBeGreaterThan(0)
    expect(aligned.meta.changed_vs_yesterday).toBeGreaterThan(0)
  })

  it('refuses duplicate customers in sorted inputs too', async () => {
    // Sorted with a repeat: not strictly increasing, so the general checks name the problem.
    const cdiFile = await writeParquet(CDI_COLUMNS, [['a', 1], ['a', 1], ['b', 2]])
    const featuresFile = await writeParquet(FEATURE_COLUMNS, [featureRow('a', AT.hybrid), featureRow('a', AT.hybrid), featureRow('b', AT.hybrid)])
    await expect(assignSegments({ db, cdiFile, featuresFile, model: squareModel(), hysteresisDelta: 10, outputDir: path.join(dir, 'dup') })).rejects.toMatchObject({
      code: 'input',
      message: expect.stringContaining('duplicate customer_id'),
    })
    const cdiOk = await writeParquet(CDI_COLUMNS, [['a', 1], ['b', 2]])
    const featuresOk = await writeParquet(FEATURE_COLUMNS, [featureRow('a', AT.hybrid), featureRow('b', AT.hybrid)])
    const previousSegmentsFile = await writeParquet(SEGMENT_COLUMNS, [['a', 1, 'hybrid', 'hybrid'], ['b', 1, 'hybrid', 'hybrid'], ['b', 1, 'hybrid', 'hybrid']])
    await expect(
      assignSegments({ db, cdiFile: cdiOk, featuresFile: featuresOk, model: squareModel(), previousSegmentsFile, hysteresisDelta: 10, outputDir: path.join(dir, 'dup-y') }),
    ).rejects.toMatchObject({ code: 'input', message: expect.stringContaining('segments(D-1)') })
    // Aligned inputs with a null model feature or cdi are refused by the positional checks.
    const nullFeature = await writeParquet(FEATURE_COLUMNS, [featureRow('a', AT.hybrid), ['b', null, 1, 1, 0, 2, 0.5, 1000]])
    await expect(assignSegments({ db, cdiFile: cdiOk, featuresFile: nullFeature, model: squareModel(), hysteresisDelta: 10, outputDir: path.join(dir, 'null-f') })).rejects.toMatchObject({
      code: 'input',
      message: expect.stringContaining('1 row(s) with a null model feature'),
    })
    const nullCdi = await writeParquet(CDI_COLUMNS, [['a', 1], ['b', null]])
    await expect(assignSegments({ db, cdiFile: nullCdi, featuresFile: featuresOk, model: squareModel(), hysteresisDelta: 10, outputDir: path.join(dir, 'null-c') })).rejects.toMatchObject({
      code: 'input',
      message: expect.stringContaining('1 row(s) with a null customer_id or cdi'),
    })
  })

  it('validates HYSTERESIS_DELTA as a finite number ≥ 0', async () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '10' as unknown as number]) {
      const error = (() => {
        try {
          validateHysteresisDelta(bad)
        } catch (e) {
          return e
        }
        return undefined
      })()
      expect(error, String(bad)).toBeInstanceOf(StrataError)
      expect((error as StrataError).code).toBe('config')
      expect((error as StrataError).message).toContain('HYSTERESIS_DELTA')
      expect((error as StrataError).hint).toBeTruthy()
    }
    expect(() => validateHysteresisDelta(0)).not.toThrow()
    expect(() => validateHysteresisDelta(2.5)).not.toThrow()
    const cdiFile = await writeParquet(CDI_COLUMNS, [['a', 1]])
    await expect(assignSegments({ db, cdiFile, featuresFile: cdiFile, model: squareModel(), hysteresisDelta: -0.5, outputDir: path.join(dir, 'x') })).rejects.toMatchObject({
      code: 'config',
    })
  })

  it('refuses a customer of cdi_scores without features, and a malformed model', async () => {
    const cdiFile = await writeParquet(CDI_COLUMNS, [['a', 1], ['b', 2]])
    const featuresFile = await writeParquet(FEATURE_COLUMNS, [featureRow('a', AT.hybrid)])
    await expect(assignSegments({ db, cdiFile, featuresFile, model: squareModel(), hysteresisDelta: 10, outputDir: path.join(dir, 'y') })).rejects.toMatchObject({
      code: 'input',
      message: expect.stringContaining('lacks 1 customer'),
    })
    await expect(
      assignSegments({ db, cdiFile, featuresFile, model: squareModel({ centroids: [[1, 2, 3]] }), hysteresisDelta: 10, outputDir: path.join(dir, 'y') }),
    ).rejects.toMatchObject({ code: 'input', message: expect.stringContaining('centroids') })
  })
})

