import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { PCA } from 'ml-pca'
import { StrataError } from '../../framework/errors/index.js'
import { quoteIdent, sqlString, sqlStringList, type DuckDb } from '../../resources/duckdb.js'
import { cdiSqlExpressions } from './cdi.js'
import { miniBatchKMeans, nearestCentroid } from './mini-batch-kmeans.js'
import { mergeEdges } from './psi.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type BaselineEdges, type ModelFeature, type SegmentModel, type SegmentName } from './segment-model-types.js'
import { doubleLiteral } from './segments.js'

/** Files trainSegmentModel writes inside its output folder. */
export const MODEL_FILE = 'model.json'
export const BASELINE_FILE = 'baseline.parquet'
export const BASELINE_EDGES_FILE = 'baseline_edges.json'

/** SPEC §5: min(6, 7) components, k = 4, seed 42. */
export const PCA_COMPONENTS = 6
export const CLUSTERS = SEGMENT_NAMES.length
export const KMEANS_SEED = 42
/** Rows the iterative k-means sees; inertia and naming still use every training row. */
export const KMEANS_SAMPLE_ROWS = 100_000
/** SPEC §5: the silhouette is computed on at most this many rows. */
export const SILHOUETTE_SAMPLE_ROWS = 10_000
/** The PSI bin edges of SPEC §7: the 10%..90% quantiles. */
export const EDGE_QUANTILES = ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'] as const

/**
 * Exact sums in DuckDB are of integers: every value is mapped onto a grid of 2^-48 of its
 * column's range, so that parallel aggregation (whose combine order varies between runs) still
 * gives the same bits on every rerun.
 */
const GRID_BITS = 48
const GRID = 2 ** GRID_BITS

export interface FeaturePartition {
  /** The daily partition key, YYYY-MM-DD. */
  readonly partition: string
  /** Its features.parquet. */
  readonly file: string
}

export interface TrainSegmentModelOptions {
  readonly db: DuckDb
  /** The features partitions that exist in the window, in any order. */
  readonly features: readonly FeaturePartition[]
  /** The requested window, Monday-90 … Monday-1. */
  readonly window: { readonly from: string; readonly to: string }
  readonly outputDir: string
}

/** Materialization metadata of segment_model(week). */
export type TrainMetadata = {
  readonly training_rows: number
  /** First and last feature partitions actually used. */
  readonly window_from: string
  readonly window_to: string
  readonly partitions_used: number
  readonly inertia: number
  readonly silhouette: number | null
  readonly version: string
  /** Training rows nearest each centroid, by segment name. */
  readonly cluster_sizes: Record<SegmentName, number>
}

type Matrix = number[][]

/**
 * segment_model(week) (SPEC §5): standardise the seven model features over every customer-day
 * row of the window, PCA to six components, mini-batch k-means (k = 4) on a deterministic
 * sample, then name the centroids by the mean CDI of all training rows nearest to them. Writes
 * `model.json` (the SegmentModel document), `baseline.parquet` (feature, value, n: the training
 * distribution of each model feature) and `baseline_edges.json` (the PSI bin edges) into
 * `outputDir`. Training twice on the same files gives byte-identical `model.json`.
 *
 * Set-based steps (moments, assignment of every row, baseline) run in DuckDB; only the k-means
 * sample (≤ 100,000 rows) and the silhouette sample (≤ 10,000 rows) come into JavaScript.
 */
