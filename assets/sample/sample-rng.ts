import { mulberry32 } from '../lib/mulberry32.js'

/** The draws the sample needs, all from one mulberry32 stream so the same seed gives the same files. */
export class Rng {
  readonly next: () => number
  constructor(seed: number) {
    this.next = mulberry32(seed)
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  normal(): number {
    const u = 1 - this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next())
  }
  /** Knuth's method; rates here are below ~3, where it is both exact and fast. */
  poisson(rate: number): number {
    const limit = Math.exp(-rate)
    let k = 0
    let p = this.next()
    while (p > limit) {
      k++
      p *= this.next()
    }
    return k
  }
}

/** Cumulative shares of `weights`, for `pick`; the last is exactly 1. */
export function cumulative(weights: readonly number[]): Float64Array {
  const total = weights.reduce((a, b) => a + b, 0)
  const out = new Float64Array(weights.length)
  let acc = 0
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]! / total
    out[i] = acc
  }
  // Rounding must never leave a draw just below 1 without a bucket.
  out[weights.length - 1] = 1
  return out
}

/** The bucket of a uniform draw `r` on cumulative shares `cum`. */
export function pick(cum: Float64Array, r: number): number {
  let i = 0
  while (i < cum.length - 1 && r >= cum[i]!) i++
  return i
}
