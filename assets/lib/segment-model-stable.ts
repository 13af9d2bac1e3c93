import { StrataError } from '../../framework/errors/index.js'
import { quoteIdent, sqlString, type SqlEngine } from '../../framework/sql/index.js'
import { cdiSqlExpressions } from './cdi.js'
import type { FullKMeansResult } from './full-kmeans.js'
import { lloydKMeans } from './lloyd-kmeans.js'
import { MODEL_FEATURES, type ModelFeature, type ShareShrink } from './segment-model-types.js'
import type { FeaturePartition } from './segment-model-inputs.js'
import { project, type Matrix } from './segment-model-pca.js'
import { featureMatrix, firstByMd5 } from './segment-model-sample.js'
import { modelInput, SHARE_EVENTS } from './segments.js'

/**
 * The features the stable segmentation takes as ln(1 + x): the counts and the amount, whose long
 * right tails would otherwise decide the clusters. Shares and flags stay as they are.
 */
export const STABLE_LOG1P: readonly ModelFeature[] = ['app_logins_30d', 'webinars_90d', 'avg_notional_90d']
/**
 * Pseudo-events of the shares' shrinkage (segments.ts SHARE_EVENTS): a customer with e events, d
 * of them digital, enters as (d + 2p) / (e + 2), p the day's share over every customer. Without
 * it a customer with no ticket or no trade yet (most of them while the windows fill) reads as 0 %
 * digital; 2 and 5 gave the same results on generated data (BENCHMARKS.md).
 */
export const STABLE_SHRINK_WEIGHT = 2
/** k-means++ starts of the full k-means; the lowest inertia is kept (scikit-learn's KMeans default n_init). */
export const STABLE_INITS = 10
export const STABLE_MAX_ITERATIONS = 300

export interface StableFit {
  /** Rows of the day trained on (one per customer). */
  readonly n: number
  readonly means: number[]
  readonly scales: number[]
  /** The identity: the model works in standardised feature space, without PCA. */
  readonly components: Matrix
  /** Each standardised column's share of the total variance (1/7 each unless a column is constant). */
  readonly explainedVarianceRatio: number[]
  /** The k-means rows (standardised, md5 order, at most `limit`; also the rows the standardisation is taken over); its first rows are the silhouette sample. */
  readonly sample: Float64Array
  readonly kmeans: FullKMeansResult
  /** A relation of the day's rows: the seven features as the model takes them, cdi, n (= 1). */
  readonly source: string
  /** The shares' shrinkage (model.json `shrink`). */
  readonly shrink: ShareShrink
}

/**
 * The stable segmentation's clustering (issue 19, beside SPEC §5): one row per customer, the
 * window's last day (`last`), ln(1 + x) of STABLE_LOG1P, the shares of SHARE_EVENTS shrunk by
 * STABLE_SHRINK_WEIGHT pseudo-events towards the day's share; the first `limit` rows in
 * md5(partition | customer_id) order (every customer up to `limit`, a uniform sample of them
 * beyond, the same rows in any file order); each column standardised over those rows (population
 * mean and std; a std below 10 × machine epsilon gets scale 1); then a full k-means on them
 * (lloyd-kmeans.ts: k-means++, STABLE_INITS starts from `seed`). Standardising over the sample
 * rather than the whole day keeps the 1M-customer Monday from pulling a million rows into
 * JavaScript; on a uniform sample of 100,000 the means and scales differ from the day's by well
 * under 1 %. The transform runs in DuckDB with the SQL segments uses, so training and assignment
 * see the same bits.
 */
