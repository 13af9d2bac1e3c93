import { fromEpochDay } from '../../framework/partitions/index.js'
import type { Rng } from './sample-rng.js'
import type { TimestampStyles } from './sample-profile.js'

// Dates and timestamps, built from precomputed pieces: Date objects per row would dominate the run.

export const DAY_S = 86_400
export const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'))
const COLON_OFFSETS = [60, 120, 330, -180] as const
const COMPACT_OFFSETS = [-300, -240, 60, 570] as const
/** Customers who signed up before the sample did so up to this many days earlier. */
export const SIGNUP_HISTORY_DAYS = 3650
/** Margin for late rows, offsets and future timestamps on either side of the sample. */
export const DAY_MARGIN = 40

export class DayNames {
  private readonly names: string[]
  constructor(
    private readonly firstEpochDay: number,
    private readonly lowest: number,
    highest: number,
  ) {
    this.names = []
    for (let i = lowest; i <= highest; i++) this.names.push(fromEpochDay(firstEpochDay + i))
  }
  /** `day` is relative to the first ingest day. */
  get(day: number): string {
    const name = this.names[day - this.lowest]
    if (name === undefined) throw new Error(`day ${day} outside the precomputed range (from ${this.firstEpochDay})`)
    return name
  }
}

export function clock(secondOfDay: number): string {
  const h = Math.floor(secondOfDay / 3600)
  const m = Math.floor((secondOfDay % 3600) / 60)
  return `${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[secondOfDay % 60]}`
}

function offsetText(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+'
  const abs = Math.abs(minutes)
  const h = TWO_DIGITS[Math.floor(abs / 60)]
  const m = TWO_DIGITS[abs % 60]
  return colon ? `${sign}${h}:${m}` : `${sign}${h}${m}`
}

/**
 * A valid timestamp for an instant on UTC day `day`: mostly `Z`, some with milliseconds, some
 * written in another zone (whose local date may be the day before or after), a few without seconds.
 */
export function timestamp(rng: Rng, names: DayNames, day: number, styles: TimestampStyles): string {
  const second = rng.int(DAY_S)
  const style = rng.next()
  if (style < styles.plain) return `${names.get(day)}T${clock(second)}Z`
  if (style < styles.millis) return `${names.get(day)}T${clock(second)}.${String(rng.int(1000)).padStart(3, '0')}Z`
  if (style < styles.compactOffset) {
    const colon = style < styles.colonOffset
    const offset = colon ? COLON_OFFSETS[rng.int(COLON_OFFSETS.length)]! : COMPACT_OFFSETS[rng.int(COMPACT_OFFSETS.length)]!
    const local = second + offset * 60
    const shift = Math.floor(local / DAY_S)
    return `${names.get(day + shift)}T${clock(local - shift * DAY_S)}${offsetText(offset, colon)}`
  }
  return `${names.get(day)}T${clock(second).slice(0, 5)}Z`
}
