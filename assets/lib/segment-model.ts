import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import type { SqlEngine } from '../../framework/sql/index.js'
import { combineMoments, FEATURE_STATS_FILE, readFeatureStats, SAMPLE_ROWS_PER_PARTITION } from './feature-stats.js'
import { pairwiseAgreement } from './adjusted-rand.js'
import { canonicalRows, labelRows } from './mini-batch-kmeans.js'
import { refinedMiniBatchKMeans } from './refined-kmeans.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type Segmentation, type SegmentModel, type SegmentModelQuality, type SegmentName, type ShareShrink } from './segment-model-types.js'
import { assignAll, nameClusters, sourceTotals, type SourceTotals } from './segment-model-assignment.js'
import { BASELINE_COUNTS, baselineDriftFiles, writeBaseline } from './segment-model-baseline.js'
import { BASELINE_BINS_FILE, writeBaselineBins } from './baseline-bins.js'
import { checkFeatureRows, checkPartitions, checkStats, type FeaturePartition, type FeatureStatsPartition, type TrainingWindow } from './segment-model-inputs.js'
import { PCA_COMPONENTS, principalComponents, project, standardisedCovariance } from './segment-model-pca.js'
import { loadSample } from './segment-model-sample.js'
import { silhouetteScore } from './segment-model-silhouette.js'
import { windowGroups } from './segment-model-window-groups.js'
import { windowFiles } from './segment-model-window-files.js'
import type { WeekStatsPartition } from './week-stats.js'
import { fitStable, STABLE_LOG1P, STABLE_MAX_ITERATIONS } from './segment-model-stable.js'

/** Files trainSegmentModel writes inside its output folder. */
export const MODEL_FILE = 'model.json'
export const BASELINE_FILE = 'baseline.parquet'
export const BASELINE_EDGES_FILE = 'baseline_edges.json'

/** SPEC §5: k = 4, seed 42 (the PCA's six components are in segment-model-pca.ts). */
export const CLUSTERS = SEGMENT_NAMES.length
export const KMEANS_SEED = 42
/**
 * Rows the iterative k-means sees; inertia and naming still use every training row. It is the
 * number of candidates each feature_stats partition keeps, so the union of those holds the sample.
 */
export const KMEANS_SAMPLE_ROWS = SAMPLE_ROWS_PER_PARTITION
/** SPEC §5: the silhouette is computed on at most this many rows. */
export const SILHOUETTE_SAMPLE_ROWS = 10_000

export interface TrainSegmentModelOptions {
  readonly db: SqlEngine
  /** The features partitions that exist in the window, in any order. */
  readonly features: readonly FeaturePartition[]
  /** The feature_stats partitions of the same days, in any order. */
  readonly stats: readonly FeatureStatsPartition[]
  /** week_stats partitions of the window, each read in place of the 7 days it sums; none reads every day. */
  readonly weeks?: readonly WeekStatsPartition[]
  /** The requested window, Monday-90 … Monday-1. */
  readonly window: TrainingWindow
  readonly outputDir: string
  /** `spec` (SPEC §5, the default) or `stable` (segment-model-stable.ts). */
  readonly segmentation?: Segmentation
  /** The k-means seed; SPEC §5's 42 unless a benchmark measures agreement between seeds. */
  readonly seed?: number
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
  /** Present for the stable segmentation. */
  readonly segmentation?: 'stable'
}

/**
 * segment_model(week) (SPEC §5): standardise the seven model features over every customer-day
 * row of the window, PCA to six components, mini-batch k-means (k = 4) on a deterministic
 * sample, then name the centroids by the mean CDI of all training rows nearest to them. Writes
 * `model.json` (the SegmentModel document), `baseline.parquet` (feature, value, n: the training
 * distribution of each model feature), `baseline_edges.json` (the PSI bin edges) and
 * `baseline_bins.json` (the baseline's drift bins, see baseline-bins.ts) into `outputDir`.
 * Training twice on the same files gives byte-identical `model.json`.
 *
 * Everything additive over days comes from the feature_stats partitions, computed once per day
 * rather than once per week that reads it: the moments (exact sums, so means and covariance),
 * the md5-first candidate rows (the sample is the first rows of their union) and the distinct
 * (features, CDI) vectors with their row counts. Those vectors, summed over the window (~10×
 * fewer than its rows), give the final assignment, which needs the centroids (once per vector,
 * weighted by its count), and the baseline (each feature's distinct values with their counts).
 * Only the k-means sample (≤ 100,000 rows) and the silhouette sample (≤ 10,000 rows) come into
 * JavaScript.
 *
 * With `segmentation: 'stable'` the clustering is segment-model-stable.ts's instead (the window's
 * last day, one row per customer, no PCA, full k-means); naming, inertia, silhouette, quality
 * figures and the baseline (still of the whole window) are computed the same way.
 */
