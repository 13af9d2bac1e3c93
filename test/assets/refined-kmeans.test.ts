import { describe, expect, it } from 'vitest'
import { fullKMeans } from '../../assets/lib/full-kmeans.js'
import { lloydFrom } from '../../assets/lib/lloyd-kmeans.js'
import { miniBatchKMeans } from '../../assets/lib/mini-batch-kmeans.js'
import { mulberry32 } from '../../assets/lib/mulberry32.js'
import { refinedMiniBatchKMeans } from '../../assets/lib/refined-kmeans.js'
import { latentGroups } from './latent-groups.js'

const bytes = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

function reversedRows(data: Float64Array, dim: number): Float64Array {
  const n = data.length / dim
  const out = new Float64Array(data.length)
  for (let i = 0; i < n; i++) out.set(data.subarray(i * dim, (i + 1) * dim), (n - 1 - i) * dim)
  return out
}

describe('refinedMiniBatchKMeans', () => {
  it('gives the same bytes for the same rows in any order', () => {
    const data = latentGroups(5_000, 6, 71)
    const a = refinedMiniBatchKMeans(data, 6, { k: 4 })
    const b = refinedMiniBatchKMeans(reversedRows(data, 6), 6, { k: 4 })
    expect(bytes(b.centroids).equals(bytes(a.centroids))).toBe(true)
    expect(b.candidates.map((c) => c.inertia)).toEqual(a.candidates.map((c) => c.inertia))
  })

  it('runs every initialisation, refines each until Lloyd converges and keeps the lowest inertia', () => {
    const data = latentGroups(6_000, 6, 72)
    const result = refinedMiniBatchKMeans(data, 6, { k: 4 })
    expect(result.candidates).toHaveLength(3)
    const inertias = result.candidates.map((c) => c.inertia)
    expect(result.chosen).toBe(inertias.indexOf(Math.min(...inertias)))
    expect(result.inertia).toBe(inertias[result.chosen])
    expect(result.refineConverged).toBe(true)
    expect(result.refineIterations).toBeGreaterThan(1)
    expect(result.miniBatch.steps).toBeGreaterThan(0)
    // Converged: Lloyd run on to a fixed point from each candidate gains less than 0.01 %.
    for (const { centres, inertia } of result.candidates) {
      const fixed = lloydFrom(data, 6, 4, centres, { maxIterations: 300, tolerance: 0 })
      expect(fixed.converged).toBe(true)
      expect(fixed.inertia).toBeLessThanOrEqual(inertia)
      expect(fixed.inertia).toBeGreaterThan(inertia * (1 - 1e-4))
    }
  })

  it('never ends above the mini-batch run scikit-learn would keep', () => {
    for (const seed of [73, 74, 75]) {
      const data = latentGroups(4_000, 6, seed)
      expect(refinedMiniBatchKMeans(data, 6, { k: 4 }).inertia).toBeLessThanOrEqual(miniBatchKMeans(data, 6, { k: 4 }).inertia)
    }
  })

  describe('against a full k-means (ml-kmeans, k-means++, 10 inits) on latent groups', () => {
    // The data sets of mini-batch-kmeans.test.ts, where the mini-batch run alone lands above
    // 1.05 × in ~1 of 5 seeds (as scikit-learn 1.2.1's does).
    const cases = [11, 12, 13, 14, 15, 16, 17].map((seed) => {
      const data = latentGroups(8_000, 6, seed)
      return { data, full: fullKMeans(data, 6, { k: 4, inits: 10 }).inertia }
    })

    it('meets issue 19\'s targets over seeds: median ratio ≤ 1.03, and above 1.05 only when all three runs miss', () => {
      // Measured over these 77 runs: 73 at 1.0000 (the reference's optimum), 1.0041, 1.0132 twice,
      // and 1.1530 once (data 13, seed 1002: all three initialisations reach the same poor optimum).
      const seeds = [42, ...Array.from({ length: 10 }, (_, s) => 1000 + s)]
      const ratios = cases.flatMap((c) => seeds.map((seed) => refinedMiniBatchKMeans(c.data, 6, { k: 4, seed }).inertia / c.full))
      const sorted = [...ratios].sort((a, b) => a - b)
      expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThanOrEqual(1.03)
      expect(sorted.filter((r) => r > 1.05).length, `ratios ${ratios.join(', ')}`).toBeLessThanOrEqual(3)
      expect(sorted[0]).toBeGreaterThan(0.999)
      // With the SPEC seed every data set reaches the reference's optimum.
      for (const c of cases) expect(refinedMiniBatchKMeans(c.data, 6, { k: 4, seed: 42 }).inertia / c.full).toBeLessThanOrEqual(1.001)
    })
  })

  it('depends on the seed', () => {
    const data = latentGroups(3_000, 4, 76)
    const random = mulberry32(1)
    const seeds = [Math.floor(random() * 1e6), Math.floor(random() * 1e6)]
    const [a, b] = seeds.map((seed) => refinedMiniBatchKMeans(data, 4, { k: 4, seed }))
    expect(a!.candidates.map((c) => c.inertia)).not.toEqual(b!.candidates.map((c) => c.inertia))
  })
})
