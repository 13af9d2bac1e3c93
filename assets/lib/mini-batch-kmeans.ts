import { StrataError } from '../../framework/errors/index.js'
import { mulberry32 } from './mulberry32.js'

/**
 * Options of `miniBatchKMeans`. Every default is scikit-learn 1.2's `MiniBatchKMeans` with the
 * segment model's k = 4, batch 2048 and seed 42 (SPEC §5).
 */
export interface MiniBatchKMeansOptions {
  readonly k: number
  /** Rows drawn (with replacement) per step; at most the number of rows. */
  readonly batchSize?: number
  /** Passes over the data: the step budget is ⌊maxIter · n / batchSize⌋ for n rows. */
  readonly maxIter?: number
  /** k-means++ initialisations tried; the one with the lowest inertia on a validation draw is kept. */
  readonly nInit?: number
  /** Rows each initialisation (and the validation draw) sees; default 3 × batchSize, at least 3k, at most the number of rows. */
  readonly initSize?: number
  /** Stop once the smoothed batch inertia has not improved for this many steps. */
  readonly maxNoImprovement?: number
  /** A centre whose absorbed weight is below this share of the largest is moved to a random batch row. */
  readonly reassignmentRatio?: number
  readonly seed?: number
  /** Start from these k × dim centres instead of k-means++ (nInit is then 1). */
  readonly init?: Float64Array
}

export const KMEANS_DEFAULTS = { batchSize: 2048, maxIter: 100, nInit: 3, maxNoImprovement: 10, reassignmentRatio: 0.01, seed: 42 } as const