export async function fitStable(conn: SqlEngine, last: FeaturePartition, k: number, seed: number, limit: number): Promise<StableFit> {
  const file = `read_parquet(${sqlString(last.file)}) f`
  // Each share's prior: the day's digital events over all its events (exact integer sums).
  const shares = Object.entries(SHARE_EVENTS) as [ModelFeature, { digital: string; events: string }][]
  const sums = shares.map(([, e], i) => `sum(CAST(f.${quoteIdent(e.digital)} AS HUGEINT)) AS digital${i}, sum(CAST(f.${quoteIdent(e.events)} AS HUGEINT)) AS events${i}`)
  const [totals] = await conn.all<Record<string, bigint | null>>(`SELECT count(*) AS n, ${sums.join(', ')} FROM ${file}`)
  const n = Number(totals!.n ?? 0n)
  if (n < k) {
    throw new StrataError('input', `segment_model (stable): features ${last.partition} has ${n} rows, fewer than the ${k} clusters`, `Materialize features for more customers on ${last.partition}.`)
  }
  const priors: Partial<Record<ModelFeature, number>> = {}
  shares.forEach(([feature], i) => {
    const events = Number(totals![`events${i}`] ?? 0n)
    priors[feature] = events > 0 ? Number(totals![`digital${i}`] ?? 0n) / events : 0
  })
  const transform = { log1p: STABLE_LOG1P, shrink: { weight: STABLE_SHRINK_WEIGHT, priors } }
  const columns = MODEL_FEATURES.map((f) => `${modelInput(f, transform)} AS ${quoteIdent(f)}`).join(', ')
  const notFinite = MODEL_FEATURES.map((f) => `count(*) FILTER (WHERE NOT coalesce(isfinite(${modelInput(f, transform)}), FALSE)) AS ${quoteIdent(f)}`).join(', ')
  const [counts] = await conn.all<Record<ModelFeature, bigint>>(`SELECT ${notFinite} FROM ${file}`)
  const bad = MODEL_FEATURES.find((f) => counts![f] > 0n)
  if (bad !== undefined) {
    throw new StrataError('input', `segment_model (stable): features ${last.partition} has a ${bad} that is not a finite number after the model's transform`, `Rebuild features for ${last.partition}.`)
  }
  // The first `limit` rows in md5 order; a prefix filter on the hash spares sorting every row of a large day.
  const key = `md5(${sqlString(last.partition)} || '|' || CAST(f.customer_id AS VARCHAR))`
  const rows = await firstByMd5(key, n, limit, (filter) =>
    conn.all<Record<ModelFeature, number>>(`SELECT ${columns} FROM ${file} ${filter} ORDER BY ${key}, CAST(f.customer_id AS VARCHAR) LIMIT ${limit}`),
  )
  const d = MODEL_FEATURES.length
  const data = featureMatrix(rows)
  const { means, scales, variances } = standardisation(data, d)
  const components = MODEL_FEATURES.map((_, i) => MODEL_FEATURES.map((__, j) => (i === j ? 1 : 0)))
  const total = variances.reduce((s, v, j) => s + v / scales[j]! / scales[j]!, 0)
  const explainedVarianceRatio = variances.map((v, j) => (total > 0 ? v / scales[j]! / scales[j]! / total : 0))
  const sample = project(data, means, scales, components)
  const kmeans = lloydKMeans(sample, d, { k, inits: STABLE_INITS, seed, maxIterations: STABLE_MAX_ITERATIONS })
  // The day's rows as the model takes them, with their CDI, each of weight 1: the shrunk shares need
  // the event counts, which feature_stats' distinct vectors do not keep (grouping the day's rows
  // again did not pay at 1M customers).
  const source = `(SELECT ${columns}, ${cdiSqlExpressions('f').cdi} AS cdi, CAST(1 AS BIGINT) AS n FROM ${file})`
  return { n, means, scales, components, explainedVarianceRatio, sample, kmeans, source, shrink: transform.shrink }
}

/** Population mean and variance per column, summed in row order (so the same rows give the same bits); scale = std, or 1 when below 10 × machine epsilon. */
function standardisation(data: Float64Array, d: number): { means: number[]; scales: number[]; variances: number[] } {
  const n = data.length / d
  const means = new Array<number>(d).fill(0)
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) means[j]! += data[i * d + j]!
  for (let j = 0; j < d; j++) means[j] = means[j]! / n
  const variances = new Array<number>(d).fill(0)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const diff = data[i * d + j]! - means[j]!
      variances[j]! += diff * diff
    }
  }
  for (let j = 0; j < d; j++) variances[j] = variances[j]! / n
  const scales = variances.map((v) => {
    const std = Math.sqrt(v)
    return std < 10 * Number.EPSILON ? 1 : std
  })
  return { means, scales, variances }
}
