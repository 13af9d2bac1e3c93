import { kmeans } from 'ml-kmeans'
import { StrataError } from '../../framework/errors/index.js'
import { inertiaOf } from './mini-batch-kmeans.js'

export interface FullKMeansOptions {
  readonly k: number
  /** Independent k-means++ starts; the run with the lowest inertia is kept. */
  readonly inits?: number
  /** Seed of the first start; start t uses seed + t. */
  readonly seed?: number
  readonly maxIterations?: number
}

export interface FullKMeansRun {
  /** k × dim, row-major. */
  readonly centres: Float64Array
  /** Σ squared distance of the rows to their nearest centre. */
  readonly inertia: number
  readonly iterations: number
  readonly converged: boolean
}

export interface FullKMeansResult {
  readonly centroids: Float64Array
  readonly inertia: number
  /** Every start's converged run, in start order. */
  readonly runs: readonly FullKMeansRun[]
  /** Index of the kept run (lowest inertia, first on a tie). */
  readonly chosen: number
}

/**
 * Full-batch k-means (Lloyd, `ml-kmeans`: greedy k-means++ starts, up to `maxIterations`
 * iterations each) from `inits` seeds, keeping the lowest inertia, as scikit-learn's KMeans with
 * n_init = 10 does. The independent reference that the benchmarks and tests measure Strata's own
 * k-means code against (the mini-batch of SPEC §5 and lloyd-kmeans.ts, the stable segmentation's).
 *
 * @param data n × dim row-major.
 */
export function fullKMeans(data: Float64Array, dim: number, options: FullKMeansOptions): FullKMeansResult {
  const { k, inits = 10, seed = 42, maxIterations = 300 } = options
  const n = data.length / dim
  if (!Number.isInteger(n) || n < k || !Number.isInteger(inits) || inits < 1) {
    throw new StrataError('compute', `full k-means needs at least k = ${k} rows of ${dim} values and inits ≥ 1 (got ${data.length} values, inits ${inits})`)
  }
  const rows = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * dim, (i + 1) * dim)))
  const runs: FullKMeansRun[] = []
  let chosen = 0
  for (let t = 0; t < inits; t++) {
    const result = kmeans(rows, k, { initialization: 'kmeans++', seed: seed + t, maxIterations })
    const centres = Float64Array.from(result.centroids.flat())
    const inertia = inertiaOf(data, dim, centres, k)
    runs.push({ centres, inertia, iterations: result.iterations, converged: result.converged })
    if (inertia < runs[chosen]!.inertia) chosen = t
  }
  const best = runs[chosen]!
  return { centroids: best.centres, inertia: best.inertia, runs, chosen }
}