export interface KMeansResult {
  /** k × dim, row-major; centroid i is `centroids.subarray(i * dim, (i + 1) * dim)`. */
  readonly centroids: Float64Array
  readonly k: number
  readonly dim: number
  /** Per centroid, the running weight that sets its learning rate (scikit-learn's `_counts`). */
  readonly counts: Float64Array
  /** Distinct input rows (equal rows are merged into one weighted row). */
  readonly distinctRows: number
  /** Mini-batch steps run. */
  readonly steps: number
  /** The step budget ⌊maxIter · n / batchSize⌋. */
  readonly maxSteps: number
  /** True when the smoothed-inertia early stop fired before the budget ran out. */
  readonly earlyStop: boolean
  /** Centres moved to a random batch row because they had absorbed too little weight. */
  readonly reassignments: number
  /** Per initialisation candidate, its k × dim centres and its inertia on the validation draw. */
  readonly candidates: readonly { readonly centres: Float64Array; readonly inertia: number }[]
  /** Index of the candidate the steps started from. */
  readonly chosen: number
  /** Σ weight · squared distance to the nearest final centroid, over the input rows. */
  readonly inertia: number
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

/** Labels of every row of `data` against `centroids`. */
export function labelRows(data: Float64Array, dim: number, centroids: Float64Array, k: number): Int32Array {
  const n = data.length / dim
  const labels = new Int32Array(n)
  for (let i = 0; i < n; i++) labels[i] = nearestCentroid(data, i, centroids, k, dim).index
  return labels
}

/** Σ weight · squared distance to the nearest centroid (weight 1 without `weights`). */
export function inertiaOf(data: Float64Array, dim: number, centroids: Float64Array, k: number, weights?: Float64Array): number {
  const n = data.length / dim
  let sum = 0
  for (let i = 0; i < n; i++) sum += (weights ? weights[i]! : 1) * nearestCentroid(data, i, centroids, k, dim).distance
  return sum
}

/**
 * Greedy k-means++ (Arthur & Vassilvitskii 2007, as scikit-learn implements it): the first centre
 * drawn ∝ weight; each next one is the best of 2 + ⌊ln k⌋ candidates drawn ∝ weight × squared
 * distance to the nearest chosen centre, "best" being the lowest resulting potential (the first
 * on a tie). When every point already sits on a centre the draws land on row 0, whose repeats
 * never win a point (ties go to the lower index).
 */
export function kMeansPlusPlus(data: Float64Array, weights: Float64Array, dim: number, k: number, random: () => number): Float64Array {
  const n = weights.length
  const centroids = new Float64Array(k * dim)
  const copyRow = (c: number, i: number): void => centroids.set(data.subarray(i * dim, (i + 1) * dim), c * dim)
  const cumulative = new Float64Array(n)
  const draw = (values: (i: number) => number): number => {
    let total = 0
    for (let i = 0; i < n; i++) cumulative[i] = total += values(i)
    return searchSorted(cumulative, random() * total)
  }
  copyRow(0, draw((i) => weights[i]!))
  let closest = new Float64Array(n)
  for (let i = 0; i < n; i++) closest[i] = squaredDistance(data, i, centroids, 0, dim)
  const trials = 2 + Math.floor(Math.log(k))
  let candidate = new Float64Array(n)
  let best = new Float64Array(n)
  for (let c = 1; c < k; c++) {
    let total = 0
    for (let i = 0; i < n; i++) cumulative[i] = total += weights[i]! * closest[i]!
    const picks = Array.from({ length: trials }, () => searchSorted(cumulative, random() * total))
    let bestPotential = Infinity
    let bestRow = picks[0]!
    for (const row of picks) {
      let potential = 0
      for (let i = 0; i < n; i++) {
        const d = Math.min(closest[i]!, squaredDistance(data, i, data, row, dim))
        candidate[i] = d
        potential += weights[i]! * d
      }
      if (potential < bestPotential) {
        bestPotential = potential
        bestRow = row
        ;[best, candidate] = [candidate, best]
      }
    }
    copyRow(c, bestRow)
    ;[closest, best] = [best, closest]
  }
  return centroids
}

/** numpy's searchsorted (side left) on an ascending array, clipped to the last index. */
function searchSorted(cumulative: Float64Array, value: number): number {
  let lo = 0
  let hi = cumulative.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (cumulative[mid]! < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Mini-batch k-means as scikit-learn 1.2's `MiniBatchKMeans` (Sculley 2010) runs it, on rows
 * that carry integer weights (a distinct vector and how many rows share it). Every draw picks a
 * row with probability ∝ its weight, so the run is the same process as scikit-learn's on the
 * expanded rows:
 * - a validation draw of initSize rows; nInit candidates, each greedy k-means++ on its own draw
 *   of initSize rows; the candidate with the lowest validation inertia is kept;
 * - at most ⌊maxIter · n / batchSize⌋ steps (n = total weight); each step draws a batch, labels
 *   it against the current centres, and moves each centre to the weighted mean of its old
 *   position (weighted by the weight it has absorbed so far) and its new rows;
 * - after each step, centres that have absorbed less than reassignmentRatio × the largest
 *   weight move to distinct random rows of the batch, and take the smallest weight of the rest;
 * - early stop when the exponentially weighted batch inertia (per row; α = 2 · batch / (n + 1),
 *   the first step ignored) has not reached a new minimum for maxNoImprovement steps.
 *
 * Rows are first put in a canonical order (sorted, equal rows merged), so the result does not
 * depend on the order of the input: same rows, options and seed → bitwise the same centroids.
 *
 * Checked against scikit-learn 1.2.1 on the same rows (BENCHMARKS.md, "Segment model quality"):
 * over 200 seeds per weekly sample the inertia ratios to a full k-means have the same
 * distribution (mean, p90, share above 1.05) as scikit-learn's; only the random streams differ.
 *
 * @param data n × dim row-major.
 * @param weights per row, positive integers; all 1 when omitted.
 * @example
 * const { centroids } = miniBatchKMeans(points, 6, { k: 4 })
 */
export function miniBatchKMeans(data: Float64Array, dim: number, options: MiniBatchKMeansOptions, weights?: Float64Array): KMeansResult {
  return miniBatchKMeansOnCanonical(checkedCanonicalRows(data, dim, weights), dim, options)
}

/** canonicalRows of a checked n × dim matrix with n ≥ 1 and, if given, a positive integer weight per row. */
export function checkedCanonicalRows(data: Float64Array, dim: number, weights?: Float64Array): CanonicalRows {
  if (!Number.isInteger(dim) || dim < 1 || data.length % dim !== 0 || data.length === 0) {
    throw new StrataError('compute', `k-means needs a non-empty n × ${dim} matrix (got ${data.length} values)`)
  }
  if (weights !== undefined && (weights.length !== data.length / dim || weights.some((w) => !Number.isSafeInteger(w) || w < 1))) {
    throw new StrataError('compute', `k-means weights must be one positive integer per row (${data.length / dim} rows)`)
  }
  return canonicalRows(data, dim, weights)
}

/**
 * miniBatchKMeans on rows already in canonicalRows' form (sorted, distinct, weighted), for callers
 * that run it several times on the same rows and sort them once.
 */
export function miniBatchKMeansOnCanonical(rows: CanonicalRows, dim: number, options: MiniBatchKMeansOptions): KMeansResult {
  const { k } = options
  const requestedBatch = options.batchSize ?? KMEANS_DEFAULTS.batchSize
  const requestedInit = options.initSize ?? 3 * requestedBatch
  const maxIter = options.maxIter ?? KMEANS_DEFAULTS.maxIter
  const nInit = options.init ? 1 : (options.nInit ?? KMEANS_DEFAULTS.nInit)
  const maxNoImprovement = options.maxNoImprovement ?? KMEANS_DEFAULTS.maxNoImprovement
  const reassignmentRatio = options.reassignmentRatio ?? KMEANS_DEFAULTS.reassignmentRatio
  const seed = options.seed ?? KMEANS_DEFAULTS.seed
  const counts = [k, requestedBatch, maxIter, requestedInit, nInit, maxNoImprovement]
  if (counts.some((v) => !Number.isInteger(v) || v < 1) || !(reassignmentRatio >= 0)) {
    throw new StrataError('compute', `k-means options must be positive integers (k=${k}, batchSize=${requestedBatch}, maxIter=${maxIter}, initSize=${requestedInit}, nInit=${nInit}, maxNoImprovement=${maxNoImprovement}) and reassignmentRatio ≥ 0`)
  }
  if (options.init !== undefined && (options.init.length !== k * dim || options.init.some((v) => !Number.isFinite(v)))) {
    throw new StrataError('compute', `k-means initial centres must be ${k} × ${dim} finite numbers`)
  }
  const x = rows.data
  const w = rows.weights
  const n = w.length
  let total = 0
  const cumulative = new Float64Array(n)
  for (let i = 0; i < n; i++) cumulative[i] = total += w[i]!
  // As scikit-learn's _check_params_vs_input: both capped at the number of (expanded) rows, and
  // an init subset smaller than k grown to 3k.
  const batchSize = Math.min(requestedBatch, total)
  const initRows = options.initSize ?? 3 * batchSize
  const initSize = Math.min(initRows < k ? 3 * k : initRows, total)
  const random = mulberry32(seed)
  const drawRow = (): number => searchSorted(cumulative, random() * total)
  const drawRows = (size: number): Float64Array => {
    const out = new Float64Array(size * dim)
    for (let r = 0; r < size; r++) {
      const i = drawRow()
      out.set(x.subarray(i * dim, (i + 1) * dim), r * dim)
    }
    return out
  }

  // Initialisation: with fewer rows than initSize, k-means++ sees every row (weighted) instead.
  const validation = drawRows(initSize)
  const candidates: { centres: Float64Array; inertia: number }[] = []
  let chosen = 0
  for (let t = 0; t < nInit; t++) {
    let centres: Float64Array
    if (options.init) centres = options.init.slice()
    else if (total > initSize) centres = kMeansPlusPlus(drawRows(initSize), new Float64Array(initSize).fill(1), dim, k, random)
    else centres = kMeansPlusPlus(x, w, dim, k, random)
    const inertia = inertiaOf(validation, dim, centres, k)
    candidates.push({ centres, inertia })
    if (inertia < candidates[chosen]!.inertia) chosen = t
  }

  let centres = candidates[chosen]!.centres.slice()
  let next = new Float64Array(k * dim)
  const weightSums = new Float64Array(k)
  const maxSteps = Math.floor((maxIter * total) / batchSize)
  const alpha = Math.min((batchSize * 2) / (total + 1), 1)
  const batch = new Float64Array(batchSize * dim)
  const labels = new Int32Array(batchSize)
  const batchWeight = new Float64Array(k)
  const order = new Int32Array(batchSize)
  let ewa: number | undefined
  let ewaMin: number | undefined
  let noImprovement = 0
  let sinceReassign = 0
  let reassignments = 0
  let steps = 0
  let earlyStop = false
  while (steps < maxSteps) {
    // scikit-learn decides before the step: always while a centre has absorbed nothing, else every 10 · k rows.
    sinceReassign += batchSize
    const reassign = weightSums.some((s) => s === 0) || sinceReassign >= 10 * k
    if (reassign) sinceReassign = 0
    for (let b = 0; b < batchSize; b++) {
      const i = drawRow()
      for (let j = 0; j < dim; j++) batch[b * dim + j] = x[i * dim + j]!
    }
    let batchInertia = 0
    batchWeight.fill(0)
    for (let b = 0; b < batchSize; b++) {
      const { index, distance } = nearestCentroid(batch, b, centres, k, dim)
      labels[b] = index
      batchInertia += distance
      batchWeight[index]! += 1
    }
    for (let c = 0; c < k; c++) {
      const co = c * dim
      if (batchWeight[c] === 0) {
        for (let j = 0; j < dim; j++) next[co + j] = centres[co + j]!
        continue
      }
      for (let j = 0; j < dim; j++) next[co + j] = centres[co + j]! * weightSums[c]!
    }
    for (let b = 0; b < batchSize; b++) {
      const co = labels[b]! * dim
      for (let j = 0; j < dim; j++) next[co + j]! += batch[b * dim + j]!
    }
    for (let c = 0; c < k; c++) {
      if (batchWeight[c] === 0) continue
      weightSums[c]! += batchWeight[c]!
      const rate = 1 / weightSums[c]!
      for (let j = 0; j < dim; j++) next[c * dim + j]! *= rate
    }
    if (reassign && reassignmentRatio > 0) reassignments += reassignStarved(next, weightSums, batch, dim, batchSize, reassignmentRatio, random, order)
    ;[centres, next] = [next, centres]
    steps++
    if (steps === 1) continue
    const perRow = batchInertia / batchSize
    ewa = ewa === undefined ? perRow : ewa * (1 - alpha) + perRow * alpha
    if (ewaMin === undefined || ewa < ewaMin) {
      noImprovement = 0
      ewaMin = ewa
    } else if (++noImprovement >= maxNoImprovement) {
      earlyStop = true
      break
    }
  }
  return { centroids: centres, k, dim, counts: weightSums, distinctRows: n, steps, maxSteps, earlyStop, reassignments, candidates, chosen, inertia: inertiaOf(x, dim, centres, k, w) }
}

/**
 * Moves every centre whose absorbed weight is below `ratio` × the largest (at most half a batch
 * of them, the lightest) to distinct batch rows drawn uniformly, and gives them the smallest
 * weight of the centres kept, so they are not moved again at once. Returns how many moved.
 */
function reassignStarved(centres: Float64Array, weightSums: Float64Array, batch: Float64Array, dim: number, batchSize: number, ratio: number, random: () => number, order: Int32Array): number {
  const k = weightSums.length
  let max = 0
  for (let c = 0; c < k; c++) if (weightSums[c]! > max) max = weightSums[c]!
  let starved = [...weightSums.keys()].filter((c) => weightSums[c]! < ratio * max)
  const limit = Math.floor(0.5 * batchSize)
  if (starved.length > limit) starved = [...starved].sort((a, b) => weightSums[a]! - weightSums[b]! || a - b).slice(0, limit)
  if (starved.length === 0) return 0
  // Partial Fisher–Yates: distinct batch rows, uniformly.
  for (let b = 0; b < batchSize; b++) order[b] = b
  starved.forEach((c, r) => {
    const pick = r + Math.min(Math.floor(random() * (batchSize - r)), batchSize - r - 1)
    const row = order[pick]!
    order[pick] = order[r]!
    order[r] = row
    centres.set(batch.subarray(row * dim, (row + 1) * dim), c * dim)
  })
  const moved = new Set(starved)
  let floor = Infinity
  for (let c = 0; c < k; c++) if (!moved.has(c) && weightSums[c]! < floor) floor = weightSums[c]!
  if (Number.isFinite(floor)) for (const c of starved) weightSums[c] = floor
  return starved.length
}

/** Rows sorted lexicographically, equal rows merged into one with their weights summed. */
export interface CanonicalRows {
  readonly data: Float64Array
  readonly weights: Float64Array
}

/**
 * The rows sorted lexicographically with equal rows merged (weights summed): the order the run
 * sees, whatever order the caller's rows came in.
 */
export function canonicalRows(data: Float64Array, dim: number, weights?: Float64Array): CanonicalRows {
  const n = data.length / dim
  const compare = (a: number, b: number): number => {
    for (let j = 0; j < dim; j++) {
      const d = data[a * dim + j]! - data[b * dim + j]!
      if (d !== 0) return d
    }
    return 0
  }
  const index = Array.from({ length: n }, (_, i) => i).sort(compare)
  const outData: number[] = []
  const outWeights: number[] = []
  let last = -1
  for (const i of index) {
    const weight = weights ? weights[i]! : 1
    if (last >= 0 && compare(last, i) === 0) {
      outWeights[outWeights.length - 1]! += weight
      continue
    }
    // + 0 turns -0 into 0, which compared equal above: the kept bits must not depend on input order.
    for (let j = 0; j < dim; j++) outData.push(data[i * dim + j]! + 0)
    outWeights.push(weight)
    last = i
  }
  return { data: Float64Array.from(outData), weights: Float64Array.from(outWeights) }
}
