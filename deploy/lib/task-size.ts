/**
 * Fargate CPU, memory and disk for the daily task, from the benchmark figures on realistic data
 * (BENCHMARKS.md, one day = every daily asset, Monday with the weekly week_stats and
 * segment_model, 90-day windows, 2 cores, concurrency 3): peak RSS 386 MiB at 100,000 customers
 * and 1,540 MiB at 1,000,000 (the highest of the 1M Monday's benches).
 *
 * The rule:
 * - peak(c) = 258 MiB + 1.282 MiB per 1,000 customers — the line through the two measured peaks;
 * - memory = the smallest Fargate size for the CPU that is at least 2 × peak(c): the headroom
 *   covers what two points cannot show (DuckDB's spikes between them, the heap growing past the
 *   1M figure) and a catch-up tick, whose days run one after another, never adds up;
 * - CPU = 1 vCPU up to 250,000 customers, else 2 (the benchmark machine: the 1M Monday took
 *   16.6 s there, so time is never what limits), more only when the memory needs it;
 * - ephemeral storage = 21 GiB (Fargate's minimum) up to 1M customers — the 1M × 90-day set
 *   with its store is about 3 GiB, so the local cache fits seven times — and 20 GiB more per
 *   further million (max 200).
 * Beyond 1M customers the figures are an extrapolation, not a measurement.
 */
export interface TaskSize {
  /** CPU units (1024 = 1 vCPU), as Fargate takes them. */
  readonly cpu: number
  readonly memoryMiB: number
  readonly ephemeralStorageGiB: number
  /** The peak the rule expects, MiB. */
  readonly expectedPeakMiB: number
}

const PEAK_100K_MIB = 386
const PEAK_1M_MIB = 1540
const SLOPE_MIB_PER_CUSTOMER = (PEAK_1M_MIB - PEAK_100K_MIB) / 900_000
const BASE_MIB = PEAK_100K_MIB - 100_000 * SLOPE_MIB_PER_CUSTOMER
const HEADROOM = 2

/** Fargate's CPU sizes and the memory each allows (MiB): from, to, step. */
const FARGATE_SIZES: readonly { cpu: number; from: number; to: number; step: number }[] = [
  { cpu: 256, from: 512, to: 2048, step: 512 },
  { cpu: 512, from: 1024, to: 4096, step: 1024 },
  { cpu: 1024, from: 2048, to: 8192, step: 1024 },
  { cpu: 2048, from: 4096, to: 16384, step: 1024 },
  { cpu: 4096, from: 8192, to: 30720, step: 1024 },
  { cpu: 8192, from: 16384, to: 61440, step: 4096 },
  { cpu: 16384, from: 32768, to: 122880, step: 8192 },
]

/** The most customers whose doubled peak fits Fargate's largest task (120 GiB): ~47.7M, rounded down. */
export const MAX_CUSTOMERS = 45_000_000

export function taskSizeFor(customers: number): TaskSize {
  if (!Number.isSafeInteger(customers) || customers < 1 || customers > MAX_CUSTOMERS) {
    throw new Error(`customers ${customers} is not a whole number from 1 to ${MAX_CUSTOMERS.toLocaleString('en')}`)
  }
  const expectedPeakMiB = Math.ceil(BASE_MIB + customers * SLOPE_MIB_PER_CUSTOMER)
  const needed = expectedPeakMiB * HEADROOM
  const minCpu = customers <= 250_000 ? 1024 : 2048
  for (const size of FARGATE_SIZES) {
    if (size.cpu < minCpu || size.to < needed) continue
    const memoryMiB = Math.max(size.from, Math.ceil(needed / size.step) * size.step)
    const extraMillions = Math.max(0, Math.ceil((customers - 1_000_000) / 1_000_000))
    return { cpu: size.cpu, memoryMiB, ephemeralStorageGiB: Math.min(200, 21 + 20 * extraMillions), expectedPeakMiB }
  }
  throw new Error(`no Fargate size holds ${needed} MiB (customers ${customers})`)
}
