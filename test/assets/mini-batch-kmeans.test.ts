import { describe, expect, it } from 'vitest'
import { adjustedRandIndex, pairwiseAgreement } from '../../assets/lib/adjusted-rand.js'
import { fullKMeans } from '../../assets/lib/full-kmeans.js'
import { canonicalRows, kMeansPlusPlus, miniBatchKMeans, nearestCentroid } from '../../assets/lib/mini-batch-kmeans.js'
import { mulberry32 } from '../../assets/lib/mulberry32.js'
import { StrataError } from '../../framework/errors/index.js'
import { gaussian, latentGroups } from './latent-groups.js'

const CENTRES = [
  [0, 0, 0],
  [10, 0, 0],
  [0, 10, 0],
  [0, 0, 10],
]

/** n points per centre with N(0, 0.5²) noise, interleaved so the blobs are not in row order. */
function blobs(nPerBlob: number, seed = 7): Float64Array {
  const normal = gaussian(mulberry32(seed))
  const data = new Float64Array(nPerBlob * CENTRES.length * 3)
  let o = 0
  for (let i = 0; i < nPerBlob; i++) {
    for (const centre of CENTRES) for (const c of centre) data[o++] = c + 0.5 * normal()
  }
  return data
}

function shuffledRows(data: Float64Array, dim: number, seed: number): Float64Array {
  const n = data.length / dim
  const order = Array.from({ length: n }, (_, i) => i)
  const random = mulberry32(seed)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  const out = new Float64Array(data.length)
  order.forEach((from, to) => out.set(data.subarray(from * dim, (from + 1) * dim), to * dim))
  return out
}

const bytes = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

describe('mulberry32', () => {
  it('is a deterministic stream in [0, 1)', () => {
    const a = mulberry32(42)
    const b = mulberry32(42)
    const xs = Array.from({ length: 1000 }, () => a())
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs)
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(new Set(xs).size).toBe(1000)
    expect(mulberry32(43)()).not.toBe(xs[0])
  })
})

describe('nearestCentroid', () => {
  it('breaks ties towards the lower index', () => {
    const point = new Float64Array([1, 1])
    const centroids = new Float64Array([5, 5, 0, 1, 1, 0, 2, 1])
    // Centroids 1 and 2 are both at distance 1; 3 is too, and 0 is farther.
    expect(nearestCentroid(point, 0, centroids, 4, 2)).toEqual({ index: 1, distance: 1 })
  })
})

