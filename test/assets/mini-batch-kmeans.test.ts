import { describe, expect, it } from 'vitest'
import { kMeansPlusPlus, miniBatchKMeans, nearestCentroid } from '../../assets/lib/mini-batch-kmeans.js'
import { mulberry32 } from '../../assets/lib/mulberry32.js'
import { StrataError } from '../../framework/errors/index.js'

const CENTRES = [
  [0, 0, 0],
  [10, 0, 0],
  [0, 10, 0],
  [0, 0, 10],
]

/** n points per centre with N(0, 0.5²) noise, interleaved so the blobs are not in row order. */
function blobs(nPerBlob: number, seed = 7): Float64Array {
  const random = mulberry32(seed)
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  const data = new Float64Array(nPerBlob * CENTRES.length * 3)
  let o = 0
  for (let i = 0; i < nPerBlob; i++) {
    for (const centre of CENTRES) for (const c of centre) data[o++] = c + 0.5 * gaussian()
  }
  return data
}

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
  it('gives bitwise identical centroids for the same input and seed', () => {
    const data = blobs(2000)
    const a = miniBatchKMeans(data, 3, { k: 4 })
    const b = miniBatchKMeans(data.slice(), 3, { k: 4 })
    expect(Buffer.from(b.centroids.buffer).equals(Buffer.from(a.centroids.buffer))).toBe(true)
    expect(b.iterations).toBe(a.iterations)
    const c = miniBatchKMeans(data, 3, { k: 4, seed: 7 })
    expect(Buffer.from(c.centroids.buffer).equals(Buffer.from(a.centroids.buffer))).toBe(false)
  })

  it('recovers four well-separated blobs, and stops early', () => {
    const result = miniBatchKMeans(blobs(2000), 3, { k: 4 })
    expect(result.converged).toBe(true)
    expect(result.iterations).toBeLessThan(300)
    const found = new Set<number>()
    for (let c = 0; c < 4; c++) {
      const centroid = Array.from(result.centroids.subarray(c * 3, c * 3 + 3))
      const match = CENTRES.findIndex((t) => t.every((v, j) => Math.abs(v - centroid[j]!) < 0.1))
      expect(match, `centroid ${c} = ${centroid.join(', ')}`).toBeGreaterThanOrEqual(0)
      found.add(match)
    }
    expect(found.size).toBe(4)
  })

  it('leaves a cluster empty when there are fewer distinct points than k', () => {
    const data = new Float64Array([1, 1, 5, 5, 1, 1, 5, 5, 1, 1, 9, 9])
    const result = miniBatchKMeans(data, 2, { k: 4, batchSize: 16 })
    const winners = new Set<number>()
    for (let i = 0; i < 6; i++) winners.add(nearestCentroid(data, i, result.centroids, 4, 2).index)
    expect(winners.size).toBe(3)
    const empty = [0, 1, 2, 3].filter((c) => !winners.has(c))
    expect(empty).toHaveLength(1)
    expect(result.counts[empty[0]!]).toBe(0)
    // The three occupied centroids sit exactly on the three distinct points.
    const occupied = [...winners].map((c) => Array.from(result.centroids.subarray(c * 2, c * 2 + 2)).join(',')).sort()
    expect(occupied).toEqual(['1,1', '5,5', '9,9'])
  })

  it('seeds k-means++ with distinct points while they last', () => {
    const data = blobs(50)
    const seeds = kMeansPlusPlus(data, 200, 3, 4, mulberry32(42))
    const rows = new Set([0, 1, 2, 3].map((c) => Array.from(seeds.subarray(c * 3, c * 3 + 3)).join(',')))
    expect(rows.size).toBe(4)
  })

  it('rejects a malformed matrix', () => {
    expect(() => miniBatchKMeans(new Float64Array(5), 3, { k: 2 })).toThrow(StrataError)
    expect(() => miniBatchKMeans(new Float64Array(0), 3, { k: 2 })).toThrow(StrataError)
  })
})
