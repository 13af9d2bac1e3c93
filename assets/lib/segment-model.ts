import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { PCA } from 'ml-pca'
import { StrataError } from '../../framework/errors/index.js'
import { quoteIdent, sqlString, sqlStringList, type SqlEngine } from '../../framework/sql/index.js'
import { combineMoments, FEATURE_GROUPS_FILE, FEATURE_SAMPLE_FILE, FEATURE_STATS_FILE, readFeatureStats, SAMPLE_ROWS_PER_PARTITION } from './feature-stats.js'
import { pairwiseAgreement } from './adjusted-rand.js'
import { labelRows, miniBatchKMeans } from './mini-batch-kmeans.js'
import { mergeEdges } from './psi.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type BaselineEdges, type ModelFeature, type SegmentModel, type SegmentModelQuality, type SegmentName } from './segment-model-types.js'
import { doubleLiteral } from './segments.js'

/** Files trainSegmentModel writes inside its output folder. */
export const MODEL_FILE = 'model.json'
export const BASELINE_FILE = 'baseline.parquet'
export const BASELINE_EDGES_FILE = 'baseline_edges.json'

/** SPEC §5: min(6, 7) components, k = 4, seed 42. */
export const PCA_COMPONENTS = 6
export const CLUSTERS = SEGMENT_NAMES.length
export const KMEANS_SEED = 42
/**
 * Rows the iterative k-means sees; inertia and naming still use every training row. It is the
 * number of candidates each feature_stats partition keeps, so the union of those holds the sample.
 */
export const KMEANS_SAMPLE_ROWS = SAMPLE_ROWS_PER_PARTITION
/** SPEC §5: the silhouette is computed on at most this many rows. */
export const SILHOUETTE_SAMPLE_ROWS = 10_000
/** The PSI bin edges of SPEC §7: the 10%..90% quantiles. */
export const EDGE_QUANTILES = ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'] as const

/**
 * Inertia is summed exactly in DuckDB as integers: each squared distance (standardised PCA
 * space) is rounded to a grid of 2^-48, so that parallel aggregation (whose combine order varies
 * between runs) still gives the same bits on every rerun.
 */
const GRID_BITS = 48
const GRID = 2 ** GRID_BITS

export interface FeaturePartition {
  /** The daily partition key, YYYY-MM-DD. */
  readonly partition: string
  /** Its features.parquet. */
  readonly file: string
}

export interface FeatureStatsPartition {
  /** The daily partition key, YYYY-MM-DD. */
  readonly partition: string
  /** The feature_stats partition folder (stats.json, sample.parquet and groups.parquet are read). */
  readonly dir: string
}

