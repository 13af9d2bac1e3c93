/**
 * The two shapes `generate-sample` writes. `realistic` follows what real exports look like (issue
 * 17: volumes, free text, varied files, late and bad rows); `light` is the older, 5–6× lighter and
 * cleaner shape, kept because it makes small fast tests.
 */
export type SampleProfile = 'realistic' | 'light'

export const SAMPLE_PROFILES: readonly SampleProfile[] = ['realistic', 'light']

/** Cumulative thresholds of a uniform draw that pick how a valid timestamp is written. */
export interface TimestampStyles {
  /** Below: `…THH:MM:SSZ`. */
  readonly plain: number
  /** Below: with milliseconds. */
  readonly millis: number
  /** Below: in another zone, written `±HH:MM`. */
  readonly colonOffset: number
  /** Below: in another zone, written `±HHMM`; above: without seconds. */
  readonly compactOffset: number
}

export interface SampleShape {
  readonly profile: SampleProfile
  /** Multiplies every group's expected rows per day of channel_events, trades, tickets, marketing. */
  readonly rateScale: readonly [number, number, number, number]
  /** Share of increment rows whose event date is 1–10 days before their ingest day. */
  readonly lateShare: number
  /** Share of customers who sign up during the sample, and who churn during it. */
  readonly signupDuringShare: number
  readonly churnShare: number
  readonly timestampStyles: TimestampStyles
  /** The bad-row rate when the caller gives none. */
  readonly defaultBadRate: number
  /** Rate of duplicate valid rows; undefined: a tenth of the bad-row rate. */
  readonly duplicateRate?: number
  /**
   * Free text (customers' display_name, tickets' subject, marketing's campaign), files with other
   * column orders and extra columns, CRLF, BOM and gzip per file, bad and duplicate snapshot rows,
   * customers without a statements row, numeric ticket ids.
   */
  readonly varied: boolean
  /** Share of customers without a statements row (varied shapes only). */
  readonly noStatementsShare: number
}

const LIGHT: SampleShape = {
  profile: 'light',
  rateScale: [1, 1, 1, 1],
  lateShare: 0.02,
  signupDuringShare: 0.15,
  churnShare: 0.03,
  timestampStyles: { plain: 0.8, millis: 0.86, colonOffset: 0.92, compactOffset: 0.97 },
  defaultBadRate: 0,
  varied: false,
  noStatementsShare: 0,
}

/**
 * Per 100,000 customers a day: channel_events ≈ 136k, customers ≈ 98k, statements ≈ 96k,
 * marketing ≈ 23k, trades ≈ 16k, tickets ≈ 4k. The light group rates average 0.247, 0.031, 0.009
 * and 0.024 rows per customer and day; the scales bring them to 1.39, 0.163, 0.041 and 0.235
 * while keeping the groups' differences.
 */
const REALISTIC: SampleShape = {
  profile: 'realistic',
  rateScale: [5.62, 5.3, 4.52, 9.9],
  lateShare: 0.04,
  signupDuringShare: 0.02,
  churnShare: 0.01,
  timestampStyles: { plain: 0.82, millis: 0.9, colonOffset: 0.935, compactOffset: 0.97 },
  defaultBadRate: 0.01,
  duplicateRate: 0.003,
  varied: true,
  noStatementsShare: 0.02,
}

export function sampleShape(profile: SampleProfile): SampleShape {
  return profile === 'light' ? LIGHT : REALISTIC
}
