import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import type { SqlEngine } from '../../framework/sql/index.js'
import {
  copyFeatureGroupsSql,
  copyFeatureSampleSql,
  copyFeatureValuesSql,
  createFeatureGroupsSql,
  distinctValueCountsSql,
  featureRangesSql,
  gridMomentsSql,
  GROUPS_TABLE,
} from './feature-stats-queries.js'
import { readJsonFile } from './json-file.js'
import { rowCountSql } from './parquet-sql.js'
import { MODEL_FEATURES, type ModelFeature } from './segment-model-types.js'

/** Files computeFeatureStats writes inside its output folder. */
export const FEATURE_STATS_FILE = 'stats.json'
export const FEATURE_VALUES_FILE = 'values.parquet'
export const FEATURE_SAMPLE_FILE = 'sample.parquet'
export const FEATURE_GROUPS_FILE = 'groups.parquet'

/**
 * Candidate k-means rows kept per partition: at most the segment model's sample size, and only
 * rows whose md5 is below SAMPLE_MD5_BELOW. The model's sample is the first KMEANS_SAMPLE_ROWS
 * rows of its window in md5 order; whenever the window's candidates number at least that many,
 * every one of those rows is a candidate (all candidates precede any row at or above the cutoff,
 * and a partition holding more than the limit below it keeps its own first `limit`), so the
 * first rows of the union are the answer. Shorter windows fall back to the features files.
 */
export const SAMPLE_ROWS_PER_PARTITION = 100_000
/**
 * md5 hex prefix bound of the candidates: '2' keeps 1/8 of the rows, so a window of ~9 days of
 * 100k customers already holds the 100,000 the model samples, and a day writes ~12k rows.
 */
export const SAMPLE_MD5_BELOW = '2'
/**
 * Row groups of sample.parquet (written in md5 order) are small, so the model's
 * `md5 < threshold` filter skips most of each file on the row groups' min/max statistics.
 */
const SAMPLE_ROW_GROUP_SIZE = 2048

/** Largest number of fractional grid bits per value (the grid step is 2^-50 of the half range). */
const MAX_GRID_BITS = 50

/**
 * `stats.json`: exact, additive sufficient statistics of the seven model features of one
 * features partition. Each value x of feature j is represented on its partition's grid as
 * x̃ = (C_j + a) · 2^exponents[j] with a an integer (see computeFeatureStats); then
 *   Σ x̃_j         = sums[j] · 2^exponents[j]
 *   Σ x̃_j · x̃_k   = products[j][k] · 2^(exponents[j] + exponents[k])
 * exactly. The big integers are decimal strings (they exceed 2^53). Summing partitions means
 * shifting each to the smallest exponent and adding, which is exact and order-free.
 */
export interface FeatureStatsDocument {
  readonly partition: string
  readonly rows: number
  readonly features: readonly ModelFeature[]
  readonly min: readonly number[]
  readonly max: readonly number[]
  readonly exponents: readonly number[]
  readonly sums: readonly string[]
  /** 7 × 7, symmetric. */
  readonly products: readonly (readonly string[])[]
}

export interface FeatureStatsOptions {
  readonly db: SqlEngine
  /** The features partition, YYYY-MM-DD. */
  readonly partition: string
  readonly featuresFile: string
  readonly outputDir: string
}

/** Materialization metadata of feature_stats(D). */
export type FeatureStatsMetadata = {
  readonly rows: number
  readonly sample_rows: number
  /** Distinct values per model feature (rows of values.parquet). */
  readonly distinct_values: Record<ModelFeature, number>
}

/**
 * feature_stats(D): everything the weekly segment model needs from features(D) that adds up
 * over partitions, computed once per day instead of once per model week that reads the day
 * (each day is in ~13 windows):
 * - `stats.json`: n, Σx, Σx·xᵀ of the seven model features, exact (FeatureStatsDocument);
 * - `values.parquet` (feature, value, n): each feature's distinct values with counts, so the
 *   drift baseline of a window is a grouped sum of these files;
 * - `sample.parquet` (partition, customer_id, md5, the seven features as DOUBLE): the rows whose
 *   md5(partition || '|' || customer_id) is below SAMPLE_MD5_BELOW, at most the
 *   SAMPLE_ROWS_PER_PARTITION smallest, in md5 order;
 * - `groups.parquet` (the seven features as DOUBLE, cdi INTEGER, n BIGINT): the distinct
 *   (features, CDI) vectors of the day with their row counts, so the model's pass over every
 *   training row runs once per distinct vector of its window.
 *
 * The grouped vectors are computed once (temp table) and the ranges, moments and value counts are
 * read off them with each group weighted by its n: all integer sums, so exactly the per-row
 * figures. Refuses null or non-finite model features and null customer ids (StrataError 'input').
 */
