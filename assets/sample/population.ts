import { ABANDON, ADOPTION, COUNTRIES, COUNTRY_WEIGHTS, GROUP_SHARE, INACTIVE_SHARE, SNAPSHOT_ON } from './behaviour-profiles.js'
import { CHUNK_ROWS } from './csv-buffers.js'
import { displayName } from './free-text.js'
import { SIGNUP_HISTORY_DAYS, type DayNames } from './sample-dates.js'
import type { ValidatedOptions } from './sample-options.js'
import { cumulative, pick, type Rng } from './sample-rng.js'

/** A toggle or churn day that never comes. */
export const NO_TOGGLE = 0x7fffffff

/** Per-customer state, in typed arrays so a million customers stay cheap. */
export interface Population {
  /** Digits wide of the numeric id style, e.g. 6 gives `000123`. */
  readonly numericWidth: number
  /** 1 for `C000123` ids, 0 for `000123` ids. */
  readonly idStyle: Uint8Array
  /**
   * Every customer's `customer_id,signup_date,country,` as bytes in one Buffer, so a daily snapshot
   * is byte copies instead of a million strings for the garbage collector to chase.
   */
  readonly prefixBytes: Buffer
  /** Customer i's prefix is prefixBytes[prefixStart[i], prefixStart[i + 1]). */
  readonly prefixStart: Uint32Array
  readonly idLength: Uint8Array
  readonly group: Uint8Array
  readonly inactive: Uint8Array
  readonly booleanStyle: Uint8Array
  readonly activity: Float32Array
  readonly signupDay: Int32Array
  readonly churnDay: Int32Array
  /** Bit 0 e-statements, bit 1 robo advice, bit 2 alerts: the state before any toggle. */
  readonly initialFlags: Uint8Array
  /** Day each flag flips (NO_TOGGLE when it never does), three per customer. */
  readonly toggleDay: Int32Array
  /** Realistic only (empty otherwise): the display name as a CSV field, the country, no statements row. */
  readonly displayName: string[]
  readonly country: Uint8Array
  readonly noStatements: Uint8Array
}

export function buildPopulation(rng: Rng, v: ValidatedOptions, names: DayNames): Population {
  const n = v.customers
  const groupCum = cumulative(GROUP_SHARE)
  const countryCum = cumulative(COUNTRY_WEIGHTS)
  const numericWidth = Math.max(5, String(n).length + 1)
  const { varied, signupDuringShare, churnShare } = v.shape
  const prefixStart = new Uint32Array(n + 1)
  const prefixChunks: Buffer[] = []
  let pending: string[] = []
  let offset = 0
  const pop: Omit<Population, 'prefixBytes'> = {
    numericWidth,
    idStyle: new Uint8Array(n),
    prefixStart,
    idLength: new Uint8Array(n),
    group: new Uint8Array(n),
    inactive: new Uint8Array(n),
    booleanStyle: new Uint8Array(n),
    activity: new Float32Array(n),
    signupDay: new Int32Array(n),
    churnDay: new Int32Array(n),
    initialFlags: new Uint8Array(n),
    toggleDay: new Int32Array(3 * n),
    displayName: [],
    country: new Uint8Array(varied ? n : 0),
    noStatements: new Uint8Array(varied ? n : 0),
  }
  for (let i = 0; i < n; i++) {
    // Numeric-looking ids with leading zeros are the classic way a pipeline loses data; keep many.
    pop.idStyle[i] = rng.next() < 0.6 ? 1 : 0
    const id = customerId(pop, i)
    const g = pick(groupCum, rng.next())
    const signup = rng.next() < signupDuringShare ? rng.int(v.days) : -1 - rng.int(SIGNUP_HISTORY_DAYS)
    const firstActive = Math.max(signup, 0)
    const churnDraw = rng.next()
    const churnAt = firstActive + 1 + rng.int(Math.max(1, v.days - firstActive - 1))
    const churn = churnDraw < churnShare && churnAt < v.days ? churnAt : NO_TOGGLE
    const countryIndex = pick(countryCum, rng.next())
    const country = COUNTRIES[countryIndex]!
    const styleDraw = rng.next()
    let prefix = `${id},${names.get(signup)},${country},`
    if (varied) {
      const name = displayName(rng)
      pop.displayName.push(name)
      pop.country[i] = countryIndex
      pop.noStatements[i] = rng.next() < v.shape.noStatementsShare ? 1 : 0
      prefix = `${id},${name},${names.get(signup)},${country},`
    }
    pending.push(prefix)
    offset += Buffer.byteLength(prefix)
    prefixStart[i + 1] = offset
    pop.idLength[i] = id.length
    if (pending.length >= CHUNK_ROWS) {
      prefixChunks.push(Buffer.from(pending.join(''), 'utf8'))
      pending = []
    }
    pop.group[i] = g
    pop.inactive[i] = rng.next() < INACTIVE_SHARE[g]! ? 1 : 0
    pop.booleanStyle[i] = styleDraw < 0.85 ? 0 : styleDraw < 0.95 ? 1 : 2
    pop.activity[i] = 0.4 + 1.2 * rng.next()
    pop.signupDay[i] = signup
    pop.churnDay[i] = churn
    let flags = 0
    for (let f = 0; f < 3; f++) {
      const on = rng.next() < SNAPSHOT_ON[g]![f]!
      if (on) flags |= 1 << f
      const toggleDraw = rng.next()
      const toggleAt = firstActive + 1 + rng.int(Math.max(1, v.days - firstActive - 1))
      const driftJitter = rng.int(14)
      let toggle = NO_TOGGLE
      if (toggleAt < v.days && toggleDraw < (on ? ABANDON : ADOPTION[g]!)) toggle = toggleAt
      // With drift, many paper-statement adopters and hybrids go electronic soon after it starts.
      if (f === 0 && !on && (g === 1 || g === 2) && toggle === NO_TOGGLE && toggleDraw > 0.7) {
        const at = Math.max(v.driftDay + driftJitter, firstActive + 1)
        if (at < v.days) toggle = at
      }
      pop.toggleDay[3 * i + f] = toggle
    }
    pop.initialFlags[i] = flags
  }
  prefixChunks.push(Buffer.from(pending.join(''), 'utf8'))
  return { ...pop, prefixBytes: Buffer.concat(prefixChunks) }
}

export function customerId(pop: Pick<Population, 'idStyle' | 'numericWidth'>, i: number): string {
  const number = String(i + 1)
  return pop.idStyle[i] === 1 ? `C${number.padStart(6, '0')}` : number.padStart(pop.numericWidth, '0')
}

/** Whether customer `i` has feature `f` (0 e-statements, 1 robo advice, 2 alerts) on `day`. */
export function flagOn(pop: Population, i: number, f: number, day: number): boolean {
  const initial = (pop.initialFlags[i]! >> f) & 1
  return (day >= pop.toggleDay[3 * i + f]! ? initial ^ 1 : initial) === 1
}