export async function trainSegmentModel(options: TrainSegmentModelOptions): Promise<TrainMetadata> {
  const { db, window, outputDir } = options
  const segmentation = options.segmentation ?? 'spec'
  const seed = options.seed ?? KMEANS_SEED
  const partitions = checkPartitions(options.features, window)
  const stats = checkStats(options.stats, partitions, window)

  const conn = await db.connect()
  try {
    const moments = windowMoments(stats, window)
    await checkFeatureRows(conn, partitions, moments.n, window)
    const files = windowFiles(stats, options.weeks ?? [], window)
    const fit = segmentation === 'stable' ? await stableClustering(conn, partitions, seed) : await specClustering(conn, partitions, stats, moments, seed, await windowGroups(conn, files, moments.n, window))
    const { dim, sample } = fit
    const centroids: number[][] = Array.from({ length: CLUSTERS }, (_, c) => Array.from(fit.centres.subarray(c * dim, (c + 1) * dim)))

    const clusters = await assignAll(conn, fit.sources, fit, centroids, fit.totals)
    const assigned = clusters.sizes.reduce((s, v) => s + v, 0n)
    if (assigned !== BigInt(fit.n)) {
      throw new StrataError('compute', `segment_model: ${assigned} of the ${fit.n} training rows of ${fit.window.from} .. ${fit.window.to} were assigned to a cluster`)
    }
    const names = nameClusters(clusters)
    const sampleRows = sample.length / dim
    const silhouetteRows = Math.min(SILHOUETTE_SAMPLE_ROWS, sampleRows)
    const silhouetteSample = sample.subarray(0, silhouetteRows * dim)
    const labels = labelRows(silhouetteSample, dim, fit.centres, CLUSTERS)
    const silhouette = silhouetteScore(silhouetteSample, dim, labels, CLUSTERS)
    const clusterSizes = Object.fromEntries(SEGMENT_NAMES.map((name) => [name, 0])) as Record<SegmentName, number>
    names.forEach((name, c) => (clusterSizes[name] = Number(clusters.sizes[c] ?? 0n)))
    const quality: SegmentModelQuality = {
      cluster_sizes: clusterSizes,
      kmeans: fit.kmeans,
      candidates: {
        inertias: fit.candidates.map((c) => c.inertia),
        chosen: fit.chosen,
        agreement: pairwiseAgreement(fit.candidates.map((c) => labelRows(silhouetteSample, dim, c.centres, CLUSTERS))),
      },
    }

    const body = {
      features: [...MODEL_FEATURES],
      ...(fit.shrink !== undefined ? { segmentation: 'stable' as const, log1p: [...STABLE_LOG1P], shrink: fit.shrink } : {}),
      means: fit.means,
      scales: fit.scales,
      components: fit.components,
      explained_variance_ratio: fit.explainedVarianceRatio,
      centroids,
      names,
      inertia: clusters.inertia,
      silhouette,
      training_rows: fit.n,
      window: fit.window,
      quality,
    }
    const model: SegmentModel = { ...body, version: modelVersion(body) }

    mkdirSync(outputDir, { recursive: true })
    writeFileSync(path.join(outputDir, MODEL_FILE), `${JSON.stringify(model, null, 2)}\n`)
    // Both methods keep the baseline of the whole window, so drift measures the same thing under either.
    await writeBaseline(conn, files.values, moments.n, path.join(outputDir, BASELINE_FILE))
    const drift = await baselineDriftFiles(conn, moments.n)
    writeFileSync(path.join(outputDir, BASELINE_EDGES_FILE), `${JSON.stringify(drift.edges, null, 2)}\n`)
    writeBaselineBins(path.join(outputDir, BASELINE_BINS_FILE), drift.bins)

    return {
      training_rows: fit.n,
      window_from: fit.window.from,
      window_to: fit.window.to,
      partitions_used: fit.partitionsUsed,
      inertia: clusters.inertia,
      silhouette,
      version: model.version,
      cluster_sizes: clusterSizes,
      ...(segmentation === 'stable' ? { segmentation } : {}),
    }
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${BASELINE_COUNTS}`).catch(() => undefined)
    conn.close()
  }
}

/** What either method hands to the shared assignment, naming and quality figures. */
interface Clustering {
  readonly n: number
  readonly window: TrainingWindow
  readonly partitionsUsed: number
  readonly means: number[]
  readonly scales: number[]
  readonly components: number[][]
  readonly explainedVarianceRatio: number[]
  /** k × dim, row-major, in the model's space. */
  readonly centres: Float64Array
  readonly dim: number
  /** The rows the k-means saw, in the model's space; the first ones are the silhouette sample. */
  readonly sample: Float64Array
  /** The distinct training vectors (features as the model takes them, cdi, n) for assignAll. */
  readonly sources: readonly string[]
  readonly totals: SourceTotals
  readonly kmeans: SegmentModelQuality['kmeans']
  readonly candidates: readonly { readonly centres: Float64Array; readonly inertia: number }[]
  readonly chosen: number
  /** The stable segmentation's shrinkage of shares (absent for spec). */
  readonly shrink?: ShareShrink
}

/** SPEC §5: every row of the window, PCA, mini-batch k-means (refined, refined-kmeans.ts) on the md5-first sample. */
async function specClustering(conn: SqlEngine, partitions: readonly FeaturePartition[], stats: readonly FeatureStatsPartition[], moments: ReturnType<typeof windowMoments>, seed: number, groups: readonly string[]): Promise<Clustering> {
  const { n, means, scales, components, explainedVarianceRatio, totals } = moments
  const sample = project(await loadSample(conn, partitions, stats, n, KMEANS_SAMPLE_ROWS), means, scales, components)
  const kmeans = refinedMiniBatchKMeans(sample, PCA_COMPONENTS, { k: CLUSTERS, seed })
  return {
    n,
    window: { from: partitions[0]!.partition, to: partitions[partitions.length - 1]!.partition },
    partitionsUsed: partitions.length,
    means,
    scales,
    components,
    explainedVarianceRatio,
    centres: kmeans.centroids,
    dim: PCA_COMPONENTS,
    sample,
    sources: groups,
    totals,
    kmeans: {
      algorithm: 'mini-batch',
      rows: sample.length / PCA_COMPONENTS,
      distinct_rows: kmeans.miniBatch.distinctRows,
      steps: kmeans.miniBatch.steps,
      max_steps: kmeans.miniBatch.maxSteps,
      early_stop: kmeans.miniBatch.earlyStop,
      reassignments: kmeans.miniBatch.reassignments,
      refine_iterations: kmeans.refineIterations,
    },
    candidates: kmeans.candidates,
    chosen: kmeans.chosen,
  }
}

/** The stable segmentation (segment-model-stable.ts): the window's last day, one row per customer. */
async function stableClustering(conn: SqlEngine, partitions: readonly FeaturePartition[], seed: number): Promise<Clustering> {
  const last = partitions[partitions.length - 1]!
  const fit = await fitStable(conn, last, CLUSTERS, seed, KMEANS_SAMPLE_ROWS)
  const dim = MODEL_FEATURES.length
  const kept = fit.kmeans.runs[fit.kmeans.chosen]!
  const sources = [fit.source]
  return {
    n: fit.n,
    window: { from: last.partition, to: last.partition },
    partitionsUsed: 1,
    means: fit.means,
    scales: fit.scales,
    components: fit.components,
    explainedVarianceRatio: fit.explainedVarianceRatio,
    centres: fit.kmeans.centroids,
    dim,
    sample: fit.sample,
    sources,
    totals: await sourceTotals(conn, sources, fit),
    kmeans: {
      algorithm: 'lloyd',
      rows: fit.sample.length / dim,
      distinct_rows: canonicalRows(fit.sample, dim).weights.length,
      steps: kept.iterations,
      max_steps: STABLE_MAX_ITERATIONS,
      early_stop: kept.converged,
      reassignments: 0,
    },
    candidates: fit.kmeans.runs,
    chosen: fit.kmeans.chosen,
    shrink: fit.shrink,
  }
}

/**
 * Training rows, standardisation and principal axes of the window, from its feature_stats moments;
 * with the SourceTotals of its rows for the assignment pass (Σ n·|p|² = n · Σ_a w_aᵀ S w_a, S the
 * standardised covariance, since the means are the window's own up to their rounding, which
 * `centredSums` carries).
 */
function windowMoments(stats: readonly FeatureStatsPartition[], window: TrainingWindow) {
  const docs = stats.map((s) => readFeatureStats(path.join(s.dir, FEATURE_STATS_FILE), s.partition))
  const { n, means, covariance, centredSums } = combineMoments(docs)
  if (n === 0) {
    throw new StrataError('input', `segment_model: the features partitions of the training window ${window.from} .. ${window.to} have no rows`, 'Rebuild features for the window.')
  }
  // The integer sums of the assignment (2^48 per unit, times n) and of the moments must stay inside HUGEINT.
  if (n >= 2 ** 32) throw new StrataError('compute', `segment_model: ${n} training rows exceed the exact-sum capacity (2^32)`)
  const scales = covariance.map((row, j) => {
    const std = Math.sqrt(row[j]!)
    return std < 10 * Number.EPSILON ? 1 : std
  })
  const standardised = standardisedCovariance(covariance, scales)
  const axes = principalComponents(standardised)
  const spread = axes.components.reduce((sum, w) => sum + w.reduce((s, wj, j) => s + wj * w.reduce((t, wk, k) => t + standardised[j]![k]! * wk, 0), 0), 0)
  const totals: SourceTotals = { squaredNorm: n * spread, centredSums }
  return { n, means, scales, ...axes, totals }
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
