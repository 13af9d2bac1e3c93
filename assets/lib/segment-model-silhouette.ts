/**
 * Mean silhouette (Rousseeuw 1987) with Euclidean distances: s = (b − a) / max(a, b), 0 for a
 * point alone in its cluster. Null when fewer than 2 or more than n − 1 clusters are used, where
 * it is undefined. O(n²): meant for ≤ 10,000 points.
 */
export function silhouetteScore(points: Float64Array, dim: number, labels: Int32Array, k: number): number | null {
  const n = labels.length
  const counts = new Float64Array(k)
  for (let i = 0; i < n; i++) counts[labels[i]!]! += 1
  let used = 0
  for (let c = 0; c < k; c++) if (counts[c]! > 0) used++
  if (used < 2 || used > n - 1) return null
  const sums = silhouetteSums(points, dim, labels, k)
  let total = 0
  for (let i = 0; i < n; i++) {
    const own = labels[i]!
    if (counts[own]! <= 1) continue
    const a = sums[i * k + own]! / (counts[own]! - 1)
    let b = Infinity
    for (let c = 0; c < k; c++) {
      if (c === own || counts[c] === 0) continue
      const mean = sums[i * k + c]! / counts[c]!
      if (mean < b) b = mean
    }
    const denominator = Math.max(a, b)
    if (denominator > 0) total += (b - a) / denominator
  }
  return total / n
}

/**
 * Per point i and cluster c, the sum of the distances from i to the points of c, each sum taken
 * over j in increasing order and each squared distance summed in column order (as
 * `squaredDistance`), so the result does not depend on how the loop is arranged. Each pair is
 * measured once: row i's own sums are kept in locals while j runs, row j's get their term directly.
 */
function silhouetteSums(points: Float64Array, dim: number, labels: Int32Array, k: number): Float64Array {
  const n = labels.length
  const sums = new Float64Array(n * k)
  const own = new Float64Array(k)
  const xi = new Float64Array(dim)
  for (let i = 0; i < n; i++) {
    const li = labels[i]!
    const io = i * k
    // Terms from j < i are all in already; the rest follow in order of j.
    for (let c = 0; c < k; c++) own[c] = sums[io + c]!
    if (dim === 6) {
      const p0 = points[i * 6]!
      const p1 = points[i * 6 + 1]!
      const p2 = points[i * 6 + 2]!
      const p3 = points[i * 6 + 3]!
      const p4 = points[i * 6 + 4]!
      const p5 = points[i * 6 + 5]!
      for (let j = i + 1, jo = (i + 1) * 6; j < n; j++, jo += 6) {
        const d0 = p0 - points[jo]!
        const d1 = p1 - points[jo + 1]!
        const d2 = p2 - points[jo + 2]!
        const d3 = p3 - points[jo + 3]!
        const d4 = p4 - points[jo + 4]!
        const d5 = p5 - points[jo + 5]!
        let sq = 0
        sq += d0 * d0
        sq += d1 * d1
        sq += d2 * d2
        sq += d3 * d3
        sq += d4 * d4
        sq += d5 * d5
        const dist = Math.sqrt(sq)
        own[labels[j]!]! += dist
        sums[j * k + li]! += dist
      }
    } else {
      for (let t = 0; t < dim; t++) xi[t] = points[i * dim + t]!
      for (let j = i + 1; j < n; j++) {
        const jo = j * dim
        let sq = 0
        for (let t = 0; t < dim; t++) {
          const diff = xi[t]! - points[jo + t]!
          sq += diff * diff
        }
        const dist = Math.sqrt(sq)
        own[labels[j]!]! += dist
        sums[j * k + li]! += dist
      }
    }
    for (let c = 0; c < k; c++) sums[io + c] = own[c]!
  }
  return sums
}
