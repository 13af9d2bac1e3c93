import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nearestCentroid } from '../../assets/lib/mini-batch-kmeans.js'
import { assignAll, sourceTotals } from '../../assets/lib/segment-model-assignment.js'
import { project, type Projection } from '../../assets/lib/segment-model-pca.js'
import { MODEL_FEATURES } from '../../assets/lib/segment-model-types.js'
import { doubleLiteral } from '../../assets/lib/sql-literals.js'
import { quoteIdent, type SqlEngine } from '../../framework/sql/index.js'
import { openDuckDb } from '../../resources/duckdb.js'

const D = MODEL_FEATURES.length

/** A deterministic pseudo-random stream (xorshift32), so the fixture is the same on every run. */
function stream(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 2 ** 32
  }
}

/** The SQL relation of `rows` (seven features, cdi, n) as VALUES. */
function relation(rows: readonly { x: number[]; cdi: number; n: number }[]): string {
  const values = rows.map((r) => `(${r.x.map(doubleLiteral).join(', ')}, ${r.cdi}, ${r.n})`)
  return `(SELECT * FROM (VALUES ${values.join(', ')}) t(${[...MODEL_FEATURES.map(quoteIdent), 'cdi', 'n'].join(', ')}))`
}

/** Sizes, CDI sums and inertia by the SPEC's definition, term by term in JavaScript. */
function reference(rows: readonly { x: number[]; cdi: number; n: number }[], projection: Projection, centroids: number[][]) {
  const data = Float64Array.from(rows.flatMap((r) => r.x))
  const p = project(data, projection.means, projection.scales, projection.components)
  const dim = projection.components.length
  const flat = Float64Array.from(centroids.flat())
  const sizes = centroids.map(() => 0n)
  const cdiSums = centroids.map(() => 0n)
  let inertia = 0
  let squared = 0
  rows.forEach((r, i) => {
    const { index, distance } = nearestCentroid(p, i, flat, centroids.length, dim)
    sizes[index]! += BigInt(r.n)
    cdiSums[index]! += BigInt(r.cdi * r.n)
    inertia += distance * r.n
    for (let a = 0; a < dim; a++) squared += p[i * dim + a]! ** 2 * r.n
  })
  return { sizes, cdiSums, inertia, squared }
}

describe('assignAll', () => {
  let db: SqlEngine
  beforeAll(async () => {
    db = await openDuckDb({ threads: 2 })
  })
  afterAll(async () => {
    await db.close()
  })

  // Wide, offset columns (a notional near 1e9) and a skewed axis set: the scores are affine in x, so
  // this is where their rounding would show.
  const random = stream(19)
  const rows = Array.from({ length: 3000 }, (_, i) => ({
    x: [random(), Math.floor(random() * 40), i % 2, Math.floor(random() * 2), Math.floor(random() * 5), random() * 140, 1e9 + random() * 3e5 + (i % 4) * 2e5],
    cdi: Math.floor(random() * 101),
    n: 1 + Math.floor(random() * 4),
  }))
  const projection: Projection = {
    means: [0.5, 19.5, 0.5, 0.5, 2, 70, 1.0003e9],
    scales: [0.29, 11.5, 0.5, 0.5, 1.4, 40, 2.6e5],
    // Six unit axes, not orthogonal on purpose: the identity |p − c|² = |p|² + |c|² − 2p·c holds for any map.
    components: Array.from({ length: 6 }, () => {
      const axis = Array.from({ length: D }, () => random() - 0.5)
      const norm = Math.hypot(...axis)
      return axis.map((v) => v / norm)
    }),
  }
  const centroids = Array.from({ length: 4 }, () => Array.from({ length: 6 }, () => 2 * random() - 1))
  const sources = [relation(rows.slice(0, 1700)), relation(rows.slice(1700))]

  it('gives the sizes, CDI sums and inertia of the term-by-term nearest centroid, summed over its sources', async () => {
    const want = reference(rows, projection, centroids)
    const totals = await sourceTotals(db, sources, projection)
    expect(Math.abs(totals.squaredNorm - want.squared) / want.squared).toBeLessThan(1e-12)
    // The projection's means are not the rows' own, so Σ n·(x − means) is far from 0 here.
    const notional = rows.reduce((s, r) => s + r.n * (r.x[6]! - projection.means[6]!), 0)
    expect(Math.abs(totals.centredSums[6]! - notional) / Math.abs(notional)).toBeLessThan(1e-12)
    const got = await assignAll(db, sources, projection, centroids, totals)
    expect(got.sizes).toEqual(want.sizes)
    expect(got.cdiSums).toEqual(want.cdiSums)
    expect(got.sizes.every((s) => s > 0n)).toBe(true)
    expect(Math.abs(got.inertia - want.inertia) / want.inertia).toBeLessThan(1e-12)
  })

  it('gives the same bits on every run', async () => {
    const totals = await sourceTotals(db, sources, projection)
    const first = await assignAll(db, sources, projection, centroids, totals)
    for (let i = 0; i < 3; i++) {
      expect(await sourceTotals(db, sources, projection)).toEqual(totals)
      expect(await assignAll(db, sources, projection, centroids, totals)).toEqual(first)
    }
  })

  it('gives a row equidistant from two centroids to the lower index, and a perfect fit inertia 0', async () => {
    const identity: Projection = {
      means: new Array<number>(D).fill(0),
      scales: new Array<number>(D).fill(1),
      components: Array.from({ length: 6 }, (_, a) => Array.from({ length: D }, (__, j) => (a === j ? 1 : 0))),
    }
    const at = (first: number) => ({ x: [first, 0, 0, 0, 0, 0, 0], cdi: 10, n: 2 })
    // Row 0 is as far from centroid 2 (−1) as from centroid 1 (+1); centroids 0 and 3 are far away.
    const tie = relation([at(0)])
    const far = [[9, 9, 9, 9, 9, 9], [1, 0, 0, 0, 0, 0], [-1, 0, 0, 0, 0, 0], [-9, 9, 9, 9, 9, 9]]
    const tied = await assignAll(db, [tie], identity, far, await sourceTotals(db, [tie], identity))
    expect(tied.sizes).toEqual([0n, 2n, 0n, 0n])
    expect(tied.inertia).toBe(2)
    const onCentres = relation([at(1), at(-1), at(1)])
    const fit = await assignAll(db, [onCentres], identity, far, await sourceTotals(db, [onCentres], identity))
    expect(fit.sizes).toEqual([0n, 4n, 2n, 0n])
    expect(fit.cdiSums).toEqual([0n, 40n, 20n, 0n])
    expect(fit.inertia).toBe(0)
    // One centroid: every row is its; the inertia is Σ n·|p − c|².
    const one = await assignAll(db, [onCentres], identity, [[1, 0, 0, 0, 0, 0]], await sourceTotals(db, [onCentres], identity))
    expect(one).toEqual({ sizes: [6n], cdiSums: [60n], inertia: 2 * 4 })
    // A source without rows adds nothing.
    const empty = `(SELECT * FROM ${onCentres} WHERE n < 0)`
    expect(await assignAll(db, [empty, tie], identity, far, await sourceTotals(db, [empty, tie], identity))).toEqual(tied)
  })
})
