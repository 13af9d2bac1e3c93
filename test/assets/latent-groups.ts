import { mulberry32 } from '../../assets/lib/mulberry32.js'

/** A standard normal draw from two uniforms (Box–Muller). */
export function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

/**
 * Latent groups that overlap, as customer behaviour does: n rows of six groups of unequal size in
 * `dim` dimensions, centres 2–3 standard deviations apart, with per-group spreads, so that k = 4
 * must merge groups and the optimum is not obvious.
 */
export function latentGroups(n: number, dim: number, seed: number): Float64Array {
  const random = mulberry32(seed)
  const normal = gaussian(random)
  const centres = Array.from({ length: 6 }, () => Array.from({ length: dim }, () => 6 * random()))
  const spreads = centres.map(() => 0.6 + random())
  const shares = [0.35, 0.25, 0.15, 0.12, 0.08, 0.05]
  const data = new Float64Array(n * dim)
  for (let i = 0; i < n; i++) {
    let u = random()
    let g = 0
    while (g < shares.length - 1 && u >= shares[g]!) u -= shares[g++]!
    for (let j = 0; j < dim; j++) data[i * dim + j] = centres[g]![j]! + spreads[g]! * normal()
  }
  return data
}