export interface TrainSegmentModelOptions {
  readonly db: SqlEngine
  /** The features partitions that exist in the window, in any order. */
  readonly features: readonly FeaturePartition[]
  /** The feature_stats partitions of the same days, in any order. */
  readonly stats: readonly FeatureStatsPartition[]
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
 * Everything additive over days comes from the feature_stats partitions, computed once per day
 * rather than once per week that reads it: the moments (exact sums, so means and covariance),
 * the md5-first candidate rows (the sample is the first rows of their union) and the distinct
 * (features, CDI) vectors with their row counts. Those vectors, summed over the window (~10×
 * fewer than its rows), give the final assignment, which needs the centroids (once per vector,
 * weighted by its count), and the baseline (each feature's distinct values with their counts).
 * Only the k-means sample (≤ 100,000 rows) and the silhouette sample (≤ 10,000 rows) come into
 * JavaScript.
 */
export async function trainSegmentModel(options: TrainSegmentModelOptions): Promise<TrainMetadata> {
  const { db, window, outputDir } = options
  const partitions = checkPartitions(options.features, window)
  const stats = checkStats(options.stats, partitions, window)

  const conn = await db.connect()
  try {
    const { n, means, scales, components, explainedVarianceRatio } = windowMoments(stats, window)
    await checkFeatureRows(conn, partitions, n, window)
    await createWindowGroups(conn, stats, n, window)
    const sample = await loadSample(conn, partitions, stats, n, KMEANS_SAMPLE_ROWS)
    const projected = project(sample, means, scales, components)
    const kmeans = miniBatchKMeans(projected, PCA_COMPONENTS, { k: CLUSTERS, seed: KMEANS_SEED })
    const sampleRows = projected.length / PCA_COMPONENTS
    const centroids: Matrix = Array.from({ length: CLUSTERS }, (_, c) => Array.from(kmeans.centroids.subarray(c * PCA_COMPONENTS, (c + 1) * PCA_COMPONENTS)))

    const clusters = await assignAll(conn, means, scales, components, centroids)
    const assigned = clusters.sizes.reduce((s, v) => s + v, 0n)
    if (assigned !== BigInt(n)) {
      throw new StrataError('compute', `segment_model: ${assigned} of the ${n} training rows of ${window.from} .. ${window.to} were assigned to a cluster`)
    }
    const names = nameClusters(clusters)
    const silhouetteRows = Math.min(SILHOUETTE_SAMPLE_ROWS, sampleRows)
    const silhouetteSample = projected.subarray(0, silhouetteRows * PCA_COMPONENTS)
    const labels = labelRows(silhouetteSample, PCA_COMPONENTS, kmeans.centroids, CLUSTERS)
    const silhouette = silhouetteScore(silhouetteSample, PCA_COMPONENTS, labels, CLUSTERS)
    const clusterSizes = Object.fromEntries(SEGMENT_NAMES.map((name) => [name, 0])) as Record<SegmentName, number>
    names.forEach((name, c) => (clusterSizes[name] = Number(clusters.sizes[c] ?? 0n)))
    const quality: SegmentModelQuality = {
      cluster_sizes: clusterSizes,
      kmeans: {
        algorithm: 'mini-batch',
        rows: sampleRows,
        distinct_rows: kmeans.distinctRows,
        steps: kmeans.steps,
        max_steps: kmeans.maxSteps,
        early_stop: kmeans.earlyStop,
        reassignments: kmeans.reassignments,
      },
      candidates: {
        inertias: kmeans.candidates.map((c) => c.inertia),
        chosen: kmeans.chosen,
        agreement: pairwiseAgreement(kmeans.candidates.map((c) => labelRows(silhouetteSample, PCA_COMPONENTS, c.centres, CLUSTERS))),
      },
    }

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
      quality,
    }
    const model: SegmentModel = { ...body, version: modelVersion(body) }

    mkdirSync(outputDir, { recursive: true })
    writeFileSync(path.join(outputDir, MODEL_FILE), `${JSON.stringify(model, null, 2)}\n`)
    await writeBaseline(conn, path.join(outputDir, BASELINE_FILE))
    writeFileSync(path.join(outputDir, BASELINE_EDGES_FILE), `${JSON.stringify(await baselineEdges(conn, n), null, 2)}\n`)

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
    for (const table of ['baseline_counts', WINDOW_GROUPS]) await conn.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined)
    conn.close()
  }
}

/** Training rows, standardisation and principal axes of the window, from its feature_stats moments. */
function windowMoments(stats: readonly FeatureStatsPartition[], window: { from: string; to: string }) {
  const docs = stats.map((s) => readFeatureStats(path.join(s.dir, FEATURE_STATS_FILE), s.partition))
  const { n, means, covariance } = combineMoments(docs)
  if (n === 0) {
    throw new StrataError('input', `segment_model: the features partitions of the training window ${window.from} .. ${window.to} have no rows`, 'Rebuild features for the window.')
  }
  // 2^94 per product term of the inertia grid times n rows must stay inside HUGEINT.
  if (n >= 2 ** 32) throw new StrataError('compute', `segment_model: ${n} training rows exceed the exact-sum capacity (2^32)`)
  const scales = covariance.map((row, j) => {
    const std = Math.sqrt(row[j]!)
    return std < 10 * Number.EPSILON ? 1 : std
  })
  return { n, means, scales, ...principalComponents(standardisedCovariance(covariance, scales)) }
}

/**
 * The rows the model's k-means trains on, projected as trainSegmentModel projects them (n × 6):
 * for benchmarks that compare the clustering with another on the same data.
 */