export async function trainSegmentModel(options: TrainSegmentModelOptions): Promise<TrainMetadata> {
  const { db, window, outputDir } = options
  const partitions = checkPartitions(options.features, window)

  const conn = await db.connect()
  try {
    await conn.run(`CREATE OR REPLACE TEMP VIEW training_rows AS ${trainingRowsSql(partitions)}`)
    await conn.run(`CREATE OR REPLACE TEMP VIEW training_values AS ${trainingValuesSql(partitions)}`)
    const { n, mins, maxs } = await columnRanges(conn, partitions, window)
    const { means, covariance } = await exactMoments(conn, n, mins, maxs)
    const scales = covariance.map((row, j) => {
      const std = Math.sqrt(row[j]!)
      return std < 10 * Number.EPSILON ? 1 : std
    })
    const { components, explainedVarianceRatio } = principalComponents(standardisedCovariance(covariance, scales))

    const sample = await loadSample(conn, n, KMEANS_SAMPLE_ROWS)
    const projected = project(sample, means, scales, components)
    const kmeans = miniBatchKMeans(projected, PCA_COMPONENTS, { k: CLUSTERS, seed: KMEANS_SEED })
    const centroids: Matrix = Array.from({ length: CLUSTERS }, (_, c) => Array.from(kmeans.centroids.subarray(c * PCA_COMPONENTS, (c + 1) * PCA_COMPONENTS)))

    const clusters = await assignAll(conn, means, scales, components, centroids)
    const names = nameClusters(clusters)
    const silhouetteRows = Math.min(SILHOUETTE_SAMPLE_ROWS, sample.length / MODEL_FEATURES.length)
    const silhouetteSample = projected.subarray(0, silhouetteRows * PCA_COMPONENTS)
    const labels = new Int32Array(silhouetteRows)
    for (let i = 0; i < silhouetteRows; i++) labels[i] = nearestCentroid(silhouetteSample, i, kmeans.centroids, CLUSTERS, PCA_COMPONENTS).index
    const silhouette = silhouetteScore(silhouetteSample, PCA_COMPONENTS, labels, CLUSTERS)

    const from = partitions[0]!.partition
    const to = partitions[partitions.length - 1]!.partition
    const body = {
      features: [...MODEL_FEATURES],
      means,
      scales,
      components,
      explained_variance_ratio: explainedVarianceRatio,
      centroids,
      names,
      inertia: clusters.inertia,
      silhouette,
      training_rows: n,
      window: { from, to },
    }
    const model: SegmentModel = { ...body, version: modelVersion(body) }

    mkdirSync(outputDir, { recursive: true })
    writeFileSync(path.join(outputDir, MODEL_FILE), `${JSON.stringify(model, null, 2)}\n`)
    await writeBaseline(conn, path.join(outputDir, BASELINE_FILE))
    writeFileSync(path.join(outputDir, BASELINE_EDGES_FILE), `${JSON.stringify(await baselineEdges(conn, n), null, 2)}\n`)

    const clusterSizes = Object.fromEntries(SEGMENT_NAMES.map((name) => [name, 0])) as Record<SegmentName, number>
    names.forEach((name, c) => (clusterSizes[name] = Number(clusters.sizes[c] ?? 0n)))
    return {
      training_rows: n,
      window_from: from,
      window_to: to,
      partitions_used: partitions.length,
      inertia: clusters.inertia,
      silhouette,
      version: model.version,
      cluster_sizes: clusterSizes,
    }
  } finally {
    await conn.run('DROP TABLE IF EXISTS baseline_counts').catch(() => undefined)
    conn.close()
  }
}

/** sha256 (first 16 hex) of the JSON of the model without its version, keys in document order. */
export function modelVersion(body: Omit<SegmentModel, 'version'>): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16)
}

/** The window's partitions, sorted; fails when there are none, or when the caller passed any outside the window. */
function checkPartitions(features: readonly FeaturePartition[], window: { from: string; to: string }): FeaturePartition[] {
  const label = `${window.from} .. ${window.to}`
  if (features.length === 0) {
    throw new StrataError(
      'input',
      `segment_model: no features partitions in the training window ${label}`,
      `Materialize features for at least one day in ${label} (e.g. strata materialize features --from ${window.from} --to ${window.to}), then rerun segment_model.`,
    )
  }
  const sorted = [...features].sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0))
  sorted.forEach((p, i) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(p.partition) || p.partition < window.from || p.partition > window.to) {
      throw new StrataError('input', `segment_model: features partition "${p.partition}" is outside the training window ${label}`, 'Pass only the features partitions of the window.')
    }
    if (i > 0 && sorted[i - 1]!.partition === p.partition) {
      throw new StrataError('input', `segment_model: features partition ${p.partition} is given twice`, 'Pass each features partition of the window once.')
    }
    if (!p.file.includes('://') && !existsSync(p.file)) {
      throw new StrataError('input', `segment_model: features file ${p.file} (partition ${p.partition}) does not exist`, `Rebuild features for ${p.partition}.`)
    }
  })
  if (new Set(sorted.map((p) => p.file)).size !== sorted.length) {
    throw new StrataError('input', `segment_model: two features partitions of ${label} share a file`, 'Pass each partition with its own features.parquet.')
  }
  return sorted
}

