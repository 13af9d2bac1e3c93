import { StrataError } from '../../framework/errors/index.js'
import { fromEpochDay, isDateKey, toEpochDay } from '../../framework/partitions/index.js'
import type { LandingWriter } from './landing-writer.js'
import { SAMPLE_PROFILES, sampleShape, type SampleProfile, type SampleShape } from './sample-profile.js'
import type { BehaviourGroupsWriter } from './behaviour-groups.js'

export interface GenerateSampleOptions {
  readonly out: LandingWriter
  /** Distinct customers over the whole sample (some sign up during it, a few churn). */
  readonly customers: number
  /** Number of ingest days. */
  readonly days: number
  /** First ingest day, `YYYY-MM-DD`. */
  readonly start: string
  /** PRNG seed; the same options give byte-identical files. Default 42. */
  readonly seed?: number
  /** `realistic` (default): shaped like real exports; `light`: the lighter, cleaner shape for fast tests. */
  readonly profile?: SampleProfile
  /** From this ingest day on the digital groups behave more digitally. */
  readonly driftFrom?: string
  /** Share 0..1 of rows that are corrupted (light: increment rows only). Default 0.01 realistic, 0 light. */
  readonly badRows?: number
  /** Write increments (realistic: every file) as `<name>.csv.gz`. Default false (realistic: about a fifth of the files). */
  readonly gzip?: boolean
  /** Receives each customer's behaviour group (behaviour-groups.ts), kept beside the landing, not in it. */
  readonly behaviourGroups?: BehaviourGroupsWriter
}

function usage(message: string, hint: string): StrataError {
  return new StrataError('usage', `generate-sample: ${message}`, hint)
}

export interface ValidatedOptions {
  readonly customers: number
  readonly days: number
  readonly start: string
  readonly startEpochDay: number
  readonly seed: number
  /** Relative day, or Infinity without drift. */
  readonly driftDay: number
  readonly badRate: number
  readonly gzip: boolean
  readonly shape: SampleShape
}

export function validate(options: GenerateSampleOptions): ValidatedOptions {
  const { customers, days, start } = options
  if (typeof options.out?.write !== 'function') {
    throw usage('option "out" must be a LandingWriter', 'Pass localLandingWriter(dir) or another object with write(day, fileName, content).')
  }
  if (!Number.isSafeInteger(customers) || customers < 1) {
    throw usage(`option "customers" must be a positive integer, got ${String(customers)}`, 'Use e.g. --customers 20000.')
  }
  if (!Number.isSafeInteger(days) || days < 1) {
    throw usage(`option "days" must be a positive integer, got ${String(days)}`, 'Use e.g. --days 120.')
  }
  const startEpochDay = typeof start === 'string' && isDateKey(start) ? toEpochDay(start) : undefined
  if (startEpochDay === undefined) {
    throw usage(`option "start" must be a real date YYYY-MM-DD, got "${String(start)}"`, 'Use e.g. --start 2025-01-01.')
  }
  const seed = options.seed ?? 42
  if (!Number.isSafeInteger(seed)) {
    throw usage(`option "seed" must be an integer, got ${String(seed)}`, 'Use e.g. --seed 42.')
  }
  const profile = options.profile ?? 'realistic'
  if (!SAMPLE_PROFILES.includes(profile)) {
    throw usage(`option "profile" must be one of ${SAMPLE_PROFILES.join(', ')}, got "${String(profile)}"`, 'Use --profile realistic (real exports) or --profile light (small, clean test data).')
  }
  const shape = sampleShape(profile)
  const badRate = options.badRows ?? shape.defaultBadRate
  if (typeof badRate !== 'number' || !Number.isFinite(badRate) || badRate < 0 || badRate > 1) {
    throw usage(`option "badRows" must be a rate between 0 and 1, got ${String(badRate)}`, 'Use e.g. --bad-rows 0.02 for 2% bad increment rows.')
  }
  let driftDay = Number.POSITIVE_INFINITY
  if (options.driftFrom !== undefined) {
    const drift = typeof options.driftFrom === 'string' && isDateKey(options.driftFrom) ? toEpochDay(options.driftFrom) : undefined
    const lastDay = fromEpochDay(startEpochDay + days - 1)
    if (drift === undefined || drift < startEpochDay || drift > startEpochDay + days - 1) {
      throw usage(
        `option "driftFrom" must be a real date between ${start} and ${lastDay}, got "${String(options.driftFrom)}"`,
        `Pick an ingest day inside the sample, e.g. ${fromEpochDay(startEpochDay + Math.floor(days / 2))}.`,
      )
    }
    driftDay = drift - startEpochDay
  }
  const gzip = options.gzip ?? false
  if (typeof gzip !== 'boolean') throw usage('option "gzip" must be true or false', 'Pass gzip: true to write .csv.gz increments.')
  return { customers, days, start, startEpochDay, seed, driftDay, badRate, gzip, shape }
}