export async function kmeansTrainingRows(options: Omit<TrainSegmentModelOptions, 'outputDir'>): Promise<Float64Array> {
  const { db, window } = options
  const partitions = checkPartitions(options.features, window)
  const stats = checkStats(options.stats, partitions, window)
  const { n, means, scales, components } = windowMoments(stats, window)
  const conn = await db.connect()
  try {
    return project(await loadSample(conn, partitions, stats, n, KMEANS_SAMPLE_ROWS), means, scales, components)
  } finally {
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

/** The feature_stats partitions, sorted; they must be exactly the days of the features partitions. */
function checkStats(stats: readonly FeatureStatsPartition[], features: readonly FeaturePartition[], window: { from: string; to: string }): FeatureStatsPartition[] {
  const sorted = [...stats].sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0))
  const want = features.map((p) => p.partition).join(',')
  if (sorted.map((p) => p.partition).join(',') !== want) {
    const have = new Set(sorted.map((p) => p.partition))
    const missing = features.filter((p) => !have.has(p.partition)).map((p) => p.partition)
    throw new StrataError(
      'input',
      `segment_model: the feature_stats partitions of ${window.from} .. ${window.to} do not match its features partitions${missing.length > 0 ? ` (missing ${missing.join(', ')})` : ''}`,
      `Materialize feature_stats for the window (strata materialize feature_stats --from ${window.from} --to ${window.to}), then rerun segment_model.`,
    )
  }
  return sorted
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
 * The features files must hold the rows the feature_stats partitions describe (a feature_stats
 * partition left over from an older features file would otherwise go unnoticed, since the model
 * reads only feature_stats). Parquet row counts come from the file footers.
 */
async function checkFeatureRows(conn: SqlEngine, partitions: readonly FeaturePartition[], n: number, window: { from: string; to: string }): Promise<void> {
  const [row] = await conn.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${sqlStringList(partitions.map((p) => p.file))})`)
  expectRows(row?.n ?? 0n, n, 'the features files', 'their feature_stats count', window)
}

/** Refuses a window whose files disagree with the row count of its feature_stats. */
function expectRows(rows: bigint, n: number, what: string, counted: string, window: { from: string; to: string }): void {
  if (rows === BigInt(n)) return
  throw new StrataError(
    'corrupt',
    `segment_model: ${what} of ${window.from} .. ${window.to} hold ${rows} rows, but ${counted} ${n}`,
    `Rebuild feature_stats for the window (strata materialize feature_stats --from ${window.from} --to ${window.to} --force).`,
  )
}

/**
 * The k-means sample: up to `limit` training rows in the order of md5(partition | customer_id),
 * a hash any tool can reproduce, so the sample is the same on every rerun and spread over all
 * days and customers. Row-major, seven features per row. Its first rows are the silhouette sample.
 *
 * Each feature_stats partition keeps its candidates (sample.parquet: its rows with md5 below
 * SAMPLE_MD5_BELOW, at most its first `limit`); when the union holds at least `limit` rows, its
 * first `limit` are the window's (see SAMPLE_ROWS_PER_PARTITION). Only candidates whose md5 falls
 * below a threshold (its first 8 hex digits, chosen so that comfortably more than `limit` rows
 * of all n pass) are ordered; the files are in md5 order with small row groups, so the filter
 * skips most of them. Every row that the full order puts first passes too, so the result is the
 * same; when too few pass, the unfiltered query runs, and when the candidates of a short window
 * are fewer than `limit` (and than n), the same order is taken over the features files.
 */
async function loadSample(conn: SqlEngine, partitions: readonly FeaturePartition[], stats: readonly FeatureStatsPartition[], n: number, limit: number): Promise<Float64Array> {
  const columns = MODEL_FEATURES.map(quoteIdent).join(', ')
  const order = `ORDER BY md5, partition, customer_id, ${columns} LIMIT ${limit}`
  const files = sqlStringList(stats.map((s) => path.join(s.dir, FEATURE_SAMPLE_FILE)))
  const query = (filter: string): Promise<Record<ModelFeature, number>[]> =>
    conn.all<Record<ModelFeature, number>>(`SELECT ${columns} FROM read_parquet(${files}) ${filter} ${order}`)
  const threshold = md5Threshold(n, limit)
  let rows = threshold === undefined ? await query('') : await query(`WHERE md5 < ${sqlString(threshold)}`)
  if (threshold !== undefined && rows.length < limit) rows = await query('')
  if (rows.length < limit && rows.length < n) {
    const casts = MODEL_FEATURES.map((f) => `CAST(f.${quoteIdent(f)} AS DOUBLE) AS ${quoteIdent(f)}`).join(', ')
    const names = partitions.map((p) => `(${sqlString(p.file)}, ${sqlString(p.partition)})`).join(', ')
    rows = await conn.all<Record<ModelFeature, number>>(
      `SELECT ${columns} FROM (
         SELECT m.partition, CAST(f.customer_id AS VARCHAR) AS customer_id, md5(m.partition || '|' || CAST(f.customer_id AS VARCHAR)) AS md5, ${casts}
         FROM read_parquet(${sqlStringList(partitions.map((p) => p.file))}, filename = true, hive_partitioning = false) f JOIN (VALUES ${names}) m(file, partition) ON f.filename = m.file
       ) ${order}`,
    )
  }
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

/** The temp table of the window's distinct vectors: the seven features, cdi, n (training rows). */
const WINDOW_GROUPS = 'segment_model_groups'

/**
 * The window's feature_stats groups (seven features, CDI, row count) summed again over the days,
 * into WINDOW_GROUPS; their counts must add up to the n of the statistics.
 */
async function createWindowGroups(conn: SqlEngine, stats: readonly FeatureStatsPartition[], n: number, window: { from: string; to: string }): Promise<void> {
  const columns = [...MODEL_FEATURES.map(quoteIdent), 'cdi'].join(', ')
  const files = sqlStringList(stats.map((s) => path.join(s.dir, FEATURE_GROUPS_FILE)))
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${WINDOW_GROUPS} AS SELECT ${columns}, CAST(sum(n) AS BIGINT) AS n FROM read_parquet(${files}) GROUP BY ALL`)
  const [row] = await conn.all<{ n: bigint | null }>(`SELECT CAST(sum(n) AS BIGINT) AS n FROM ${WINDOW_GROUPS}`)
  expectRows(row?.n ?? 0n, n, 'the feature_stats groups', 'their statistics count', window)
}

