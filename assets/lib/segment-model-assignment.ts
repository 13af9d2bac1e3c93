import { quoteIdent, type SqlEngine } from '../../framework/sql/index.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type SegmentName } from './segment-model-types.js'
import type { Matrix } from './segment-model-pca.js'
import { doubleLiteral } from './sql-literals.js'

/** The model's map from the seven features to PCA space: p = ((x − means) / scales) · componentsᵀ. */
export interface Projection {
  readonly means: readonly number[]
  readonly scales: readonly number[]
  readonly components: Matrix
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
 * (|n · min s_k| must stay under 2^79, far beyond any real row).
 */
const GRID = 2 ** 48

/**
 * The pass over every training row, once per distinct vector of `sources` (relations of the seven
 * features, cdi and n; one statement each, so that a statement started while the day's other steps
 * hold cores does not keep them to itself). It never computes a distance: since
 *
 *   |p − c_k|² = |p|² + s_k,  s_k = |c_k|² − 2 p·c_k,
 *
 * and p is affine in x, each s_k is seven products of x − means (~60 operations a vector for the
 * four, where the projection and four distances took ~200). The smallest s_k gives the label (ties
 * → lower index), and the inertia is `squaredNorm` (Σ n·|p|² over the same rows, which the caller
 * knows from their moments) plus Σ n·min s_k. Per cluster the pass sums n, n·cdi and n·min s_k,
 * each exactly. Labels agree with the SPEC's term-by-term distances (segments.ts) except within
 * rounding (~1e-13) of a boundary between two centroids.
 */
export async function assignAll(conn: SqlEngine, sources: readonly string[], projection: Projection, centroids: Matrix, squaredNorm: number): Promise<ClusterStats> {
  const sizes = centroids.map(() => 0n)
  const cdiSums = centroids.map(() => 0n)
  let offsets = 0n
  for (const source of sources) {
    const rows = await conn.all<{ label: number; n: bigint; cdi_sum: bigint; offset: bigint }>(clusterSumsSql(source, projection, centroids))
    for (const row of rows) {
      sizes[row.label]! += BigInt(row.n)
      cdiSums[row.label]! += BigInt(row.cdi_sum)
      offsets += BigInt(row.offset)
    }
  }
  // Rounding can leave a perfectly fitted model a hair below zero.
  return { sizes, cdiSums, inertia: Math.max(0, squaredNorm + Number(offsets) / GRID) }
}

/** One row per non-empty cluster of `source`: label, n, cdi_sum and offset (Σ round(n · min s_k · 2^48)). */
function clusterSumsSql(source: string, projection: Projection, centroids: Matrix): string {
  const { means, scales, components } = projection
  const u = MODEL_FEATURES.map((f, j) => `(${quoteIdent(f)} - ${doubleLiteral(means[j]!)}) AS u${j}`)
  const scores = centroids.map((centre, c) => {
    // p·c = Σ_j (x_j − m_j) / s_j · Σ_a w_aj c_a
    const terms = MODEL_FEATURES.map((_, j) => {
      const along = components.reduce((s, axis, a) => s + axis[j]! * centre[a]!, 0)
      return `u${j} * ${doubleLiteral((-2 * along) / scales[j]!)}`
    })
    return `(${doubleLiteral(centre.reduce((s, v) => s + v * v, 0))} + ${terms.join(' + ')}) AS s${c}`
  })
  const k = centroids.length
  // The first score equal to the smallest: ties go to the lower index.
  const label = k === 1 ? '0' : `CASE ${centroids.slice(0, -1).map((_, c) => `WHEN s${c} = least_s THEN ${c}`).join(' ')} ELSE ${k - 1} END`
  const least = k === 1 ? 's0' : `least(${centroids.map((_, c) => `s${c}`).join(', ')})`
  // n · min s_k as a double, then on the grid: one HUGEINT cast per row and no HUGEINT product.
  return `SELECT label, sum(n) AS n, sum(CAST(cdi AS BIGINT) * n) AS cdi_sum, sum(CAST(least_s * n * ${doubleLiteral(GRID)} AS HUGEINT)) AS offset
    FROM (SELECT *, ${label} AS label FROM (SELECT *, ${least} AS least_s FROM (SELECT *, ${scores.join(', ')} FROM (SELECT cdi, n, ${u.join(', ')} FROM ${source}))))
    GROUP BY label`
}

/**
 * Σ n·|p|² over `sources`, exact on the grid: for sources whose moments are not already known (the
 * stable segmentation's day of rows).
 */
export async function squaredNormSum(conn: SqlEngine, sources: readonly string[], projection: Projection): Promise<number> {
  const { means, scales, components } = projection
  const z = MODEL_FEATURES.map((f, j) => `((${quoteIdent(f)} - ${doubleLiteral(means[j]!)}) / ${doubleLiteral(scales[j]!)}) AS z${j}`)
  const p = components.map((axis) => `(${axis.map((w, j) => `z${j} * ${doubleLiteral(w)}`).join(' + ')})`)
  let sum = 0n
  for (const source of sources) {
    const [row] = await conn.all<{ squared: bigint | null }>(
      `SELECT sum(CAST((${p.map((q) => `${q} * ${q}`).join(' + ')}) * n * ${doubleLiteral(GRID)} AS HUGEINT)) AS squared
       FROM (SELECT *, ${z.join(', ')} FROM ${source})`,
    )
    sum += BigInt(row?.squared ?? 0n)
  }
  return Number(sum) / GRID
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