export async function computeFeatureStats(options: FeatureStatsOptions): Promise<FeatureStatsMetadata> {
  const { db, partition, featuresFile, outputDir } = options
  if (!/^\d{4}-\d{2}-\d{2}$/.test(partition)) throw new StrataError('partition', `feature_stats: "${partition}" is not a YYYY-MM-DD partition`)
  if (!featuresFile.includes('://') && !existsSync(featuresFile)) {
    throw new StrataError('input', `feature_stats: features file ${featuresFile} (partition ${partition}) does not exist`, `Rebuild features for ${partition}.`)
  }
  try {
    await db.run(createFeatureGroupsSql(featuresFile))
    const ranges = await columnRanges(db, partition)
    const moments = await exactMoments(db, ranges)
    const document: FeatureStatsDocument = { partition, rows: ranges.n, features: [...MODEL_FEATURES], min: ranges.mins, max: ranges.maxs, ...moments }

    mkdirSync(outputDir, { recursive: true })
    writeFileSync(path.join(outputDir, FEATURE_STATS_FILE), `${JSON.stringify(document, null, 2)}\n`)
    const distinct = await writeValues(db, path.join(outputDir, FEATURE_VALUES_FILE))
    await db.run(copyFeatureGroupsSql(path.join(outputDir, FEATURE_GROUPS_FILE)))
    const sampleRows = await writeSample(db, featuresFile, partition, path.join(outputDir, FEATURE_SAMPLE_FILE))
    return { rows: ranges.n, sample_rows: sampleRows, distinct_values: distinct }
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${GROUPS_TABLE}`).catch(() => undefined)
  }
}

interface Ranges {
  readonly n: number
  readonly mins: number[]
  readonly maxs: number[]
}

/** Row count and per-feature min/max (order-free aggregates); refuses nulls and non-finite values. */
async function columnRanges(db: SqlEngine, partition: string): Promise<Ranges> {
  const [row] = await db.all<Record<string, number | bigint | null>>(featureRangesSql())
  const n = Number(row?.n ?? 0n)
  const bad = MODEL_FEATURES.filter((_, j) => Number(row?.[`bad${j}`] ?? 0n) > 0)
  if (bad.length > 0 || Number(row?.null_ids ?? 0n) > 0) {
    throw new StrataError(
      'input',
      `feature_stats: features ${partition} have null or non-finite values (${bad.length > 0 ? bad.join(', ') : 'customer_id'})`,
      `Rebuild features for ${partition}; every model feature must be a finite number.`,
    )
  }
  return { n, mins: MODEL_FEATURES.map((_, j) => (n === 0 ? 0 : Number(row?.[`min${j}`]))), maxs: MODEL_FEATURES.map((_, j) => (n === 0 ? 0 : Number(row?.[`max${j}`]))) }
}

/**
 * The grid of one feature in one partition: step 2^g and centre c = C · 2^g (C an integer).
 *
 * Why this is exact and deterministic: a value x is stored as the integer
 * a = round((x − c) · 2^-g), computed per row in doubles (x − c rounds the same way on every
 * run; scaling by a power of two is exact; round gives an integer-valued double), so every row's
 * a is a fixed function of the row. The sums Σa and Σa·a' are then HUGEINT sums in DuckDB, which
 * are exact, so the order in which parallel threads combine them cannot change a bit (DuckDB's
 * float aggregates, by contrast, vary in the last bits between runs). With |a| ≤ 2^b + 1 and
 * 2b + bits(n) ≤ 122, no product or sum can overflow HUGEINT (2^127).
 *
 * Why it is accurate: 2^(g + b) is the smallest power of two ≥ the half range around c, so the
 * grid step is 2^-b (b ≤ 50) of the partition's own spread, whatever the units: the represented
 * x̃ = c + a · 2^g is within 2^-51 of the range of x, far below the 1e-12 the model needs. A
 * constant column is represented exactly (a = 0, c = x).
 *
 * The grid depends only on the partition's own values, so a partition's statistics are the same
 * whichever windows read them; windows combine grids exactly by shifting (powers of two).
 */
function gridOf(min: number, max: number, n: number): { g: number; centre: number; C: bigint } {
  const bits = Math.min(MAX_GRID_BITS, Math.floor((122 - Math.max(1, Math.ceil(Math.log2(n + 1)))) / 2))
  const mid = min / 2 + max / 2
  const half = Math.max(max - mid, mid - min)
  let g: number
  if (half > 0) {
    let e = Math.ceil(Math.log2(half))
    while (2 ** e < half) e++
    while (e > -1074 && 2 ** (e - 1) >= half) e--
    g = e - bits
  } else {
    // Constant column: the grid of its value's last bit, so C · 2^g is the value itself.
    g = mid === 0 ? 0 : Math.floor(Math.log2(Math.abs(mid))) - 53
  }
  // Keep 2^-g a finite double; only absurd ranges (below 2^-970) reach this and lose precision.
  g = Math.max(g, -970)
  const C = Math.round(mid * 2 ** -g)
  return { g, centre: C * 2 ** g, C: BigInt(C) }
}

/** Σa and Σa·a' on the grid, each group's terms weighted by its n (integers, so exact). */
async function exactMoments(db: SqlEngine, ranges: Ranges): Promise<Pick<FeatureStatsDocument, 'exponents' | 'sums' | 'products'>> {
  const d = MODEL_FEATURES.length
  const { n } = ranges
  const grids = MODEL_FEATURES.map((_, j) => gridOf(ranges.mins[j]!, ranges.maxs[j]!, n))
  const [row] = n === 0 ? [undefined] : await db.all<Record<string, bigint | null>>(gridMomentsSql(grids))
  const big = (name: string): bigint => BigInt(row?.[name] ?? 0n)
  const bn = BigInt(n)
  // Σ(C_j + a_j) and Σ(C_j + a_j)(C_k + a_k), from n, Σa, Σa·a' and the centres, in BigInt.
  const totals = grids.map((grid, j) => bn * grid.C + big(`s${j}`))
  const products = grids.map(() => new Array<string>(d).fill('0'))
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const cj = grids[j]!.C
      const ck = grids[k]!.C
      const value = (bn * cj * ck + cj * big(`s${k}`) + ck * big(`s${j}`) + big(`s${j}_${k}`)).toString()
      products[j]![k] = value
      products[k]![j] = value
    }
  }
  return { exponents: grids.map((grid) => grid.g), sums: totals.map(String), products }
}

/** values.parquet: per feature (in MODEL_FEATURES order), each distinct value as DOUBLE and its count. */
async function writeValues(db: SqlEngine, file: string): Promise<Record<ModelFeature, number>> {
  await db.run(copyFeatureValuesSql(file))
  const rows = await db.all<{ feature: ModelFeature; n: bigint }>(distinctValueCountsSql(file))
  const distinct = Object.fromEntries(MODEL_FEATURES.map((f) => [f, 0])) as Record<ModelFeature, number>
  for (const r of rows) distinct[r.feature] = Number(r.n)
  return distinct
}

/** sample.parquet: of the partition's rows with md5(partition | customer_id) below SAMPLE_MD5_BELOW, the first SAMPLE_ROWS_PER_PARTITION in md5 order. */
async function writeSample(db: SqlEngine, featuresFile: string, partition: string, file: string): Promise<number> {
  await db.run(copyFeatureSampleSql(featuresFile, partition, file, { md5Below: SAMPLE_MD5_BELOW, rows: SAMPLE_ROWS_PER_PARTITION, rowGroupSize: SAMPLE_ROW_GROUP_SIZE }))
  const [row] = await db.all<{ rows: bigint }>(rowCountSql(file))
  return Number(row?.rows ?? 0n)
}

/** Reads and checks one partition's stats.json. */
export function readFeatureStats(file: string, partition: string): FeatureStatsDocument {
  const fix = `Rebuild it: strata materialize feature_stats --partition ${partition} --force`
  const doc = readJsonFile(file, 'feature_stats', fix) as Partial<FeatureStatsDocument> | null
  const d = MODEL_FEATURES.length
  const isInt = (s: unknown): boolean => typeof s === 'string' && /^-?\d+$/.test(s)
  const ok =
    doc !== null &&
    doc.partition === partition &&
    typeof doc.rows === 'number' &&
    Number.isSafeInteger(doc.rows) &&
    doc.rows >= 0 &&
    JSON.stringify(doc.features) === JSON.stringify(MODEL_FEATURES) &&
    Array.isArray(doc.exponents) &&
    doc.exponents.length === d &&
    doc.exponents.every((e) => Number.isInteger(e)) &&
    Array.isArray(doc.sums) &&
    doc.sums.length === d &&
    doc.sums.every(isInt) &&
    Array.isArray(doc.products) &&
    doc.products.length === d &&
    doc.products.every((r) => Array.isArray(r) && r.length === d && r.every(isInt))
  if (!ok) throw new StrataError('corrupt', `feature_stats: ${file} is not the statistics of partition ${partition}`, fix)
  return doc as FeatureStatsDocument
}

/** Population means and covariance of the seven features over several partitions' statistics. */
export interface CombinedMoments {
  readonly n: number
  readonly means: number[]
  readonly covariance: number[][]
  /** Σ (x_j − means_j) over the rows: what the rounding of each mean leaves (≈ 0), computed exactly. */
  readonly centredSums: number[]
}

/**
 * Sums the partitions' exact statistics (aligned on the finest grid of each feature by shifting,
 * which is exact) and derives mean = Σx / n and cov = (n·Σxx' − Σx·Σx') / n², the numerator in
 * BigInt (no cancellation), so the only roundings are the final conversion and divisions. The
 * result does not depend on the order of `docs`.
 */
export function combineMoments(docs: readonly FeatureStatsDocument[]): CombinedMoments {
  const d = MODEL_FEATURES.length
  const n = docs.reduce((s, doc) => s + doc.rows, 0)
  const live = docs.filter((doc) => doc.rows > 0)
  const base = MODEL_FEATURES.map((_, j) => Math.min(...live.map((doc) => doc.exponents[j]!)))
  const sums = MODEL_FEATURES.map(() => 0n)
  const products = MODEL_FEATURES.map(() => MODEL_FEATURES.map(() => 0n))
  for (const doc of live) {
    const shift = doc.exponents.map((e, j) => BigInt(e - base[j]!))
    for (let j = 0; j < d; j++) {
      sums[j] = sums[j]! + (BigInt(doc.sums[j]!) << shift[j]!)
      for (let k = j; k < d; k++) products[j]![k] = products[j]![k]! + (BigInt(doc.products[j]![k]!) << (shift[j]! + shift[k]!))
    }
  }
  const bn = BigInt(n)
  const means = sums.map((s, j) => (n === 0 ? 0 : scaled(s, base[j]!) / n))
  const covariance = MODEL_FEATURES.map(() => new Array<number>(d).fill(0))
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const value = n === 0 ? 0 : scaled(bn * products[j]![k]! - sums[j]! * sums[k]!, base[j]! + base[k]!) / n / n
      covariance[j]![k] = value
      covariance[k]![j] = value
    }
  }
  const centredSums = means.map((mean, j) => {
    if (n === 0) return 0
    const { mantissa, exponent } = exactParts(mean)
    const low = Math.min(base[j]!, exponent)
    return scaled((sums[j]! << BigInt(base[j]! - low)) - ((bn * mantissa) << BigInt(exponent - low)), low)
  })
  return { n, means, covariance, centredSums }
}

/** A finite double as mantissa · 2^exponent, both exact (from its IEEE 754 bits). */
function exactParts(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const bits = view.getBigUint64(0)
  const biased = Number((bits >> 52n) & 0x7ffn)
  const fraction = bits & ((1n << 52n) - 1n)
  const magnitude = biased === 0 ? fraction : fraction | (1n << 52n)
  return { mantissa: bits >> 63n === 1n ? -magnitude : magnitude, exponent: (biased === 0 ? 1 : biased) - 1075 }
}

/** big · 2^exponent as a double (one rounding for |big| < 2^1000, then exact power-of-two scaling). */
export function scaled(big: bigint, exponent: number): number {
  let value = big
  let e = exponent
  const bits = (value < 0n ? -value : value).toString(2).length
  if (bits > 1000) {
    const drop = bits - 64
    value >>= BigInt(drop)
    e += drop
  }
  let x = Number(value)
  // Apply 2^e in steps that cannot overflow or underflow on their own.
  while (e > 0) {
    const step = Math.min(e, 1000)
    x *= 2 ** step
    e -= step
  }
  while (e < 0) {
    const step = Math.min(-e, 1000)
    x /= 2 ** step
    e += step
  }
  return x
}
