import { StrataError } from '../../framework/errors/index.js'
import { mulberry32 } from './mulberry32.js'

/** Options of `miniBatchKMeans`; every default is what the segment model uses (SPEC §5). */
export interface MiniBatchKMeansOptions {
  readonly k: number
  /** Points drawn (with replacement) per iteration. */
  readonly batchSize?: number
  /** Hard budget of mini-batch iterations. */
  readonly maxIterations?: number
  /**
   * Early stop once the largest squared centroid move of an iteration is at most
   * `tolerance` × the data's total variance (mean squared distance to the data mean), so the
   * threshold does not depend on the units of the data.
   */
  readonly tolerance?: number
  readonly seed?: number
}

export const KMEANS_DEFAULTS = { batchSize: 2048, maxIterations: 300, tolerance: 1e-7, seed: 42 } as const

export interface KMeansResult {
  /** k × dim, row-major; centroid i is `centroids.subarray(i * dim, (i + 1) * dim)`. */
  readonly centroids: Float64Array
  readonly k: number
  readonly dim: number
  /** Per centroid, the number of mini-batch points that moved it (0: it never won a point). */
  readonly counts: Float64Array
  readonly iterations: number
  /** True when the early stop fired before the iteration budget ran out. */
  readonly converged: boolean
}

/** Squared Euclidean distance between row `i` of `data` and row `c` of `centroids`, summed in column order. */
export function squaredDistance(data: Float64Array, i: number, centroids: Float64Array, c: number, dim: number): number {
  let sum = 0
  const xo = i * dim
  const co = c * dim
  for (let j = 0; j < dim; j++) {
    const diff = data[xo + j]! - centroids[co + j]!
    sum += diff * diff
  }
  return sum
}

/** Index of the centroid nearest to row `i` (ties → the lower index) and its squared distance. */
export function nearestCentroid(data: Float64Array, i: number, centroids: Float64Array, k: number, dim: number): { index: number; distance: number } {
  let index = 0
  let distance = squaredDistance(data, i, centroids, 0, dim)
  for (let c = 1; c < k; c++) {
    const d = squaredDistance(data, i, centroids, c, dim)
    if (d < distance) {
      distance = d
      index = c
    }
  }
  return { index, distance }
}

/**
 * k-means++ seeding (Arthur & Vassilvitskii 2007): the first centre uniformly, each next one with
 * probability ∝ squared distance to the nearest chosen centre. When every point already sits on
 * a centre (fewer distinct points than k), the remaining centres repeat row 0; since ties go to
 * the lower index, such a repeat never wins a point and stays an empty cluster.
 */
export function kMeansPlusPlus(data: Float64Array, n: number, dim: number, k: number, random: () => number): Float64Array {
  const centroids = new Float64Array(k * dim)
  const copyRow = (c: number, i: number): void => centroids.set(data.subarray(i * dim, (i + 1) * dim), c * dim)
  copyRow(0, Math.min(Math.floor(random() * n), n - 1))
  const best = new Float64Array(n)
  for (let i = 0; i < n; i++) best[i] = squaredDistance(data, i, centroids, 0, dim)
  for (let c = 1; c < k; c++) {
    let total = 0
    for (let i = 0; i < n; i++) total += best[i]!
    let chosen = 0
    if (total > 0) {
      const target = random() * total
      let cumulative = 0
      chosen = -1
      let lastPositive = 0
      for (let i = 0; i < n; i++) {
        const w = best[i]!
        if (w <= 0) continue
        lastPositive = i
        cumulative += w
        if (cumulative > target) {
          chosen = i
          break
        }
      }
      // Rounding can leave the running sum a hair below the target; the last candidate wins then.
      if (chosen < 0) chosen = lastPositive
    }
    copyRow(c, chosen)
    for (let i = 0; i < n; i++) {
      const d = squaredDistance(data, i, centroids, c, dim)
      if (d < best[i]!) best[i] = d
    }
  }
  return centroids
}

/**
 * Deterministic mini-batch k-means (Sculley 2010, "Web-scale k-means clustering"): k-means++
 * seeding, then per iteration a batch drawn with replacement, each point assigned to the centre
 * nearest before the batch's updates, and each centre moved towards its points with the
 * per-centre learning rate 1 / (points it has absorbed so far). Same data, options and seed →
 * bitwise the same centroids.
 *
 * @param data n × dim row-major.
 * @example
 * const { centroids } = miniBatchKMeans(points, 6, { k: 4 })
 */
export function miniBatchKMeans(data: Float64Array, dim: number, options: MiniBatchKMeansOptions): KMeansResult {
  const { k } = options
  const batchSize = options.batchSize ?? KMEANS_DEFAULTS.batchSize
  const maxIterations = options.maxIterations ?? KMEANS_DEFAULTS.maxIterations
  const tolerance = options.tolerance ?? KMEANS_DEFAULTS.tolerance
  const seed = options.seed ?? KMEANS_DEFAULTS.seed
  if (!Number.isInteger(dim) || dim < 1 || data.length % dim !== 0 || data.length === 0) {
    throw new StrataError('compute', `k-means needs a non-empty n × ${dim} matrix (got ${data.length} values)`)
  }
  if (!Number.isInteger(k) || k < 1 || !Number.isInteger(batchSize) || batchSize < 1 || !Number.isInteger(maxIterations) || maxIterations < 0) {
    throw new StrataError('compute', `k-means options must be positive integers (k=${k}, batchSize=${batchSize}, maxIterations=${maxIterations})`)
  }
  const n = data.length / dim
  const random = mulberry32(seed)
  const centroids = kMeansPlusPlus(data, n, dim, k, random)
  const counts = new Float64Array(k)
  const threshold = tolerance * totalVariance(data, n, dim)

  const batch = new Int32Array(batchSize)
  const assigned = new Int32Array(batchSize)
  const before = new Float64Array(k * dim)
  let iterations = 0
  let converged = false
  while (iterations < maxIterations) {
    iterations++
    for (let b = 0; b < batchSize; b++) batch[b] = Math.min(Math.floor(random() * n), n - 1)
    for (let b = 0; b < batchSize; b++) assigned[b] = nearestCentroid(data, batch[b]!, centroids, k, dim).index
    before.set(centroids)
    for (let b = 0; b < batchSize; b++) {
      const c = assigned[b]!
      const count = counts[c]! + 1
      counts[c] = count
      const eta = 1 / count
      const xo = batch[b]! * dim
      const co = c * dim
      for (let j = 0; j < dim; j++) centroids[co + j] = (1 - eta) * centroids[co + j]! + eta * data[xo + j]!
    }
    let maxShift = 0
    for (let c = 0; c < k; c++) {
      const shift = squaredDistance(before, c, centroids, c, dim)
      if (shift > maxShift) maxShift = shift
    }
    if (maxShift <= threshold) {
      converged = true
      break
    }
  }
  return { centroids, k, dim, counts, iterations, converged }
}

/** Mean squared distance of the rows to their mean. */
function totalVariance(data: Float64Array, n: number, dim: number): number {
  const mean = new Float64Array(dim)
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] = mean[j]! + data[i * dim + j]!
  for (let j = 0; j < dim; j++) mean[j] = mean[j]! / n
  let sum = 0
  for (let i = 0; i < n; i++) sum += squaredDistance(data, i, mean, 0, dim)
  return sum / n
}
