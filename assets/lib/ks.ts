import { StrataError } from '../../framework/errors/index.js'

/** One distinct value of a sample and how many times it occurs. */
export interface ValueCount {
  readonly value: number
  readonly count: number
}

/**
 * Two-sample Kolmogorov–Smirnov statistic sup |F_a(x) − F_b(x)| from two ECDFs, each given as
 * distinct values ascending with their counts. The ECDFs are compared after each distinct value
 * of the merged samples (ties move both steps at once), and the gap is taken as
 * |cum_a·N_b − cum_b·N_a| / (N_a·N_b) so that only the final division rounds.
 * Null when either sample is empty.
 *
 * @example
 * ksStatistic([{ value: 1, count: 1 }, { value: 2, count: 1 }], [{ value: 2, count: 1 }, { value: 3, count: 1 }]) // 0.5
 */
export function ksStatistic(a: readonly ValueCount[], b: readonly ValueCount[]): number | null {
  assertSortedCounts(a, 'first')
  assertSortedCounts(b, 'second')
  const totalA = a.reduce((s, v) => s + v.count, 0)
  const totalB = b.reduce((s, v) => s + v.count, 0)
  if (totalA === 0 || totalB === 0) return null
  let i = 0
  let j = 0
  let cumA = 0
  let cumB = 0
  let maxGap = 0
  while (i < a.length || j < b.length) {
    const va = a[i]?.value ?? Infinity
    const vb = b[j]?.value ?? Infinity
    const x = Math.min(va, vb)
    if (va === x) cumA += a[i++]?.count ?? 0
    if (vb === x) cumB += b[j++]?.count ?? 0
    maxGap = Math.max(maxGap, Math.abs(cumA * totalB - cumB * totalA))
  }
  return maxGap / (totalA * totalB)
}

function assertSortedCounts(sample: readonly ValueCount[], which: string): void {
  for (let k = 0; k < sample.length; k++) {
    const item = sample[k]
    if (item === undefined) continue
    if (!Number.isFinite(item.value) || !Number.isFinite(item.count) || item.count < 0) {
      throw new StrataError('compute', `KS: the ${which} sample has a non-finite value or a negative count at position ${k}`)
    }
    const previous = sample[k - 1]
    if (previous !== undefined && !(previous.value < item.value)) {
      throw new StrataError('compute', `KS: the ${which} sample must list distinct values in ascending order (position ${k})`)
    }
  }
}
