/**
 * Adjusted Rand index (Hubert & Arabie 1985) of two labellings of the same points: 1 for the same
 * partition (whatever the label numbers), about 0 for chance agreement. Labels are small
 * non-negative integers. When both labellings put every point in one cluster (or each point
 * alone), the index is 0/0; like scikit-learn's adjusted_rand_score it is then 1.
 */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length
  if (b.length !== n) throw new RangeError(`adjustedRandIndex: labellings of ${n} and ${b.length} points`)
  if (n < 2) return 1
  let ka = 0
  let kb = 0
  for (let i = 0; i < n; i++) {
    ka = Math.max(ka, a[i]! + 1)
    kb = Math.max(kb, b[i]! + 1)
  }
  const table = new Float64Array(ka * kb)
  const rows = new Float64Array(ka)
  const cols = new Float64Array(kb)
  for (let i = 0; i < n; i++) {
    table[a[i]! * kb + b[i]!]! += 1
    rows[a[i]!]! += 1
    cols[b[i]!]! += 1
  }
  const pairs = (m: number): number => (m * (m - 1)) / 2
  let index = 0
  for (const m of table) index += pairs(m)
  let sumA = 0
  for (const m of rows) sumA += pairs(m)
  let sumB = 0
  for (const m of cols) sumB += pairs(m)
  const expected = (sumA * sumB) / pairs(n)
  const max = (sumA + sumB) / 2
  if (max === expected) return 1
  return (index - expected) / (max - expected)
}

/** Mean and minimum ARI over every pair of the labellings; null with fewer than two. */
export function pairwiseAgreement(labellings: readonly ArrayLike<number>[]): { mean: number; min: number } | null {
  const values: number[] = []
  for (let i = 0; i < labellings.length; i++) for (let j = i + 1; j < labellings.length; j++) values.push(adjustedRandIndex(labellings[i]!, labellings[j]!))
  if (values.length === 0) return null
  return { mean: values.reduce((s, v) => s + v, 0) / values.length, min: Math.min(...values) }
}
