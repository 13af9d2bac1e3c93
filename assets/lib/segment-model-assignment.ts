import { quoteIdent, type SqlEngine } from '../../framework/sql/index.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type SegmentName } from './segment-model-types.js'
import type { Matrix } from './segment-model-pca.js'
import { doubleLiteral } from './sql-literals.js'

/**
 * Inertia is summed exactly in DuckDB as integers: each squared distance (standardised PCA
 * space) is rounded to a grid of 2^-48, so that parallel aggregation (whose combine order varies
 * between runs) still gives the same bits on every rerun.
 */
const GRID_BITS = 48
const GRID = 2 ** GRID_BITS

/**
 * SQL over `source` (a relation with the seven features as DOUBLE columns) adding `label` (the
 * nearest centroid, ties → lower index) and `dist` (its squared distance) in PCA space. The
 * model's numbers are written as exact DOUBLE literals.
 */
export function nearestCentroidSql(source: string, means: readonly number[], scales: readonly number[], components: Matrix, centroids: Matrix): string {
  const z = MODEL_FEATURES.map((f, j) => `((${quoteIdent(f)} - ${doubleLiteral(means[j]!)}) / ${doubleLiteral(scales[j]!)}) AS z${j}`)
  const p = components.map((axis, c) => `(${axis.map((w, j) => `z${j} * ${doubleLiteral(w)}`).join(' + ')}) AS p${c}`)
  const dist = centroids.map((centre, k) => `(${centre.map((v, c) => `(p${c} - ${doubleLiteral(v)}) * (p${c} - ${doubleLiteral(v)})`).join(' + ')}) AS d${k}`)
  const k = centroids.length
  const whens: string[] = []
  for (let i = 0; i < k - 1; i++) {
    whens.push(`WHEN ${Array.from({ length: k - 1 - i }, (_, m) => `d${i} <= d${i + 1 + m}`).join(' AND ')} THEN ${i}`)
  }
  const label = k === 1 ? '0' : `CASE ${whens.join(' ')} ELSE ${k - 1} END`
  const ds = Array.from({ length: k }, (_, i) => `d${i}`).join(', ')
  return `SELECT *, ${label} AS label, ${k === 1 ? 'd0' : `least(${ds})`} AS dist
    FROM (SELECT *, ${dist.join(', ')} FROM (SELECT *, ${p.join(', ')} FROM (SELECT *, ${z.join(', ')} FROM ${source})))`
}

export interface ClusterStats {
  /** Per centroid: rows nearest to it, and the sum of their CDI (exact). */
  readonly sizes: bigint[]
  readonly cdiSums: bigint[]
  readonly inertia: number
}

/**
 * The pass over every training row, once per distinct vector of `sources` (relations of the seven
 * features, cdi and n, e.g. the window's groups, one statement each; the integer sums add up exactly):
 * nearest centroid and squared distance per vector, grouped by cluster with each vector weighted
 * by its count. Equal vectors give equal distance bits, so Σ round(dist · 2^48) · n is exactly
 * the per-row sum of the grid values (HUGEINT), and the CDI (an integer) sums exactly too.
 */
export async function assignAll(conn: SqlEngine, sources: readonly string[], means: readonly number[], scales: readonly number[], components: Matrix, centroids: Matrix): Promise<ClusterStats> {
  const sizes = centroids.map(() => 0n)
  const cdiSums = centroids.map(() => 0n)
  let grid = 0n
  for (const source of sources) {
    const rows = await conn.all<{ label: number; n: bigint; cdi_sum: bigint; dist_grid: bigint }>(
      `SELECT label, CAST(sum(n) AS HUGEINT) AS n, sum(CAST(cdi AS HUGEINT) * n) AS cdi_sum, sum(CAST(round(dist * ${doubleLiteral(GRID)}) AS HUGEINT) * n) AS dist_grid
       FROM (${nearestCentroidSql(source, means, scales, components, centroids)})
       GROUP BY label`,
    )
    for (const row of rows) {
      sizes[row.label]! += row.n
      cdiSums[row.label]! += row.cdi_sum
      grid += row.dist_grid
    }
  }
  return { sizes, cdiSums, inertia: Number(grid) / GRID }
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
