import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import type { SqlEngine } from '../../framework/sql/index.js'
import { combineMoments, FEATURE_STATS_FILE, readFeatureStats, SAMPLE_ROWS_PER_PARTITION } from './feature-stats.js'
import { pairwiseAgreement } from './adjusted-rand.js'
import { labelRows, miniBatchKMeans } from './mini-batch-kmeans.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type SegmentModel, type SegmentModelQuality, type SegmentName } from './segment-model-types.js'
import { assignAll, nameClusters } from './segment-model-assignment.js'
import { BASELINE_COUNTS, baselineEdges, writeBaseline } from './segment-model-baseline.js'
import { checkFeatureRows, checkPartitions, checkStats, type FeaturePartition, type FeatureStatsPartition, type TrainingWindow } from './segment-model-inputs.js'
import { PCA_COMPONENTS, principalComponents, project, standardisedCovariance } from './segment-model-pca.js'
import { loadSample } from './segment-model-sample.js'
import { silhouetteScore } from './segment-model-silhouette.js'
import { createWindowGroups, WINDOW_GROUPS } from './segment-model-window-groups.js'

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
  /** The requested window, Monday-90 … Monday-1. */
  readonly window: TrainingWindow
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
    const centroids: number[][] = Array.from({ length: CLUSTERS }, (_, c) => Array.from(kmeans.centroids.subarray(c * PCA_COMPONENTS, (c + 1) * PCA_COMPONENTS)))

    const clusters = await assignAll(conn, WINDOW_GROUPS, means, scales, components, centroids)
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
    for (const table of [BASELINE_COUNTS, WINDOW_GROUPS]) await conn.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined)
    conn.close()
  }
}


/** Training rows, standardisation and principal axes of the window, from its feature_stats moments. */
function windowMoments(stats: readonly FeatureStatsPartition[], window: TrainingWindow) {
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