/**
 * Every customer-day row of the window: partition, customer_id, the seven features as DOUBLE, cdi.
 * One read_parquet over all files (not a UNION per file) keeps the view small to bind, as every
 * step below re-binds it; each row finds its partition through its file name.
 */
function trainingRowsSql(partitions: readonly FeaturePartition[]): string {
  const cdi = cdiSqlExpressions('f').cdi
  const columns = MODEL_FEATURES.map((c) => `CAST(f.${quoteIdent(c)} AS DOUBLE) AS ${quoteIdent(c)}`).join(', ')
  const files = partitions.map((p) => `(${sqlString(p.file)}, ${sqlString(p.partition)})`).join(', ')
  return `SELECT m.partition, CAST(f.customer_id AS VARCHAR) AS customer_id, ${columns}, ${cdi} AS cdi
    FROM read_parquet(${sqlStringList(partitions.map((p) => p.file))}, filename = true) f
    JOIN (VALUES ${files}) m(file, partition) ON f.filename = m.file`
}

/**
 * The same rows as `training_rows` without the partition join (the seven features as DOUBLE, cdi):
 * the set-based passes that need no partition read only the columns they use. `columnRanges`
 * checks that both views hold the same rows.
 */
function trainingValuesSql(partitions: readonly FeaturePartition[]): string {
  const cdi = cdiSqlExpressions('f').cdi
  const columns = MODEL_FEATURES.map((c) => `CAST(f.${quoteIdent(c)} AS DOUBLE) AS ${quoteIdent(c)}`).join(', ')
  return `SELECT ${columns}, ${cdi} AS cdi FROM read_parquet(${sqlStringList(partitions.map((p) => p.file))}) f`
}

