import { quoteIdent, type SqlEngine } from '../../framework/sql/index.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type SegmentName } from './segment-model-types.js'
import { projectionSql, type Matrix, type Projection } from './segment-model-pca.js'
import { doubleLiteral } from './sql-literals.js'

/** What the assignment pass takes from the moments of its rows (p the projection, u = x − means). */
export interface SourceTotals {
  /** Σ n·|p|². */
  readonly squaredNorm: number
  /** Per feature, Σ n·u_j (≈ 0 when the means are the rows' own). */
  readonly centredSums: readonly number[]
}

export interface ClusterStats {
  /** Per centroid: rows nearest to it, and the sum of their CDI (exact). */
  readonly sizes: bigint[]
  readonly cdiSums: bigint[]
  readonly inertia: number
}

/**
 * Per-row values are summed exactly as integers on a grid of 2^-48 (HUGEINT), so that parallel
 * aggregation, whose combine order varies between runs, still gives the same bits every time
 * (|n · value| must stay under 2^79, far beyond any real row).
 */
const GRID = 2 ** 48

/**
 * The pass over every training row, once per distinct vector of `sources` (relations of the seven
 * features, cdi and n; one statement each, so that a statement started while the day's other steps
 * hold cores does not keep them to itself). It never computes a distance: since
 *
 *   |p − c_k|² = |p|² + s_k,  s_k = |c_k|² − 2 p·c_k = |c_k|² + h_k·u,
 *
 * with p affine in x, the nearest centroid is decided by the three differences d_k = s_k − s_0,
 * seven products of u each (~50 operations a vector, where the projection and four distances took
 * ~200): the label is 0 when none is negative, else the first k whose d_k is the least (ties → lower
 * index). The inertia is Σ n·|p|² + Σ n·s_0 + Σ n·min(0, d_k), where Σ n·s_0 = n·|c_0|² + h_0·Σ n·u
 * comes from `totals` (which the caller has from the rows' moments) and the last sum from the pass,
 * exact on its grid. Per cluster the pass sums n, n·cdi and that term. Labels agree with the
 * SPEC's term-by-term distances (segments.ts) except within rounding (~1e-13) of a boundary
 * between two centroids.
 */
export async function assignAll(conn: SqlEngine, sources: readonly string[], projection: Projection, centroids: Matrix, totals: SourceTotals): Promise<ClusterStats> {
  const h = centroids.map((centre) => centredWeights(projection, centre))
  const sizes = centroids.map(() => 0n)
  const cdiSums = centroids.map(() => 0n)
  let offsets = 0n
  for (const source of sources) {
    const rows = await conn.all<{ label: number; n: bigint; cdi_sum: bigint; offset: bigint }>(clusterSumsSql(source, projection.means, centroids, h))
    for (const row of rows) {
      sizes[row.label]! += BigInt(row.n)
      cdiSums[row.label]! += BigInt(row.cdi_sum)
      offsets += BigInt(row.offset)
    }
  }
  const n = Number(sizes.reduce((s, v) => s + v, 0n))
  const first = n * squared(centroids[0]!) + h[0]!.reduce((s, w, j) => s + w * totals.centredSums[j]!, 0)
  // Rounding can leave a perfectly fitted model a hair below zero.
  return { sizes, cdiSums, inertia: Math.max(0, totals.squaredNorm + first + Number(offsets) / GRID) }
}

/** h with s = |c|² + h·u: h_j = −2 Σ_a w_aj c_a / scale_j, since p·c = Σ_j u_j / scale_j · Σ_a w_aj c_a. */
function centredWeights(projection: Projection, centre: readonly number[]): number[] {
  return projection.means.map((_, j) => (-2 * projection.components.reduce((s, axis, a) => s + axis[j]! * centre[a]!, 0)) / projection.scales[j]!)
}

function squared(v: readonly number[]): number {
  return v.reduce((s, x) => s + x * x, 0)
}

