import { describe, expect, it } from 'vitest'
import { fullKMeans } from '../../assets/lib/full-kmeans.js'
import { lloydFrom, lloydKMeans, sklearnTolerance } from '../../assets/lib/lloyd-kmeans.js'
import { canonicalRows, nearestCentroid } from '../../assets/lib/mini-batch-kmeans.js'
import { StrataError } from '../../framework/errors/index.js'
import { latentGroups } from './latent-groups.js'

describe('lloydKMeans', () => {
  it('finds as low an inertia as the ml-kmeans reference (10 k-means++ starts each)', () => {
    for (const seed of [21, 22, 23]) {
      const data = latentGroups(6_000, 7, seed)
      const ours = lloydKMeans(data, 7, { k: 4, inits: 10, seed: 42 })
      const reference = fullKMeans(data, 7, { k: 4, inits: 10, seed: 42 })
      expect(ours.inertia / reference.inertia, `data seed ${seed}`).toBeLessThanOrEqual(1.001)
      expect(ours.runs).toHaveLength(10)
      expect(ours.runs.every((r) => r.converged)).toBe(true)
      expect(ours.inertia).toBe(Math.min(...ours.runs.map((r) => r.inertia)))
      expect(ours.centroids).toEqual(ours.runs[ours.chosen]!.centres)
    }
  })

  it('ends at a fixed point: every centre is the mean of the rows nearest to it', () => {
    const data = latentGroups(3_000, 5, 31)
    const { centroids } = lloydKMeans(data, 5, { k: 4, inits: 3 })
    const sums = new Float64Array(4 * 5)
    const sizes = new Float64Array(4)
    for (let i = 0; i < 3_000; i++) {
      const c = nearestCentroid(data, i, centroids, 4, 5).index
      sizes[c]! += 1
      for (let j = 0; j < 5; j++) sums[c * 5 + j]! += data[i * 5 + j]!
    }
    for (let c = 0; c < 4; c++) for (let j = 0; j < 5; j++) expect(centroids[c * 5 + j]).toBeCloseTo(sums[c * 5 + j]! / sizes[c]!, 12)
  })

  it('is deterministic for a seed, and the seed matters', () => {
    const data = latentGroups(2_000, 4, 41)
    const a = lloydKMeans(data, 4, { k: 4, inits: 2, seed: 7 })
    const b = lloydKMeans(data, 4, { k: 4, inits: 2, seed: 7 })
    expect(Buffer.from(b.centroids.buffer).equals(Buffer.from(a.centroids.buffer))).toBe(true)
    expect(b.runs.map((r) => r.iterations)).toEqual(a.runs.map((r) => r.iterations))
    const c = lloydKMeans(data, 4, { k: 4, inits: 1, seed: 8 })
    expect(Array.from(c.runs[0]!.centres)).not.toEqual(Array.from(a.runs[0]!.centres))
  })

  it('stops at maxIterations and says it did not converge', () => {
    const data = latentGroups(2_000, 4, 51)
    const run = lloydKMeans(data, 4, { k: 4, inits: 1, maxIterations: 1 }).runs[0]!
    expect(run.iterations).toBe(1)
    expect(run.converged).toBe(false)
  })

  it('rejects fewer rows than clusters and bad counts', () => {
    expect(() => lloydKMeans(new Float64Array(6), 2, { k: 4 })).toThrow(StrataError)
    expect(() => lloydKMeans(new Float64Array(16), 2, { k: 4, inits: 0 })).toThrow(StrataError)
    expect(() => lloydKMeans(new Float64Array(16), 2, { k: 4, maxIterations: 0 })).toThrow(StrataError)
  })
})

describe('lloydFrom', () => {
  it('treats a weighted row as that many equal rows', () => {
    // Integer-valued rows, so the sums are exact and the centres must agree bit for bit (the
    // inertias add the same distances in another order).
    const data = Float64Array.from(latentGroups(2_000, 3, 61), (v) => Math.round(v))
    const merged = canonicalRows(data, 3)
    expect(merged.weights.length).toBeLessThan(2_000)
    const start = data.slice(0, 4 * 3)
    const expanded = lloydFrom(data, 3, 4, start, { maxIterations: 300, tolerance: 0 })
    const weighted = lloydFrom(merged.data, 3, 4, start, { maxIterations: 300, tolerance: 0, weights: merged.weights })
    expect(weighted.converged).toBe(true)
    expect(Array.from(weighted.centres)).toEqual(Array.from(expanded.centres))
    expect(Math.abs(weighted.inertia - expanded.inertia) / expanded.inertia).toBeLessThan(1e-12)
    expect(weighted.iterations).toBe(expanded.iterations)
  })
})

describe('sklearnTolerance', () => {
  it('is 1e-4 × the mean column variance, a weighted row counting as that many rows', () => {
    const data = Float64Array.from([0, 10, 2, 10, 4, 40])
    // Columns 0, 2, 4 (variance 8/3) and 10, 10, 40 (variance 200): mean 304/6.
    expect(sklearnTolerance(data, 2)).toBeCloseTo(1e-4 * (8 / 3 + 200) / 2, 15)
    const merged = canonicalRows(Float64Array.from([0, 10, 0, 10, 4, 40]), 2)
    expect(sklearnTolerance(merged.data, 2, merged.weights)).toBeCloseTo(sklearnTolerance(Float64Array.from([0, 10, 0, 10, 4, 40]), 2), 15)
  })
})