/** Row count and per-column min/max (order-independent aggregates); refuses nulls and non-finite values. */
async function columnRanges(conn: DuckDb, partitions: readonly FeaturePartition[], window: { from: string; to: string }): Promise<{ n: number; mins: number[]; maxs: number[] }> {
  const selects = MODEL_FEATURES.map((c, j) => {
    const q = quoteIdent(c)
    return `min(${q}) AS min${j}, max(${q}) AS max${j}, count(*) FILTER (WHERE ${q} IS NULL OR NOT isfinite(${q})) AS bad${j}`
  })
  const [row] = await conn.all<Record<string, number | bigint | null>>(
    `SELECT count(*) AS n, count(*) FILTER (WHERE customer_id IS NULL) AS null_ids, ${selects.join(', ')} FROM training_rows`,
  )
  const n = Number(row?.n ?? 0n)
  const [files] = await conn.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${sqlStringList(partitions.map((p) => p.file))})`)
  // The view finds each row's partition by joining on its file name; a path DuckDB reports
  // differently from how it was given would lose rows there, so count them against the files.
  if (Number(files?.n ?? 0n) !== n) {
    throw new StrataError('compute', `segment_model: ${n} training rows matched their partitions, but the files hold ${String(files?.n)}`, 'Pass the features files as plain paths or URLs, without globs.')
  }
  if (n === 0) {
    throw new StrataError('input', `segment_model: the features partitions of the training window ${window.from} .. ${window.to} have no rows`, 'Rebuild features for the window.')
  }
  const bad = MODEL_FEATURES.filter((_, j) => Number(row?.[`bad${j}`] ?? 0n) > 0)
  if (bad.length > 0 || Number(row?.null_ids ?? 0n) > 0) {
    throw new StrataError(
      'input',
      `segment_model: features in the training window ${window.from} .. ${window.to} have null or non-finite values (${bad.length > 0 ? bad.join(', ') : 'customer_id'})`,
      'Rebuild features for the window; every model feature must be a finite number.',
    )
  }
  // 2^94 per product term (see exactMoments) times n rows must stay inside HUGEINT.
  if (n >= 2 ** 32) throw new StrataError('compute', `segment_model: ${n} training rows exceed the exact-sum capacity (2^32)`)
  return { n, mins: MODEL_FEATURES.map((_, j) => Number(row?.[`min${j}`])), maxs: MODEL_FEATURES.map((_, j) => Number(row?.[`max${j}`])) }
}

/**
 * Population means and covariance of the seven features, summed exactly. DuckDB's parallel
 * float aggregates (avg, covar_pop) combine partial states in a run-dependent order, so their last
 * bits vary between reruns (DuckDB docs, "Non-Deterministic Behavior"). Instead each value becomes
 * an integer a = round((x − c) · 2^48 / P), with c the column's mid-range and P the smallest power
 * of two ≥ its range (so |a| ≤ 2^47), and DuckDB sums a and a·a' as HUGEINT, which is exact and
 * order-free. Mean and covariance then follow from n, Σa, Σaa' in BigInt:
 * cov = (n·Σaa' − Σa·Σa') / n² scaled back by P·P'/2^96. The grid loses nothing that matters:
 * its step is 2^-48 of the column's range.
 */
async function exactMoments(conn: DuckDb, n: number, mins: readonly number[], maxs: readonly number[]): Promise<{ means: number[]; covariance: Matrix }> {
  const d = MODEL_FEATURES.length
  const centres = mins.map((lo, j) => lo + (maxs[j]! - lo) / 2)
  const factors = mins.map((lo, j) => GRID / powerOfTwoAtLeast(maxs[j]! - lo))
  const grid = MODEL_FEATURES.map((c, j) => `CAST(round((${quoteIdent(c)} - ${doubleLiteral(centres[j]!)}) * ${doubleLiteral(factors[j]!)}) AS HUGEINT) AS a${j}`)
  const sums: string[] = []
  for (let j = 0; j < d; j++) {
    sums.push(`sum(a${j}) AS s${j}`)
    for (let k = j; k < d; k++) sums.push(`sum(a${j} * a${k}) AS s${j}_${k}`)
  }
  const [row] = await conn.all<Record<string, bigint | null>>(`SELECT ${sums.join(', ')} FROM (SELECT ${grid.join(', ')} FROM training_values)`)
  const big = (name: string): bigint => row?.[name] ?? 0n
  const bn = BigInt(n)
  const means = centres.map((c, j) => c + Number(big(`s${j}`)) / n / factors[j]!)
  const covariance: Matrix = Array.from({ length: d }, () => new Array<number>(d).fill(0))
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const numerator = bn * big(`s${j}_${k}`) - big(`s${j}`) * big(`s${k}`)
      const value = Number(numerator) / n / n / factors[j]! / factors[k]!
      covariance[j]![k] = value
      covariance[k]![j] = value
    }
  }
  return { means, covariance }
}

/** The smallest power of two ≥ x, down to tiny ranges too; 1 for a constant column (x = 0). */
function powerOfTwoAtLeast(x: number): number {
  if (!Number.isFinite(x)) throw new StrataError('input', `segment_model: a model feature spans ${x}, too wide to standardise`, 'Check the features for absurd values.')
  if (x <= 0) return 1
  let p = 1
  while (p < x) p *= 2
  while (p / 2 >= x) p /= 2
  return p
}

/** Covariance of the standardised columns: cov_jk / (scale_j · scale_k); a constant column stays all zero. */
function standardisedCovariance(covariance: Matrix, scales: readonly number[]): Matrix {
  return covariance.map((row, j) => row.map((v, k) => v / scales[j]! / scales[k]!))
}

/**
 * Eigen-decomposition of the standardised covariance (ml-pca), the first six axes. Signs are
 * arbitrary in PCA; each axis is flipped so that its largest-|loading| entry (lowest index on a
 * tie) is positive, so reruns and other tools get the same signs. The explained variance ratio
 * is relative to the total variance of all seven standardised columns (the trace).
 */
function principalComponents(covariance: Matrix): { components: Matrix; explainedVarianceRatio: number[] } {
  const pca = new PCA(covariance, { isCovarianceMatrix: true })
  const loadings = pca.getLoadings().to2DArray()
  const eigenvalues = pca.getEigenvalues()
  const components = loadings.slice(0, PCA_COMPONENTS).map((axis) => {
    let top = 0
    for (let i = 1; i < axis.length; i++) if (Math.abs(axis[i]!) > Math.abs(axis[top]!)) top = i
    return axis[top]! < 0 ? axis.map((v) => (v === 0 ? 0 : -v)) : axis.map((v) => (v === 0 ? 0 : v))
  })
  let trace = 0
  covariance.forEach((row, j) => (trace += row[j]!))
  const explainedVarianceRatio = eigenvalues.slice(0, PCA_COMPONENTS).map((value) => (trace > 0 ? Math.max(value, 0) / trace : 0))
  return { components, explainedVarianceRatio }
}

/**
 * The k-means sample: up to `limit` training rows in the order of md5(partition | customer_id),
 * a hash any tool can reproduce, so the sample is the same on every rerun and spread over all
 * days and customers. Row-major, seven features per row. Its first rows are the silhouette sample.
 *
 * Rather than ordering every row, only rows whose md5 falls below a threshold (its first 8 hex
 * digits, chosen so that comfortably more than `limit` rows pass) are ordered. Every row that the
 * full order puts first passes too, so the result is the same; when too few pass (vanishingly
 * rare), the unfiltered query runs instead.
 */
async function loadSample(conn: DuckDb, n: number, limit: number): Promise<Float64Array> {
  const columns = MODEL_FEATURES.map(quoteIdent).join(', ')
  const key = `md5(partition || '|' || customer_id)`
  const query = (filter: string): Promise<Record<ModelFeature, number>[]> =>
    conn.all<Record<ModelFeature, number>>(
      `SELECT ${columns} FROM (SELECT ${key} AS _key, * FROM training_rows) ${filter} ORDER BY _key, partition, customer_id, ${columns} LIMIT ${limit}`,
    )
  const threshold = md5Threshold(n, limit)
  let rows = threshold === undefined ? await query('') : await query(`WHERE _key < ${sqlString(threshold)}`)
  if (threshold !== undefined && rows.length < limit) rows = await query('')
  const d = MODEL_FEATURES.length
  const data = new Float64Array(rows.length * d)
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!
    for (let j = 0; j < d; j++) data[i * d + j] = row[MODEL_FEATURES[j]!]
  }
  return data
}

/**
 * An 8-hex-digit prefix such that md5 hex strings below it are expected to number `limit` plus
 * a wide margin (2% and 8 binomial standard deviations) out of `n`; undefined when filtering
 * would not leave clearly fewer rows than `n`.
 */
export function md5Threshold(n: number, limit: number): string | undefined {
  const expected = limit * 1.02 + 8 * Math.sqrt(limit) + 64
  if (expected * 2 > n) return undefined
  const bound = Math.ceil((expected / n) * 2 ** 32)
  return bound >= 2 ** 32 ? undefined : bound.toString(16).padStart(8, '0')
}

/**
 * ((x − mean) / scale) · componentsᵀ for n × 7 row-major rows, term by term in the same order as
 * `nearestCentroidSql` (and segments), so JavaScript and DuckDB get the same bits.
 */
export function project(data: Float64Array, means: readonly number[], scales: readonly number[], components: Matrix): Float64Array {
  const d = means.length
  const m = components.length
  const n = data.length / d
  const z = new Float64Array(d)
  const out = new Float64Array(n * m)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) z[j] = (data[i * d + j]! - means[j]!) / scales[j]!
    for (let c = 0; c < m; c++) {
      const axis = components[c]!
      let p = z[0]! * axis[0]!
      for (let j = 1; j < d; j++) p += z[j]! * axis[j]!
      out[i * m + c] = p
    }
  }
  return out
}

/**
 * SQL over `source` (a relation with the seven features as DOUBLE columns) adding `label` (the
 * nearest centroid, ties → lower index) and `dist` (its squared distance) in PCA space. The
 * model's numbers are written as exact DOUBLE literals.
 */
export function nearestCentroidSql(source: string, means: readonly number[], scales: readonly number[], components: Matrix, centroids: Matrix): string {
  const z = MODEL_FEATURES.map((f, j) => `((${quoteIdent(f)} - ${doubleLiteral(means[j]!)}) / ${doubleLiteral(scales[j]!)}) AS z${j}`)
  const p = components.map((axis, c) => `(${axis.map((w, j) => `z${j} * ${doubleLiteral(w)}`).join(' + ')}) AS p${c}`)
  const dist = centroids.map((centre, k) => `(${centre.map((v, c) => `(p${c} - ${doubleLiteral(v)}) * (p${c} - ${doubleLiteral(v)})`).join(' + ')}) AS d${k}`)
  const k = centroids.length
  const whens: string[] = []
  for (let i = 0; i < k - 1; i++) {
    whens.push(`WHEN ${Array.from({ length: k - 1 - i }, (_, m) => `d${i} <= d${i + 1 + m}`).join(' AND ')} THEN ${i}`)
  }
  const label = k === 1 ? '0' : `CASE ${whens.join(' ')} ELSE ${k - 1} END`
  const ds = Array.from({ length: k }, (_, i) => `d${i}`).join(', ')
  return `SELECT *, ${label} AS label, ${k === 1 ? 'd0' : `least(${ds})`} AS dist
    FROM (SELECT *, ${dist.join(', ')} FROM (SELECT *, ${p.join(', ')} FROM (SELECT *, ${z.join(', ')} FROM ${source})))`
}

interface ClusterStats {
  /** Per centroid: rows nearest to it, and the sum of their CDI (exact). */
  readonly sizes: bigint[]
  readonly cdiSums: bigint[]
  readonly inertia: number
}

/** Assigns every training row in DuckDB; inertia summed exactly on a 2^-48 grid (see exactMoments). */
async function assignAll(conn: DuckDb, means: readonly number[], scales: readonly number[], components: Matrix, centroids: Matrix): Promise<ClusterStats> {
  const rows = await conn.all<{ label: number; n: bigint; cdi_sum: bigint; dist_grid: bigint }>(
    `SELECT label, count(*) AS n, CAST(sum(cdi) AS HUGEINT) AS cdi_sum, sum(CAST(round(dist * ${doubleLiteral(GRID)}) AS HUGEINT)) AS dist_grid
     FROM (${nearestCentroidSql('training_values', means, scales, components, centroids)})
     GROUP BY label`,
  )
  const sizes = centroids.map(() => 0n)
  const cdiSums = centroids.map(() => 0n)
  let grid = 0n
  for (const row of rows) {
    sizes[row.label] = row.n
    cdiSums[row.label] = row.cdi_sum
    grid += row.dist_grid
  }
  return { sizes, cdiSums, inertia: Number(grid) / GRID }
}

/**
 * SPEC §5 naming: clusters ranked by the mean CDI of their rows, highest first; empty clusters
 * last; equal means (compared exactly, as fractions) keep the lower index first. Returns the name
 * of each centroid.
 */
export function nameClusters(stats: { readonly sizes: readonly bigint[]; readonly cdiSums: readonly bigint[] }): SegmentName[] {
  const order = stats.sizes.map((_, i) => i)
  order.sort((a, b) => {
    const na = stats.sizes[a]!
    const nb = stats.sizes[b]!
    if (na === 0n || nb === 0n) return na === nb ? a - b : na === 0n ? 1 : -1
    // mean_a > mean_b  ⇔  sum_a · n_b > sum_b · n_a, since counts are positive.
    const lhs = stats.cdiSums[a]! * nb
    const rhs = stats.cdiSums[b]! * na
    return lhs > rhs ? -1 : lhs < rhs ? 1 : a - b
  })
  const names = new Array<SegmentName>(order.length)
  order.forEach((cluster, rank) => (names[cluster] = SEGMENT_NAMES[rank]!))
  return names
}

/**
 * Mean silhouette (Rousseeuw 1987) with Euclidean distances: s = (b − a) / max(a, b), 0 for a
 * point alone in its cluster. Null when fewer than 2 or more than n − 1 clusters are used, where
 * it is undefined. O(n²): meant for ≤ 10,000 points.
 */
export function silhouetteScore(points: Float64Array, dim: number, labels: Int32Array, k: number): number | null {
  const n = labels.length
  const counts = new Float64Array(k)
  for (let i = 0; i < n; i++) counts[labels[i]!]! += 1
  let used = 0
  for (let c = 0; c < k; c++) if (counts[c]! > 0) used++
  if (used < 2 || used > n - 1) return null
  const sums = silhouetteSums(points, dim, labels, k)
  let total = 0
  for (let i = 0; i < n; i++) {
    const own = labels[i]!
    if (counts[own]! <= 1) continue
    const a = sums[i * k + own]! / (counts[own]! - 1)
    let b = Infinity
    for (let c = 0; c < k; c++) {
      if (c === own || counts[c] === 0) continue
      const mean = sums[i * k + c]! / counts[c]!
      if (mean < b) b = mean
    }
    const denominator = Math.max(a, b)
    if (denominator > 0) total += (b - a) / denominator
  }
  return total / n
}

/**
 * Per point i and cluster c, the sum of the distances from i to the points of c, each sum taken
 * over j in increasing order and each squared distance summed in column order (as
 * `squaredDistance`), so the result does not depend on how the loop is arranged. Each pair is
 * measured once: row i's own sums are kept in locals while j runs, row j's get their term directly.
 */
function silhouetteSums(points: Float64Array, dim: number, labels: Int32Array, k: number): Float64Array {
  const n = labels.length
  const sums = new Float64Array(n * k)
  const own = new Float64Array(k)
  const xi = new Float64Array(dim)
  for (let i = 0; i < n; i++) {
    const li = labels[i]!
    const io = i * k
    // Terms from j < i are all in already; the rest follow in order of j.
    for (let c = 0; c < k; c++) own[c] = sums[io + c]!
    if (dim === 6) {
      const p0 = points[i * 6]!
      const p1 = points[i * 6 + 1]!
      const p2 = points[i * 6 + 2]!
      const p3 = points[i * 6 + 3]!
      const p4 = points[i * 6 + 4]!
      const p5 = points[i * 6 + 5]!
      for (let j = i + 1, jo = (i + 1) * 6; j < n; j++, jo += 6) {
        const d0 = p0 - points[jo]!
        const d1 = p1 - points[jo + 1]!
        const d2 = p2 - points[jo + 2]!
        const d3 = p3 - points[jo + 3]!
        const d4 = p4 - points[jo + 4]!
        const d5 = p5 - points[jo + 5]!
        let sq = 0
        sq += d0 * d0
        sq += d1 * d1
        sq += d2 * d2
        sq += d3 * d3
        sq += d4 * d4
        sq += d5 * d5
        const dist = Math.sqrt(sq)
        own[labels[j]!]! += dist
        sums[j * k + li]! += dist
      }
    } else {
      for (let t = 0; t < dim; t++) xi[t] = points[i * dim + t]!
      for (let j = i + 1; j < n; j++) {
        const jo = j * dim
        let sq = 0
        for (let t = 0; t < dim; t++) {
          const diff = xi[t]! - points[jo + t]!
          sq += diff * diff
        }
        const dist = Math.sqrt(sq)
        own[labels[j]!]! += dist
        sums[j * k + li]! += dist
      }
    }
    for (let c = 0; c < k; c++) sums[io + c] = own[c]!
  }
  return sums
}

/**
 * feature, value, n: every distinct value of each model feature over the training rows, with its
 * count. The counts stay in the temp table `baseline_counts` for `baselineEdges`.
 */
async function writeBaseline(conn: DuckDb, file: string): Promise<void> {
  const parts = MODEL_FEATURES.map((f, j) => `SELECT ${j} AS ord, ${quoteIdent(f)} AS value, count(*) AS n FROM training_values GROUP BY ${quoteIdent(f)}`)
  await conn.run(`CREATE OR REPLACE TEMP TABLE baseline_counts AS ${parts.join(' UNION ALL ')}`)
  const names = `(VALUES ${MODEL_FEATURES.map((f, j) => `(${j}, ${sqlString(f)})`).join(', ')}) m(ord, feature)`
  await conn.run(
    `COPY (
      SELECT CAST(m.feature AS VARCHAR) AS feature, CAST(b.value AS DOUBLE) AS value, CAST(b.n AS BIGINT) AS n
      FROM baseline_counts b JOIN ${names} USING (ord)
      ORDER BY b.ord, b.value
    ) TO ${sqlString(file)} (FORMAT parquet)`,
  )
}

/**
 * Per feature, the 10%..90% quantile_cont of the training rows with duplicate edges merged
 * (SPEC §7). Read off the distinct-value counts rather than sorting every row: DuckDB's
 * quantile_cont of n values at level q takes the sorted values at ⌊(n−1)q⌋ and ⌈(n−1)q⌉ and
 * interpolates them as lo·(1 − d) + hi·d with d = (n−1)q − ⌊(n−1)q⌋ (`quantileCont` below,
 * checked against quantile_cont in the tests); only those two values per level are looked up.
 */
async function baselineEdges(conn: DuckDb, n: number): Promise<BaselineEdges> {
  const levels = EDGE_QUANTILES.map(Number)
  const positions = [...new Set(levels.flatMap((q) => quantilePositions(n, q)))].sort((a, b) => a - b)
  const rows = await conn.all<{ ord: number; pos: bigint; value: number }>(
    `SELECT b.ord, p.pos, b.value
     FROM (SELECT ord, value, sum(n) OVER (PARTITION BY ord ORDER BY value ROWS UNBOUNDED PRECEDING) - n AS first, n FROM baseline_counts) b
     JOIN (VALUES ${positions.map((p) => `(CAST(${p} AS BIGINT))`).join(', ')}) p(pos) ON p.pos >= b.first AND p.pos < b.first + b.n`,
  )
  const at = MODEL_FEATURES.map(() => new Map<number, number>())
  for (const row of rows) at[row.ord]!.set(Number(row.pos), row.value)
  const edges = {} as BaselineEdges
  MODEL_FEATURES.forEach((f, j) => {
    const value = (position: number): number => {
      const v = at[j]!.get(position)
      if (v === undefined) throw new StrataError('compute', `segment_model: no ${f} value at sorted position ${position} of ${n}`)
      return v
    }
    edges[f] = mergeEdges(levels.map((q) => quantileCont(n, q, value)))
  })
  return edges
}

/** The sorted positions quantile_cont reads for n values at level q. */
function quantilePositions(n: number, q: number): number[] {
  const rn = (n - 1) * q
  return [Math.floor(rn), Math.ceil(rn)]
}

/** DuckDB's quantile_cont of n sorted values at level q, given the value at each sorted position. */
export function quantileCont(n: number, q: number, valueAt: (position: number) => number): number {
  const rn = (n - 1) * q
  const lo = Math.floor(rn)
  const hi = Math.ceil(rn)
  if (lo === hi) return valueAt(lo)
  const d = rn - lo
  return valueAt(lo) * (1 - d) + valueAt(hi) * d
}