/**
 * The pass over every training row, once per distinct vector of the window (WINDOW_GROUPS):
 * nearest centroid and squared distance per vector, grouped by cluster with each vector weighted
 * by its count. Equal vectors give equal distance bits, so Σ round(dist · 2^48) · n is exactly
 * the per-row sum of the grid values (HUGEINT), and the CDI (an integer) sums exactly too.
 */
async function assignAll(conn: SqlEngine, means: readonly number[], scales: readonly number[], components: Matrix, centroids: Matrix): Promise<ClusterStats> {
  const source = WINDOW_GROUPS
  const rows = await conn.all<{ label: number; n: bigint; cdi_sum: bigint; dist_grid: bigint }>(
    `SELECT label, CAST(sum(n) AS HUGEINT) AS n, sum(CAST(cdi AS HUGEINT) * n) AS cdi_sum, sum(CAST(round(dist * ${doubleLiteral(GRID)}) AS HUGEINT) * n) AS dist_grid
     FROM (${nearestCentroidSql(source, means, scales, components, centroids)})
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
 * count: per feature, the window's distinct vectors grouped by that feature's value (exact BIGINT
 * sums; the same counts as the grouped sum of the days' values.parquet, from ~5× fewer rows).
 * The counts stay in the temp table `baseline_counts` for `baselineEdges`; each feature's counts
 * add up to the training rows, since the window's groups do (createWindowGroups).
 */
async function writeBaseline(conn: SqlEngine, file: string): Promise<void> {
  const names = `(VALUES ${MODEL_FEATURES.map((f, j) => `(${j}, ${sqlString(f)})`).join(', ')}) m(ord, feature)`
  const parts = MODEL_FEATURES.map((f, j) => `SELECT ${j} AS ord, ${quoteIdent(f)} AS value, CAST(sum(n) AS BIGINT) AS n FROM ${WINDOW_GROUPS} GROUP BY ${quoteIdent(f)}`)
  await conn.run(`CREATE OR REPLACE TEMP TABLE baseline_counts AS ${parts.join(' UNION ALL ')}`)
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
 * Each feature's counts add up to n, so the running sum over (ord, value) less ord · n is the
 * running sum within the feature: one ordered pass, far cheaper in DuckDB than a partitioned window.
 */
async function baselineEdges(conn: SqlEngine, n: number): Promise<BaselineEdges> {
  const levels = EDGE_QUANTILES.map(Number)
  const positions = [...new Set(levels.flatMap((q) => quantilePositions(n, q)))].sort((a, b) => a - b)
  const rows = await conn.all<{ ord: number; pos: bigint; value: number }>(
    `SELECT b.ord, p.pos, b.value
     FROM (SELECT ord, value, sum(n) OVER (ORDER BY ord, value ROWS UNBOUNDED PRECEDING) - n - ord * CAST(${n} AS HUGEINT) AS first, n FROM baseline_counts) b
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
