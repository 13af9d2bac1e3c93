import { StrataError } from '../../framework/errors/index.js'

/**
 * Every bin's proportion is floored at this before the log (SPEC §7), so an empty bin on one
 * side gives a large but finite term instead of an infinite one.
 */
export const PSI_FLOOR = 1e-6

/** Number of fixed CDI bins: [0,10), [10,20), … [80,90), [90,100]. */
export const CDI_BIN_COUNT = 10

/**
 * Population stability index of `current` against `baseline`, both given as counts per bin
 * (same bins, same order): Σ (c' − b') · ln(c' / b') with c' = max(c, 1e-6), b' = max(b, 1e-6)
 * on the proportions. Null when either side has no rows, because proportions are then undefined.
 *
 * @example
 * psiFromCounts([50, 50], [25, 75]) // (0.5−0.25)·ln 2 + (0.5−0.75)·ln(2/3) ≈ 0.2747
 */
export function psiFromCounts(current: readonly number[], baseline: readonly number[]): number | null {
  if (current.length !== baseline.length || current.length === 0) {
    throw new StrataError('compute', `PSI needs two count vectors over the same bins (got ${current.length} and ${baseline.length} bins)`)
  }
  for (const n of [...current, ...baseline]) {
    if (!Number.isFinite(n) || n < 0) throw new StrataError('compute', `PSI counts must be finite and ≥ 0 (got ${n})`)
  }
  const currentTotal = sum(current)
  const baselineTotal = sum(baseline)
  if (currentTotal === 0 || baselineTotal === 0) return null
  let psi = 0
  for (let i = 0; i < current.length; i++) {
    const c = Math.max((current[i] ?? 0) / currentTotal, PSI_FLOOR)
    const b = Math.max((baseline[i] ?? 0) / baselineTotal, PSI_FLOOR)
    psi += (c - b) * Math.log(c / b)
  }
  return psi
}

/** The fixed CDI bin of a score 0..100; 100 belongs to the last bin [90,100]. */
export function cdiBin(cdi: number): number {
  if (!Number.isInteger(cdi) || cdi < 0 || cdi > 100) throw new StrataError('input', `CDI must be an integer in 0..100 (got ${cdi})`)
  return Math.min(Math.floor(cdi / 10), CDI_BIN_COUNT - 1)
}

/**
 * The bin of `value` for left-closed bins (−∞, e₀), [e₀, e₁), …, [e_last, +∞): the number of
 * edges at or below the value. `edges` must be ascending without duplicates (see `mergeEdges`).
 */
export function featureBin(value: number, edges: readonly number[]): number {
  let bin = 0
  for (const edge of edges) if (value >= edge) bin++
  return bin
}

/** Ascending edges with duplicates merged, as SPEC §7 asks of the baseline quantiles. */
export function mergeEdges(edges: readonly number[]): number[] {
  return [...new Set(edges)].sort((a, b) => a - b)
}

function sum(values: readonly number[]): number {
  let total = 0
  for (const v of values) total += v
  return total
}
