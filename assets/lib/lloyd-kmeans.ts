import { StrataError } from '../../framework/errors/index.js'
import type { FullKMeansOptions, FullKMeansResult, FullKMeansRun } from './full-kmeans.js'
import { inertiaOf, kMeansPlusPlus } from './mini-batch-kmeans.js'
import { mulberry32 } from './mulberry32.js'

/**
 * Full-batch k-means (Lloyd) on typed arrays, as scikit-learn's `KMeans(n_init=10)` runs it:
 * `inits` starts, each greedy k-means++ (mini-batch-kmeans.ts's, on every row) from its own
 * stream mulberry32(seed + t), then Lloyd iterations until no row changes cluster, or the centres
 * moved less than scikit-learn's tolerance (Σ squared centre shifts ≤ 1e-4 × the mean column
 * variance), or `maxIterations`; the start with the lowest inertia is kept (the first on a tie).
 * A cluster that loses all its rows keeps its centre. Deterministic: the same rows in the same
 * order, options and seed give the same bits.
 *
 * This is the stable segmentation's clustering. It does what full-kmeans.ts (`ml-kmeans`) does,
 * ~8× faster per iteration on 100,000 rows (no arrays of arrays, no per-row allocation), which
 * the 1M-customer time budget needs; full-kmeans.ts stays the independent reference the
 * benchmarks and tests measure k-means code against, this one included.
 *
 * @param data n × dim row-major.
 */
export function lloydKMeans(data: Float64Array, dim: number, options: FullKMeansOptions): FullKMeansResult {
  const { k, inits = 10, seed = 42, maxIterations = 300 } = options
  const n = data.length / dim
  if (!Number.isInteger(n) || n < k || !Number.isInteger(inits) || inits < 1 || !Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new StrataError('compute', `k-means needs at least k = ${k} rows of ${dim} values, inits ≥ 1 and maxIterations ≥ 1 (got ${data.length} values, inits ${inits}, maxIterations ${maxIterations})`)
  }
  const ones = new Float64Array(n).fill(1)
  const tolerance = sklearnTolerance(data, dim)
  const runs: FullKMeansRun[] = []
  let chosen = 0
  for (let t = 0; t < inits; t++) {
    const start = kMeansPlusPlus(data, ones, dim, k, mulberry32(seed + t))
    const run = lloydFrom(data, dim, k, start, { maxIterations, tolerance })
    runs.push(run)
    if (run.inertia < runs[chosen]!.inertia) chosen = t
  }
  const best = runs[chosen]!
  return { centroids: best.centres, inertia: best.inertia, runs, chosen }
}

/** scikit-learn's KMeans `tol`, relative to the mean column variance. */
const TOLERANCE = 1e-4

/**
 * scikit-learn's KMeans stopping tolerance for these rows: `tol` (1e-4) × the mean over the columns
 * of their population variance, each row counted `weights[i]` times (once without weights).
 */
export function sklearnTolerance(data: Float64Array, dim: number, weights?: Float64Array): number {
  const n = data.length / dim
  const weightOf = (i: number): number => (weights ? weights[i]! : 1)
  let total = 0
  for (let i = 0; i < n; i++) total += weightOf(i)
  let sum = 0
  for (let j = 0; j < dim; j++) {
    let mean = 0
    for (let i = 0; i < n; i++) mean += weightOf(i) * data[i * dim + j]!
    mean /= total
    let variance = 0
    for (let i = 0; i < n; i++) {
      const diff = data[i * dim + j]! - mean
      variance += weightOf(i) * diff * diff
    }
    sum += variance / total
  }
  return TOLERANCE * (sum / dim)
}

/**
 * Lloyd iterations from `start`: label every row, move each centre to its rows' (weighted) mean;
 * stop when no label changed or the centres' total squared shift is within `tolerance`. The sums
 * run in row order, so the same rows in the same order give the same bits.
 *
 * @param data n × dim row-major.
 */
export function lloydFrom(data: Float64Array, dim: number, k: number, start: Float64Array, options: LloydOptions): FullKMeansRun {
  const { maxIterations, tolerance, weights } = options
  const n = data.length / dim
  const centres = start.slice()
  const labels = new Int32Array(n).fill(-1)
  const sums = new Float64Array(k * dim)
  const sizes = new Float64Array(k)
  let iterations = 0
  let converged = false
  while (iterations < maxIterations) {
    iterations++
    let changed = 0
    sums.fill(0)
    sizes.fill(0)
    for (let i = 0; i < n; i++) {
      const xo = i * dim
      let best = 0
      let bestDistance = Infinity
      for (let c = 0; c < k; c++) {
        const co = c * dim
        let d = 0
        for (let j = 0; j < dim; j++) {
          const diff = data[xo + j]! - centres[co + j]!
          d += diff * diff
        }
        if (d < bestDistance) {
          bestDistance = d
          best = c
        }
      }
      if (labels[i] !== best) {
        labels[i] = best
        changed++
      }
      const w = weights ? weights[i]! : 1
      sizes[best]! += w
      const so = best * dim
      for (let j = 0; j < dim; j++) sums[so + j]! += w * data[xo + j]!
    }
    if (changed === 0) {
      converged = true
      break
    }
    let shift = 0
    for (let c = 0; c < k; c++) {
      if (sizes[c] === 0) continue
      for (let j = 0; j < dim; j++) {
        const moved = sums[c * dim + j]! / sizes[c]!
        const diff = moved - centres[c * dim + j]!
        shift += diff * diff
        centres[c * dim + j] = moved
      }
    }
    if (shift <= tolerance) {
      converged = true
      break
    }
  }
  return { centres, inertia: inertiaOf(data, dim, centres, k, weights), iterations, converged }
}

export interface LloydOptions {
  readonly maxIterations: number
  /** Stop once the centres' total squared shift is at most this (0: only at a fixed point). */
  readonly tolerance: number
  /** Per row, how many rows it stands for; all 1 when omitted. */
  readonly weights?: Float64Array
}