/** One row per non-empty cluster of `source`: label, n, cdi_sum and offset (Σ round(n · min(0, d_k) · 2^48)). */
function clusterSumsSql(source: string, means: readonly number[], centroids: Matrix, h: readonly (readonly number[])[]): string {
  const u = MODEL_FEATURES.map((f, j) => `(${quoteIdent(f)} - ${doubleLiteral(means[j]!)}) AS u${j}`)
  const others = centroids.slice(1).map((centre, i) => {
    const k = i + 1
    const terms = MODEL_FEATURES.map((_, j) => `u${j} * ${doubleLiteral(h[k]![j]! - h[0]![j]!)}`)
    return `(${doubleLiteral(squared(centre) - squared(centroids[0]!))} + ${terms.join(' + ')}) AS d${k}`
  })
  if (others.length === 0) return `SELECT 0 AS label, sum(n) AS n, sum(CAST(cdi AS BIGINT) * n) AS cdi_sum, sum(CAST(0 AS HUGEINT)) AS offset FROM ${source} GROUP BY label`
  const k = centroids.length
  const label = `CASE WHEN least_d = 0 THEN 0 ${others.slice(0, -1).map((_, i) => `WHEN d${i + 1} = least_d THEN ${i + 1}`).join(' ')} ELSE ${k - 1} END`
  // n · min(0, d_k) as a double, then on the grid: one HUGEINT cast per row and no HUGEINT product.
  return `SELECT label, sum(n) AS n, sum(CAST(cdi AS BIGINT) * n) AS cdi_sum, sum(CAST(least_d * n * ${doubleLiteral(GRID)} AS HUGEINT)) AS offset
    FROM (SELECT *, ${label} AS label FROM (SELECT *, least(0, ${others.map((_, i) => `d${i + 1}`).join(', ')}) AS least_d FROM (SELECT *, ${others.join(', ')} FROM (SELECT cdi, n, ${u.join(', ')} FROM ${source}))))
    GROUP BY label`
}

/**
 * The SourceTotals of `sources` by one pass over them, exact on the grid: for rows whose moments
 * are not already known (the stable segmentation's day, standardised over a sample of it).
 */
export async function sourceTotals(conn: SqlEngine, sources: readonly string[], projection: Projection): Promise<SourceTotals> {
  const { z, p } = projectionSql(MODEL_FEATURES.map(quoteIdent), projection)
  const onGrid = (value: string) => `sum(CAST((${value}) * n * ${doubleLiteral(GRID)} AS HUGEINT))`
  const centred = MODEL_FEATURES.map((f, j) => `${onGrid(`${quoteIdent(f)} - ${doubleLiteral(projection.means[j]!)}`)} AS u${j}`)
  let norm = 0n
  const sums = MODEL_FEATURES.map(() => 0n)
  for (const source of sources) {
    const [row] = await conn.all<Record<string, bigint | null>>(
      `SELECT ${onGrid(p.map((_, a) => `p${a} * p${a}`).join(' + '))} AS squared, ${centred.join(', ')}
       FROM (SELECT *, ${p.join(', ')} FROM (SELECT *, ${z.join(', ')} FROM ${source}))`,
    )
    norm += BigInt(row?.squared ?? 0n)
    MODEL_FEATURES.forEach((_, j) => (sums[j]! += BigInt(row?.[`u${j}`] ?? 0n)))
  }
  return { squaredNorm: Number(norm) / GRID, centredSums: sums.map((s) => Number(s) / GRID) }
}

/**
 * SPEC §5 naming: clusters ranked by the mean CDI of their rows, highest first; empty clusters
 * last; equal means (compared exactly, as fractions) keep the lower index first. Returns the name
 * of each centroid.
 */
export function nameClusters(stats: { readonly sizes: readonly bigint[]; readonly cdiSums: readonly bigint[] }): SegmentName[] {
  const order = stats.sizes.map((_, i) => i)
  order.sort((a, b) => {
    const na = stats.sizes[a]!
    const nb = stats.sizes[b]!
    if (na === 0n || nb === 0n) return na === nb ? a - b : na === 0n ? 1 : -1
    // mean_a > mean_b  ⇔  sum_a · n_b > sum_b · n_a, since counts are positive.
    const lhs = stats.cdiSums[a]! * nb
    const rhs = stats.cdiSums[b]! * na
    return lhs > rhs ? -1 : lhs < rhs ? 1 : a - b
  })
  const names = new Array<SegmentName>(order.length)
  order.forEach((cluster, rank) => (names[cluster] = SEGMENT_NAMES[rank]!))
  return names
}