describe('miniBatchKMeans', () => {
  it('gives the same bytes for the same rows in any order, and for duplicates given as weights', () => {
    const data = blobs(2000)
    const a = miniBatchKMeans(data, 3, { k: 4 })
    const b = miniBatchKMeans(shuffledRows(data, 3, 1), 3, { k: 4 })
    expect(bytes(b.centroids).equals(bytes(a.centroids))).toBe(true)
    expect(b.steps).toBe(a.steps)
    expect(b.candidates.map((c) => c.inertia)).toEqual(a.candidates.map((c) => c.inertia))
    // Every row twice, or every row once with weight 2: the same run.
    const twice = new Float64Array(data.length * 2)
    twice.set(data)
    twice.set(shuffledRows(data, 3, 2), data.length)
    const weighted = miniBatchKMeans(data, 3, { k: 4 }, new Float64Array(data.length / 3).fill(2))
    expect(bytes(miniBatchKMeans(twice, 3, { k: 4 }).centroids).equals(bytes(weighted.centroids))).toBe(true)
    const c = miniBatchKMeans(data, 3, { k: 4, seed: 7 })
    expect(bytes(c.centroids).equals(bytes(a.centroids))).toBe(false)
  })

  it('recovers four well-separated blobs, and stops early once the smoothed inertia stops improving', () => {
    const result = miniBatchKMeans(blobs(2000), 3, { k: 4 })
    // 8,000 rows × 100 passes / 2,048 per batch.
    expect(result.maxSteps).toBe(390)
    expect(result.earlyStop).toBe(true)
    expect(result.steps).toBeLessThan(100)
    expect(result.steps).toBeGreaterThan(10)
    const found = new Set<number>()
    for (let c = 0; c < 4; c++) {
      const centroid = Array.from(result.centroids.subarray(c * 3, c * 3 + 3))
      const match = CENTRES.findIndex((t) => t.every((v, j) => Math.abs(v - centroid[j]!) < 0.1))
      expect(match, `centroid ${c} = ${centroid.join(', ')}`).toBeGreaterThanOrEqual(0)
      found.add(match)
    }
    expect(found.size).toBe(4)
  })

  it('runs at most max_iter passes over the data when the early stop is off', () => {
    const result = miniBatchKMeans(blobs(2000), 3, { k: 4, maxIter: 2, batchSize: 256, maxNoImprovement: 1e9 })
    expect(result.maxSteps).toBe(Math.floor((2 * 8000) / 256))
    expect(result.steps).toBe(result.maxSteps)
    expect(result.earlyStop).toBe(false)
  })

  it('moves a starved centre to a random batch row', () => {
    const data = blobs(2000)
    // Three centres on blobs and one far from every row: it never wins a point.
    const init = new Float64Array([0, 0, 0, 10, 0, 0, 0, 5, 5, 1000, 1000, 1000])
    const result = miniBatchKMeans(data, 3, { k: 4, init })
    expect(result.reassignments).toBeGreaterThanOrEqual(1)
    const moved = Array.from(result.centroids.subarray(9, 12))
    expect(Math.max(...moved.map(Math.abs))).toBeLessThan(12)
    // With reassignment off, the starved centre stays where it was.
    const stuck = miniBatchKMeans(data, 3, { k: 4, init, reassignmentRatio: 0 })
    expect(stuck.reassignments).toBe(0)
    expect(Array.from(stuck.centroids.subarray(9, 12))).toEqual([1000, 1000, 1000])
    expect(result.inertia).toBeLessThan(stuck.inertia)
  })

  it('keeps the initialisation with the lowest validation inertia among n_init = 3', () => {
    const result = miniBatchKMeans(latentGroups(20_000, 6, 11), 6, { k: 4 })
    expect(result.candidates).toHaveLength(3)
    const inertias = result.candidates.map((c) => c.inertia)
    expect(inertias[result.chosen]).toBe(Math.min(...inertias))
  })

  describe('against a full k-means (ml-kmeans, k-means++, 10 inits) on latent groups', () => {
    const DATA_SEEDS = [11, 12, 13, 14, 15, 16, 17]
    const cases = DATA_SEEDS.map((seed) => {
      const data = latentGroups(8_000, 6, seed)
      return { data, full: fullKMeans(data, 6, { k: 4, inits: 10 }).inertia }
    })
    const ratio = (c: (typeof cases)[number], seed: number): number => miniBatchKMeans(c.data, 6, { k: 4, seed }).inertia / c.full
    const SKLEARN_MEAN_RATIO = 1.0276
    const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

    it('meets issue 19\'s targets with the SPEC seed 42: median ratio ≤ 1.03, worst ≤ 1.05', () => {
      // Measured: 1.0104, 1.0010, 1.0007, 1.0244, 1.0003, 1.0005, 1.0017. A single run is a draw
      // from a wide distribution (next test), so this holds for these data and this seed, not for
      // every seed: scikit-learn 1.2.1's own runs exceed 1.05 in 21 % of seeds on these data.
      const ratios = cases.map((c) => ratio(c, 42))
      expect(median(ratios), `ratios ${ratios.join(', ')}`).toBeLessThanOrEqual(1.03)
      expect(Math.max(...ratios), `ratios ${ratios.join(', ')}`).toBeLessThanOrEqual(1.05)
      expect(Math.min(...ratios)).toBeGreaterThan(0.99)
    })

    it('is as good as scikit-learn 1.2.1\'s MiniBatchKMeans over seeds', () => {
      // scikit-learn 1.2.1, MiniBatchKMeans(4, batch_size=2048, n_init=3), random_state 0–99 on
      // each of these seven data sets (exported bit for bit), ratio to the same full k-means: mean
      // 1.0276 over the 700 runs (median 1.0054, p90 1.0733). Strata's mean over 10 seeds per data
      // set (70 runs, standard error ~0.006; measured 1.0334) may exceed it by at most 0.015. That
      // catches one initialisation instead of three (1.0528) or an early stop after 3 batches
      // (1.0445); the implementation before scikit-learn's rules sat at 1.10–1.12.
      const ratios = cases.flatMap((c) => Array.from({ length: 10 }, (_, s) => ratio(c, 1000 + s)))
      const mean = ratios.reduce((sum, r) => sum + r, 0) / ratios.length
      expect(mean, `ratios ${ratios.join(', ')}`).toBeLessThanOrEqual(SKLEARN_MEAN_RATIO + 0.015)
    })
  })

  it('leaves a cluster empty when there are fewer distinct points than k (without reassignment)', () => {
    // As scikit-learn documents: with fewer points than centres, reassignment keeps moving the
    // spare centre onto points, so reassignment_ratio = 0 is the setting for such data.
    const data = new Float64Array([1, 1, 5, 5, 1, 1, 5, 5, 1, 1, 9, 9])
    const result = miniBatchKMeans(data, 2, { k: 4, batchSize: 16, reassignmentRatio: 0 })
    // The batch and the init subset are capped at the 6 rows, as scikit-learn caps them.
    expect(result.maxSteps).toBe(100)
    const winners = new Set<number>()
    for (let i = 0; i < 6; i++) winners.add(nearestCentroid(data, i, result.centroids, 4, 2).index)
    expect(winners.size).toBe(3)
    // The three occupied centroids sit exactly on the three distinct points.
    const occupied = [...winners].map((c) => Array.from(result.centroids.subarray(c * 2, c * 2 + 2)).join(',')).sort()
    expect(occupied).toEqual(['1,1', '5,5', '9,9'])
    expect(result.inertia).toBe(0)
  })

  it('seeds k-means++ with distinct points while they last', () => {
    const data = blobs(50)
    const seeds = kMeansPlusPlus(data, new Float64Array(200).fill(1), 3, 4, mulberry32(42))
    const rows = new Set([0, 1, 2, 3].map((c) => Array.from(seeds.subarray(c * 3, c * 3 + 3)).join(',')))
    expect(rows.size).toBe(4)
  })

  it('puts rows in one canonical order, merging equal ones', () => {
    const { data, weights } = canonicalRows(new Float64Array([2, 1, 1, 3, 2, 1, -0, 5, 0, 5]), 2)
    expect(Array.from(data)).toEqual([0, 5, 1, 3, 2, 1])
    expect(Object.is(data[0], -0)).toBe(false)
    expect(Array.from(weights)).toEqual([2, 1, 2])
  })

  it('rejects a malformed matrix, weights or initial centres', () => {
    expect(() => miniBatchKMeans(new Float64Array(5), 3, { k: 2 })).toThrow(StrataError)
    expect(() => miniBatchKMeans(new Float64Array(0), 3, { k: 2 })).toThrow(StrataError)
    expect(() => miniBatchKMeans(new Float64Array(6), 3, { k: 2 }, new Float64Array([1, 0.5]))).toThrow(StrataError)
    expect(() => miniBatchKMeans(new Float64Array(6), 3, { k: 2, init: new Float64Array(3) })).toThrow(StrataError)
    expect(() => miniBatchKMeans(new Float64Array(6), 3, { k: 2, maxIter: 0 })).toThrow(StrataError)
  })
})

describe('adjustedRandIndex', () => {
  it('is 1 for the same partition under other label numbers, and matches known values', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2], [2, 2, 0, 0, 1])).toBe(1)
    // scikit-learn: adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 2]) = 0.5714285714285715
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.5714285714285715, 12)
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12)
    expect(adjustedRandIndex([0, 0, 0], [0, 0, 0])).toBe(1)
    expect(() => adjustedRandIndex([0], [0, 1])).toThrow(RangeError)
  })

  it('summarises pairs of labellings', () => {
    expect(pairwiseAgreement([[0, 0, 1, 1]])).toBeNull()
    const summary = pairwiseAgreement([[0, 0, 1, 1], [1, 1, 0, 0], [0, 1, 0, 1]])
    expect(summary?.mean).toBeCloseTo(0, 12)
    expect(summary?.min).toBeCloseTo(-0.5, 12)
  })
})
