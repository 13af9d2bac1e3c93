import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { StrataError } from '../../framework/errors/index.js'
import { behaviourGroupsCsv, type BehaviourGroupsWriter } from './behaviour-groups.js'
import { canonicalLayout, drawLayout, renderLine, renderValues, type FileLayout } from './file-layout.js'
import { campaign, csvField, displayName, ticketSubject } from './free-text.js'
import { SAMPLE_PROFILES, sampleShape, type SampleProfile, type SampleShape, type TimestampStyles } from './sample-profile.js'

export type { SampleProfile } from './sample-profile.js'

/**
 * Where `generateSample` puts its files. One call per file; `day` is the ingest day
 * (`YYYY-MM-DD`), `fileName` a bare name such as `trades.csv.gz`.
 */
export interface LandingWriter {
  write(day: string, fileName: string, content: Buffer | string): Promise<void>
  /** Shown in the summary, e.g. the landing root or an `s3://` prefix. */
  readonly location?: string
}

/** The four behaviour groups the sample is drawn from (the segment model should find them again). */
export type BehaviourGroup = 'digital_native' | 'digital_adopter' | 'hybrid' | 'traditional'

/** The six landing tables of SPEC §1. */
export type LandingTable = 'customers' | 'statements' | 'channel_events' | 'trades' | 'tickets' | 'marketing'

/** The ways a bad increment row is broken; each one breaks at least one SPEC §1 rule. */
export type BadRowKind =
  | 'missing_id'
  | 'bad_id'
  | 'bad_timestamp'
  | 'future_timestamp'
  | 'enum_out_of_range'
  | 'non_numeric_notional'
  | 'wrong_field_count'
  // Realistic profile only:
  | 'bad_date'
  | 'bad_boolean'
  | 'bad_code'
  | 'bad_quoting'

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

export interface SampleSummary {
  readonly location: string
  readonly firstDay: string
  readonly lastDay: string
  readonly days: number
  readonly seed: number
  readonly profile: SampleProfile
  /** Distinct customers over the sample. */
  readonly customers: number
  readonly customersOnLastDay: number
  /** Customers that never produce an increment row. */
  readonly inactiveCustomers: number
  readonly groups: Readonly<Record<BehaviourGroup, number>>
  /** Data rows written per table over all days (snapshots count every day; bad and duplicate rows included). */
  readonly rows: Readonly<Record<LandingTable, number>>
  /** Increment rows per snapshot customer per day. */
  readonly incrementRowsPerCustomerDay: number
  /** Increment rows whose event date is 1–10 days before their ingest day. */
  readonly lateRows: number
  readonly badRows: number
  readonly badRowsByKind: Readonly<Record<BadRowKind, number>>
  /** Extra valid rows that repeat an id already written that day. */
  readonly duplicateRows: number
  readonly driftFrom: string | null
  readonly gzip: boolean
  readonly files: number
  readonly bytes: number
}

/**
 * Writes `<root>/ingest_date=YYYY-MM-DD/<fileName>`, creating folders as needed. Each file is
 * written to a temporary name and renamed, so a reader never sees half a file.
 */
export function localLandingWriter(root: string): LandingWriter {
  const absRoot = resolve(root)
  let sequence = 0
  return {
    location: absRoot,
    async write(day, fileName, content) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) {
        throw new StrataError('usage', `Landing day "${day}" is not YYYY-MM-DD`, 'Pass the ingest day as YYYY-MM-DD.')
      }
      if (fileName === '' || /[/\\]/.test(fileName) || fileName.startsWith('.')) {
        throw new StrataError('usage', `Landing file name "${fileName}" must be a plain file name`, 'Use a name such as trades.csv, without folders.')
      }
      const dir = join(absRoot, `ingest_date=${day}`)
      await mkdir(dir, { recursive: true })
      sequence += 1
      const target = join(dir, fileName)
      const temp = join(dir, `.${fileName}.${process.pid}.${sequence}.tmp`)
      try {
        await writeFile(temp, content)
        await rename(temp, target)
      } catch (error) {
        await rm(temp, { force: true })
        throw error
      }
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Behaviour profiles. The numbers are chosen so that the groups differ clearly on every model
// feature of SPEC §5, while the whole population averages about 0.3 increment rows per day.

const GROUPS: readonly BehaviourGroup[] = ['digital_native', 'digital_adopter', 'hybrid', 'traditional']
const GROUP_SHARE = [0.15, 0.25, 0.32, 0.28]
const INACTIVE_SHARE = [0.02, 0.04, 0.07, 0.12]
/** Initial probability of e-statements, robo advice, alerts. */
const SNAPSHOT_ON = [
  [0.95, 0.55, 0.85],
  [0.8, 0.3, 0.65],
  [0.45, 0.1, 0.4],
  [0.1, 0.02, 0.15],
]
/** Probability that a customer who starts without a feature turns it on during the sample. */
const ADOPTION = [0.3, 0.25, 0.12, 0.04]
const ABANDON = 0.02

const EVENT_CHANNELS = ['app', 'web', 'branch', 'phone', 'atm'] as const
const TRADE_CHANNELS = ['app', 'web', 'branch', 'phone', 'advisor'] as const
const RESOLVED_VIA = ['app', 'web', 'chat', 'phone', 'branch', 'email', ''] as const
const MARKETING_EVENTS = ['email_open', 'email_click', 'webinar_registered', 'webinar_attended', 'push_open', 'newsletter_signup'] as const
const DIGITAL_EVENTS = ['view', 'transfer', 'payment', 'profile_update'] as const
const BRANCH_EVENTS = ['visit', 'transfer', 'withdrawal', 'deposit'] as const
const PHONE_EVENTS = ['call', 'transfer', 'balance_inquiry'] as const
const ATM_EVENTS = ['withdrawal', 'deposit', 'balance_inquiry'] as const
const COUNTRIES = ['DE', 'AT', 'CH', 'NL', 'FR', 'GB', 'US', 'ES', 'IT', '']
const COUNTRY_WEIGHTS = [0.4, 0.12, 0.1, 0.08, 0.07, 0.06, 0.05, 0.04, 0.03, 0.05]
const CURRENCIES = ['EUR', 'USD', 'CHF', 'GBP', '']
const CURRENCY_WEIGHTS = [0.7, 0.15, 0.05, 0.03, 0.07]
const BOOLEAN_STYLES: readonly (readonly [string, string])[] = [
  ['false', 'true'],
  ['0', '1'],
  ['FALSE', 'TRUE'],
]

interface ProfileSpec {
  /** Expected rows per day for channel_events, trades, tickets, marketing. */
  readonly rates: readonly [number, number, number, number]
  readonly eventChannels: readonly number[]
  /** Share of app/web channel events that are logins. */
  readonly loginShare: number
  readonly tradeChannels: readonly number[]
  readonly notionalMedian: number
  readonly notionalSigma: number
  readonly resolvedVia: readonly number[]
  readonly marketing: readonly number[]
}

const BASE_PROFILES: readonly ProfileSpec[] = [
  {
    rates: [0.7, 0.05, 0.008, 0.05],
    eventChannels: [0.72, 0.22, 0.01, 0.02, 0.03],
    loginShare: 0.7,
    tradeChannels: [0.68, 0.27, 0.01, 0.02, 0.02],
    notionalMedian: 900,
    notionalSigma: 0.8,
    resolvedVia: [0.4, 0.18, 0.3, 0.03, 0.01, 0.03, 0.05],
    marketing: [0.15, 0.08, 0.12, 0.4, 0.23, 0.02],
  },
  {
    rates: [0.35, 0.04, 0.008, 0.035],
    eventChannels: [0.48, 0.32, 0.05, 0.05, 0.1],
    loginShare: 0.6,
    tradeChannels: [0.42, 0.33, 0.05, 0.08, 0.12],
    notionalMedian: 2500,
    notionalSigma: 0.8,
    resolvedVia: [0.22, 0.22, 0.2, 0.16, 0.06, 0.06, 0.08],
    marketing: [0.3, 0.12, 0.12, 0.3, 0.14, 0.02],
  },
  {
    rates: [0.16, 0.03, 0.01, 0.02],
    eventChannels: [0.18, 0.24, 0.22, 0.16, 0.2],
    loginShare: 0.5,
    tradeChannels: [0.18, 0.2, 0.2, 0.17, 0.25],
    notionalMedian: 8000,
    notionalSigma: 0.9,
    resolvedVia: [0.08, 0.12, 0.1, 0.35, 0.18, 0.09, 0.08],
    marketing: [0.45, 0.15, 0.1, 0.18, 0.08, 0.04],
  },
  {
    rates: [0.05, 0.02, 0.012, 0.008],
    eventChannels: [0.03, 0.06, 0.45, 0.26, 0.2],
    loginShare: 0.4,
    tradeChannels: [0.02, 0.04, 0.42, 0.27, 0.25],
    notionalMedian: 25000,
    notionalSigma: 1,
    resolvedVia: [0.01, 0.02, 0.01, 0.48, 0.3, 0.08, 0.1],
    marketing: [0.7, 0.12, 0.05, 0.05, 0, 0.08],
  },
]

/** After `driftFrom` the two digital groups log in more and trade more through app and web. */
const DRIFTED_PROFILES: readonly ProfileSpec[] = [
  {
    ...BASE_PROFILES[0]!,
    rates: [1.05, 0.06, 0.008, 0.06],
    eventChannels: [0.8, 0.17, 0, 0.01, 0.02],
    loginShare: 0.8,
    tradeChannels: [0.78, 0.2, 0, 0.01, 0.01],
    resolvedVia: [0.45, 0.15, 0.33, 0.02, 0, 0.02, 0.03],
  },
  {
    ...BASE_PROFILES[1]!,
    rates: [0.55, 0.05, 0.008, 0.045],
    eventChannels: [0.6, 0.3, 0.02, 0.03, 0.05],
    loginShare: 0.7,
    tradeChannels: [0.6, 0.3, 0.02, 0.03, 0.05],
    resolvedVia: [0.3, 0.25, 0.25, 0.08, 0.03, 0.04, 0.05],
  },
  BASE_PROFILES[2]!,
  BASE_PROFILES[3]!,
]

interface Profile {
  readonly totalRate: number
  readonly tableCum: Float64Array
  readonly eventChannelCum: Float64Array
  readonly loginShare: number
  readonly tradeChannelCum: Float64Array
  readonly notionalMu: number
  readonly notionalSigma: number
  readonly resolvedCum: Float64Array
  readonly marketingCum: Float64Array
}

function cumulative(weights: readonly number[]): Float64Array {
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

function compile(spec: ProfileSpec, scale: readonly number[]): Profile {
  const rates = spec.rates.map((rate, k) => rate * scale[k]!)
  return {
    totalRate: rates.reduce((a, b) => a + b, 0),
    tableCum: cumulative(rates),
    eventChannelCum: cumulative(spec.eventChannels),
    loginShare: spec.loginShare,
    tradeChannelCum: cumulative(spec.tradeChannels),
    notionalMu: Math.log(spec.notionalMedian),
    notionalSigma: spec.notionalSigma,
    resolvedCum: cumulative(spec.resolvedVia),
    marketingCum: cumulative(spec.marketing),
  }
}

const CURRENCY_CUM = cumulative(CURRENCY_WEIGHTS)

function pick(cum: Float64Array, r: number): number {
  let i = 0
  while (i < cum.length - 1 && r >= cum[i]!) i++
  return i
}

/** mulberry32: small, fast and good enough for synthetic data; the whole sample hangs off one stream. */
class Rng {
  private state: number
  constructor(seed: number) {
    this.state = seed >>> 0
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
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

// ---------------------------------------------------------------------------------------------
// Dates and timestamps, built from precomputed pieces: Date objects per row would dominate the run.

const gzipAsync = promisify(gzip)

const DAY_MS = 86_400_000
const DAY_S = 86_400
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'))
const COLON_OFFSETS = [60, 120, 330, -180] as const
const COMPACT_OFFSETS = [-300, -240, 60, 570] as const
/** Customers who signed up before the sample did so up to this many days earlier. */
const SIGNUP_HISTORY_DAYS = 3650
/** Margin for late rows, offsets and future timestamps on either side of the sample. */
const DAY_MARGIN = 40

function parseRealDate(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!m) return undefined
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  const ms = Date.UTC(y, mo - 1, d)
  const back = new Date(ms)
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined
  return ms / DAY_MS
}

class DayNames {
  private readonly names: string[]
  constructor(
    private readonly firstEpochDay: number,
    private readonly lowest: number,
    highest: number,
  ) {
    this.names = []
    for (let i = lowest; i <= highest; i++) this.names.push(new Date((firstEpochDay + i) * DAY_MS).toISOString().slice(0, 10))
  }
  /** `day` is relative to the first ingest day. */
  get(day: number): string {
    const name = this.names[day - this.lowest]
    if (name === undefined) throw new Error(`day ${day} outside the precomputed range (from ${this.firstEpochDay})`)
    return name
  }
}

function clock(secondOfDay: number): string {
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
function timestamp(rng: Rng, names: DayNames, day: number, styles: TimestampStyles): string {
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

// ---------------------------------------------------------------------------------------------
// CSV assembly. Good rows hold only values from fixed safe alphabets, so they are joined without
// quoting; only corrupted rows can carry commas, quotes or newlines and go through `csvField`.

const CHUNK_ROWS = 4096

/**
 * Collects increment lines and turns them into a Buffer chunk every CHUNK_ROWS lines: small
 * batches die young in the GC, and a 1M-customer day never becomes one giant string.
 */
class CsvBuilder {
  private lines: string[] = []
  private readonly chunks: Buffer[] = []
  rows = 0
  private readonly eol: string
  constructor(layout: FileLayout) {
    this.eol = layout.eol
    this.chunks.push(Buffer.from(`${layout.bom ? '\uFEFF' : ''}${layout.header}${layout.eol}`, 'utf8'))
  }
  push(line: string): void {
    this.lines.push(line)
    this.rows++
    if (this.lines.length >= CHUNK_ROWS) this.flush()
  }
  private flush(): void {
    if (this.lines.length === 0) return
    this.lines.push('')
    this.chunks.push(Buffer.from(this.lines.join(this.eol), 'utf8'))
    this.lines = []
  }
  toBuffer(): Buffer {
    this.flush()
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks)
  }
}


// ---------------------------------------------------------------------------------------------

const INCREMENTS = ['channel_events', 'trades', 'tickets', 'marketing'] as const
type IncrementTable = (typeof INCREMENTS)[number]
/** Each table's columns in their usual order (light). */
const COLUMNS: Readonly<Record<LandingTable, readonly string[]>> = {
  customers: ['customer_id', 'signup_date', 'country', 'has_robo_advice', 'alerts_enabled'],
  statements: ['customer_id', 'delivery_mode'],
  channel_events: ['event_id', 'customer_id', 'ts', 'channel', 'event'],
  trades: ['trade_id', 'customer_id', 'ts', 'channel', 'notional', 'currency'],
  tickets: ['ticket_id', 'customer_id', 'opened_ts', 'resolved_via'],
  marketing: ['event_id', 'customer_id', 'ts', 'event'],
}
/** The realistic profile's usual columns: free text the pipeline ignores (marketing's campaign only on some days). */
const REALISTIC_COLUMNS: Readonly<Record<LandingTable, readonly string[]>> = {
  ...COLUMNS,
  customers: ['customer_id', 'display_name', 'signup_date', 'country', 'has_robo_advice', 'alerts_enabled'],
  tickets: [...COLUMNS.tickets, 'subject'],
  marketing: [...COLUMNS.marketing, 'campaign'],
}
/** Share of realistic days whose marketing file has a campaign column. */
const CAMPAIGN_DAY_SHARE = 0.4
const HEADERS: Readonly<Record<LandingTable, string>> = {
  customers: COLUMNS.customers.join(','),
  statements: COLUMNS.statements.join(','),
  channel_events: COLUMNS.channel_events.join(','),
  trades: COLUMNS.trades.join(','),
  tickets: COLUMNS.tickets.join(','),
  marketing: COLUMNS.marketing.join(','),
}
const ID_PREFIX: Readonly<Record<IncrementTable, string>> = { channel_events: 'E', trades: 'T', tickets: 'K', marketing: 'M' }
const ENUM_COLUMNS: Readonly<Record<IncrementTable, readonly number[]>> = {
  channel_events: [3, 4],
  trades: [3],
  tickets: [3],
  marketing: [3],
}
const BAD_ENUMS: Readonly<Record<IncrementTable, readonly (readonly string[])[]>> = {
  channel_events: [
    ['fax', 'App', 'mobile', 'ATM'],
    ['Login', 'log in', 'page-view', '2fa'],
  ],
  trades: [['atm', 'chat', 'App', 'online']],
  tickets: [['fax', 'sms', 'Chat', 'whatsapp']],
  marketing: [['Email_Open', 'webinar-attended', 'email open', 'webinar attended']],
}
const BAD_IDS = ['C 000123', 'C000123!', 'Müller', 'C00\n0123', 'x'.repeat(65), '"C000124"', 'C000125;DROP']
const BAD_NOTIONALS = ['1,250.00', 'abc', '1e3', '12.5.0', '-100.00', '0', '€100', '', '1 000']
const BAD_KINDS: readonly BadRowKind[] = [
  'missing_id',
  'bad_id',
  'bad_timestamp',
  'future_timestamp',
  'enum_out_of_range',
  'wrong_field_count',
  'non_numeric_notional',
]
/** Realistic bad increment rows: every SPEC §1 reason their columns can break. */
const REALISTIC_INCREMENT_KINDS: Readonly<Record<IncrementTable, readonly BadRowKind[]>> = {
  channel_events: ['missing_id', 'bad_id', 'bad_timestamp', 'future_timestamp', 'enum_out_of_range', 'wrong_field_count', 'bad_quoting'],
  trades: ['missing_id', 'bad_id', 'bad_timestamp', 'future_timestamp', 'enum_out_of_range', 'wrong_field_count', 'non_numeric_notional', 'bad_code', 'bad_quoting'],
  tickets: ['missing_id', 'bad_id', 'bad_timestamp', 'future_timestamp', 'enum_out_of_range', 'wrong_field_count', 'bad_quoting'],
  marketing: ['missing_id', 'bad_id', 'bad_timestamp', 'future_timestamp', 'enum_out_of_range', 'wrong_field_count', 'bad_quoting'],
}
const CUSTOMER_KINDS: readonly BadRowKind[] = ['missing_id', 'bad_id', 'bad_date', 'bad_boolean', 'bad_code', 'wrong_field_count', 'bad_quoting']
const STATEMENT_KINDS: readonly BadRowKind[] = ['missing_id', 'bad_id', 'enum_out_of_range', 'wrong_field_count', 'bad_quoting']
const BAD_DATES = ['2025-02-30', '01.03.2019', '2019-1-5', '20190105', '0000-01-01', 'unknown']
const BAD_BOOLEANS = ['yes', 'no', 'Y', 'N', 'wahr', '2', 'on']
const BAD_COUNTRIES = ['DEU', 'D', 'Deutschland', 'U.S.', '12']
const BAD_CURRENCIES = ['EURO', '€', 'US$', 'E', '978']
const BAD_DELIVERY = ['Paper', 'email', 'ELECTRONIC', 'post']
/** A quote inside an unquoted field, or text after a closing quote: the record cannot be trusted. */
const BAD_QUOTING = ['C00"0123', '"C000123"x', 'ab"c', '"quoted" tail']
/** Duplicates in the light profile are a small fraction of the bad-row rate: enough to exercise dedup, not to dominate. */
const DUPLICATE_SHARE_OF_BAD = 0.1
const NO_TOGGLE = 0x7fffffff

function usage(message: string, hint: string): StrataError {
  return new StrataError('usage', `generate-sample: ${message}`, hint)
}

interface Validated {
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

function validate(options: GenerateSampleOptions): Validated {
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
  const startEpochDay = typeof start === 'string' ? parseRealDate(start) : undefined
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
    const drift = typeof options.driftFrom === 'string' ? parseRealDate(options.driftFrom) : undefined
    const lastDay = new Date((startEpochDay + days - 1) * DAY_MS).toISOString().slice(0, 10)
    if (drift === undefined || drift < startEpochDay || drift > startEpochDay + days - 1) {
      throw usage(
        `option "driftFrom" must be a real date between ${start} and ${lastDay}, got "${String(options.driftFrom)}"`,
        `Pick an ingest day inside the sample, e.g. ${new Date((startEpochDay + Math.floor(days / 2)) * DAY_MS).toISOString().slice(0, 10)}.`,
      )
    }
    driftDay = drift - startEpochDay
  }
  const gzip = options.gzip ?? false
  if (typeof gzip !== 'boolean') throw usage('option "gzip" must be true or false', 'Pass gzip: true to write .csv.gz increments.')
  return { customers, days, start, startEpochDay, seed, driftDay, badRate, gzip, shape }
}

/** Per-customer state, in typed arrays so a million customers stay cheap. */
interface Population {
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

function buildPopulation(rng: Rng, v: Validated, names: DayNames): Population {
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

function customerId(pop: Pick<Population, 'idStyle' | 'numericWidth'>, i: number): string {
  const number = String(i + 1)
  return pop.idStyle[i] === 1 ? `C${number.padStart(6, '0')}` : number.padStart(pop.numericWidth, '0')
}

const BOOLEAN_BYTES = BOOLEAN_STYLES.map(([no, yes]) => [Buffer.from(`${no},`), Buffer.from(`${yes},`), Buffer.from(`${no}\n`), Buffer.from(`${yes}\n`)] as const)
const DELIVERY_BYTES = [Buffer.from('paper\n'), Buffer.from('electronic\n')] as const
const CUSTOMERS_HEADER = Buffer.from(`${HEADERS.customers}\n`)
const STATEMENTS_HEADER = Buffer.from(`${HEADERS.statements}\n`)

/** The two snapshots of one day, written straight into preallocated Buffers. */
function snapshots(pop: Population, day: number): SnapshotFiles {
  const n = pop.idLength.length
  // Upper bounds: every customer present, the longest boolean spelling ("FALSE," + "FALSE\n").
  const customers = Buffer.allocUnsafe(CUSTOMERS_HEADER.length + pop.prefixBytes.length + 12 * n)
  const statements = Buffer.allocUnsafe(STATEMENTS_HEADER.length + pop.prefixBytes.length + 11 * n)
  let c = CUSTOMERS_HEADER.copy(customers, 0)
  let s = STATEMENTS_HEADER.copy(statements, 0)
  let rows = 0
  for (let i = 0; i < n; i++) {
    if (day < pop.signupDay[i]! || day >= pop.churnDay[i]!) continue
    rows++
    const start = pop.prefixStart[i]!
    const bools = BOOLEAN_BYTES[pop.booleanStyle[i]!]!
    c += pop.prefixBytes.copy(customers, c, start, pop.prefixStart[i + 1]!)
    c += bools[flagOn(pop, i, 1, day) ? 1 : 0].copy(customers, c)
    c += bools[flagOn(pop, i, 2, day) ? 3 : 2].copy(customers, c)
    s += pop.prefixBytes.copy(statements, s, start, start + pop.idLength[i]! + 1)
    s += DELIVERY_BYTES[flagOn(pop, i, 0, day) ? 1 : 0].copy(statements, s)
  }
  return { customers: customers.subarray(0, c), statements: statements.subarray(0, s), present: rows, customerRows: rows, statementRows: rows }
}

function flagOn(pop: Population, i: number, f: number, day: number): boolean {
  const initial = (pop.initialFlags[i]! >> f) & 1
  return (day >= pop.toggleDay[3 * i + f]! ? initial ^ 1 : initial) === 1
}

/** A growable byte buffer: realistic snapshots mix byte copies with rendered rows. */
class ByteSink {
  private buf: Buffer
  length = 0
  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 1024))
  }
  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.length + extra))
    this.buf.copy(next, 0, 0, this.length)
    this.buf = next
  }
  copy(source: Buffer, start: number, end: number): void {
    this.ensure(end - start)
    this.length += source.copy(this.buf, this.length, start, end)
  }
  text(value: string): void {
    this.ensure(3 * value.length)
    this.length += this.buf.write(value, this.length)
  }
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.length)
  }
}

interface SnapshotFiles {
  readonly customers: Buffer
  readonly statements: Buffer
  /** Customers in the snapshot (present that day). */
  readonly present: number
  readonly customerRows: number
  readonly statementRows: number
}

/**
 * The realistic snapshots of one day: customers with display names, statements without the
 * customers who have none, each through its file's layout; about `badRate` of the rows broken in
 * place and `dupRate` repeated at the end with other values (so "keep the first" matters). Rows
 * in the usual layout are byte copies of the customer's prefix, as in the light snapshots.
 */
function realisticSnapshots(
  pop: Population,
  day: number,
  rng: Rng,
  names: DayNames,
  layouts: { customers: FileLayout; statements: FileLayout },
  badRate: number,
  dupRate: number,
  counters: Counters,
): SnapshotFiles {
  const n = pop.idLength.length
  const customers = new ByteSink(pop.prefixBytes.length + 16 * n)
  const statements = new ByteSink(24 * n)
  const cl = layouts.customers
  const sl = layouts.statements
  customers.text(`${cl.bom ? '\uFEFF' : ''}${cl.header}${cl.eol}`)
  statements.text(`${sl.bom ? '\uFEFF' : ''}${sl.header}${sl.eol}`)
  const duplicates = { customers: [] as string[], statements: [] as string[] }
  let present = 0
  let customerRows = 0
  let statementRows = 0
  for (let i = 0; i < n; i++) {
    if (day < pop.signupDay[i]! || day >= pop.churnDay[i]!) continue
    present++
    const start = pop.prefixStart[i]!
    const [no, yes] = BOOLEAN_STYLES[pop.booleanStyle[i]!]!
    const robo = flagOn(pop, i, 1, day) ? yes : no
    const alerts = flagOn(pop, i, 2, day) ? yes : no
    const r = rng.next()
    customerRows++
    if (r >= badRate + dupRate && cl.canonical) {
      customers.copy(pop.prefixBytes, start, pop.prefixStart[i + 1]!)
      customers.text(`${robo},${alerts}${cl.eol}`)
    } else {
      const id = customerId(pop, i)
      const fields = [id, pop.displayName[i]!, names.get(pop.signupDay[i]!), COUNTRIES[pop.country[i]!]!, robo, alerts]
      if (r < badRate) {
        customers.text(`${corruptRow('customers', fields, rng, names, day, counters, CUSTOMER_KINDS, cl)}${cl.eol}`)
        counters.bad++
      } else {
        customers.text(`${renderLine(cl, fields, rng)}${cl.eol}`)
        if (r < badRate + dupRate) {
          // The same customer again with alerts switched: a second export of a row that changed.
          fields[5] = alerts === yes ? no : yes
          duplicates.customers.push(renderLine(cl, fields, rng))
          counters.duplicates++
        }
      }
    }
    if (pop.noStatements[i] === 1) continue
    const electronic = flagOn(pop, i, 0, day)
    const mode = electronic ? 'electronic' : 'paper'
    const rs = rng.next()
    statementRows++
    if (rs >= badRate + dupRate && sl.canonical) {
      statements.copy(pop.prefixBytes, start, start + pop.idLength[i]! + 1)
      statements.text(`${mode}${sl.eol}`)
    } else {
      const fields = [customerId(pop, i), mode]
      if (rs < badRate) {
        statements.text(`${corruptRow('statements', fields, rng, names, day, counters, STATEMENT_KINDS, sl)}${sl.eol}`)
        counters.bad++
      } else {
        statements.text(`${renderLine(sl, fields, rng)}${sl.eol}`)
        if (rs < badRate + dupRate) {
          fields[1] = electronic ? 'paper' : 'electronic'
          duplicates.statements.push(renderLine(sl, fields, rng))
          counters.duplicates++
        }
      }
    }
  }
  for (const line of duplicates.customers) customers.text(`${line}${cl.eol}`)
  for (const line of duplicates.statements) statements.text(`${line}${sl.eol}`)
  customerRows += duplicates.customers.length
  statementRows += duplicates.statements.length
  return { customers: customers.toBuffer(), statements: statements.toBuffer(), present, customerRows, statementRows }
}

interface Counters {
  next: Record<IncrementTable, number>
  late: number
  bad: number
  duplicates: number
  badByKind: Record<BadRowKind, number>
}

function nextId(counters: Counters, table: IncrementTable, numericTickets: boolean): string {
  counters.next[table] += 1
  // Real ticket systems export numeric ids with leading zeros; they must survive as text.
  if (numericTickets && table === 'tickets') return String(counters.next[table]).padStart(9, '0')
  return `${ID_PREFIX[table]}${String(counters.next[table]).padStart(8, '0')}`
}

/** Fills `fields` with one valid row of `table` for customer `i`, event on `eventDay`. */
function fillRow(
  table: IncrementTable,
  fields: string[],
  rng: Rng,
  names: DayNames,
  profile: Profile,
  id: string,
  customerId: string,
  eventDay: number,
  styles: TimestampStyles,
): void {
  fields[0] = id
  fields[1] = customerId
  fields[2] = timestamp(rng, names, eventDay, styles)
  switch (table) {
    case 'channel_events': {
      const channel = pick(profile.eventChannelCum, rng.next())
      fields[3] = EVENT_CHANNELS[channel]!
      const r = rng.next()
      if (channel <= 1) fields[4] = r < profile.loginShare ? 'login' : DIGITAL_EVENTS[Math.floor(((r - profile.loginShare) / (1 - profile.loginShare)) * DIGITAL_EVENTS.length)] ?? 'view'
      else if (channel === 2) fields[4] = BRANCH_EVENTS[Math.floor(r * BRANCH_EVENTS.length)]!
      else if (channel === 3) fields[4] = PHONE_EVENTS[Math.floor(r * PHONE_EVENTS.length)]!
      else fields[4] = ATM_EVENTS[Math.floor(r * ATM_EVENTS.length)]!
      return
    }
    case 'trades': {
      fields[3] = TRADE_CHANNELS[pick(profile.tradeChannelCum, rng.next())]!
      const notional = Math.max(1, Math.exp(profile.notionalMu + profile.notionalSigma * rng.normal()))
      // Some source systems send whole amounts without decimals.
      fields[4] = rng.next() < 0.1 ? String(Math.round(notional)) : notional.toFixed(2)
      fields[5] = CURRENCIES[pick(CURRENCY_CUM, rng.next())]!
      return
    }
    case 'tickets':
      fields[3] = RESOLVED_VIA[pick(profile.resolvedCum, rng.next())]!
      // The realistic files' free text (see REALISTIC_COLUMNS).
      if (fields.length > 4) fields[4] = ticketSubject(rng)
      return
    case 'marketing':
      fields[3] = MARKETING_EVENTS[pick(profile.marketingCum, rng.next())]!
      if (fields.length > 4) fields[4] = campaign(rng)
      return
  }
}


/** The light profile's bad increment rows (notional only in trades). */
function lightKinds(table: IncrementTable): readonly BadRowKind[] {
  return table === 'trades' ? BAD_KINDS : BAD_KINDS.slice(0, -1)
}

/**
 * Breaks a valid row (canonical fields of `table`; realistic snapshots too) in one of `kinds`, each
 * a way SPEC §1 quarantines, and renders it as a CSV line through `layout`.
 */
function corruptRow(
  table: LandingTable,
  valid: readonly string[],
  rng: Rng,
  names: DayNames,
  day: number,
  counters: Counters,
  kinds: readonly BadRowKind[],
  layout: FileLayout,
): string {
  const fields = valid.slice()
  const kind = kinds[rng.int(kinds.length)]!
  counters.badByKind[kind] += 1
  const snapshot = table === 'customers' || table === 'statements'
  // The field that was changed (-1: none), CSV-encoded unless the point is a quoting error.
  let changed = -1
  let encode = true
  let fieldDelta = 0
  switch (kind) {
    case 'missing_id':
      changed = snapshot || rng.next() < 0.5 ? 0 : 1
      fields[changed] = ''
      break
    case 'bad_id':
      changed = snapshot || rng.next() < 0.3 ? 0 : 1
      fields[changed] = BAD_IDS[rng.int(BAD_IDS.length)]!
      break
    case 'bad_timestamp': {
      const date = names.get(day)
      const variants = [
        `${date}T10:15:00`,
        `${date} 10:15:00Z`,
        `${date.slice(0, 4)}-02-30T10:15:00Z`,
        `${date}T24:30:00Z`,
        `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)} 10:15`,
        String(Math.floor(Date.parse(`${date}T10:15:00Z`) / 1000)),
        'n/a',
      ]
      changed = 2
      fields[2] = variants[rng.int(variants.length)]!
      break
    }
    case 'future_timestamp': {
      const r = rng.next()
      changed = 2
      // Exactly midnight and a late-evening negative offset are both "at or after 00:00Z next day".
      if (r < 0.3) fields[2] = `${names.get(day + 1)}T00:00:00Z`
      else if (r < 0.6) fields[2] = `${names.get(day)}T23:30:00-0100`
      else fields[2] = `${names.get(day + 1 + rng.int(30))}T${clock(rng.int(DAY_S))}Z`
      break
    }
    case 'enum_out_of_range': {
      if (table === 'statements') {
        changed = 1
        fields[1] = BAD_DELIVERY[rng.int(BAD_DELIVERY.length)]!
        break
      }
      const increment = table as IncrementTable
      const columns = ENUM_COLUMNS[increment]
      const c = rng.int(columns.length)
      const choices = BAD_ENUMS[increment][c]!
      changed = columns[c]!
      fields[changed] = choices[rng.int(choices.length)]!
      break
    }
    case 'non_numeric_notional':
      changed = 4
      fields[4] = BAD_NOTIONALS[rng.int(BAD_NOTIONALS.length)]!
      break
    case 'wrong_field_count':
      fieldDelta = rng.next() < 0.5 ? -1 : 1
      break
    case 'bad_date':
      changed = 2
      fields[2] = BAD_DATES[rng.int(BAD_DATES.length)]!
      break
    case 'bad_boolean':
      changed = 4 + rng.int(2)
      fields[changed] = BAD_BOOLEANS[rng.int(BAD_BOOLEANS.length)]!
      break
    case 'bad_code':
      // customers' country, trades' currency
      changed = table === 'customers' ? 3 : 5
      fields[changed] = table === 'customers' ? BAD_COUNTRIES[rng.int(BAD_COUNTRIES.length)]! : BAD_CURRENCIES[rng.int(BAD_CURRENCIES.length)]!
      break
    case 'bad_quoting':
      changed = 0
      encode = false
      fields[0] = BAD_QUOTING[rng.int(BAD_QUOTING.length)]!
      break
  }
  if (changed >= 0 && encode) fields[changed] = csvField(fields[changed]!)
  const values = renderValues(layout, fields, rng)
  if (fieldDelta < 0) values.pop()
  else if (fieldDelta > 0) values.push('extra')
  return values.join(',')
}

interface DayLayouts {
  /** Each table's canonical columns that day (what a row's fields hold). */
  readonly columns: Readonly<Record<LandingTable, readonly string[]>>
  readonly files: Readonly<Record<LandingTable, FileLayout>>
}

/**
 * How the day's six files are laid out. Light: the usual columns; a Windows export (CRLF) and a
 * BOM-prefixed file keep readers honest (both allowed by SPEC §1); increments gzipped on request.
 * Realistic: drawn per file (see drawLayout), marketing with a campaign column on some days.
 */
function dayLayouts(shape: SampleShape, rng: Rng, dayName: string, gzipAll: boolean): DayLayouts {
  if (!shape.varied) {
    const lf = { eol: '\n', bom: false, gzip: false } as const
    const increment = { ...lf, gzip: gzipAll }
    return {
      columns: COLUMNS,
      files: {
        customers: canonicalLayout(COLUMNS.customers, lf),
        statements: canonicalLayout(COLUMNS.statements, lf),
        channel_events: canonicalLayout(COLUMNS.channel_events, increment),
        trades: canonicalLayout(COLUMNS.trades, increment),
        tickets: canonicalLayout(COLUMNS.tickets, { ...increment, bom: true }),
        marketing: canonicalLayout(COLUMNS.marketing, { ...increment, eol: '\r\n' }),
      },
    }
  }
  const columns = { ...REALISTIC_COLUMNS, marketing: rng.next() < CAMPAIGN_DAY_SHARE ? REALISTIC_COLUMNS.marketing : COLUMNS.marketing }
  const stamp = `${dayName}T0${1 + rng.int(5)}:${TWO_DIGITS[rng.int(60)]}:00Z`
  const files = {} as Record<LandingTable, FileLayout>
  for (const table of TABLE_ORDER) files[table] = drawLayout(rng, columns[table], gzipAll, stamp)
  return { columns, files }
}

const TABLE_ORDER: readonly LandingTable[] = ['customers', 'statements', 'channel_events', 'trades', 'tickets', 'marketing']

/**
 * Writes a synthetic landing area for the CDI pipeline (SPEC §1): per ingest day two snapshots
 * and four increments. Same options, same bytes.
 *
 * @example
 * const summary = await generateSample({ out: localLandingWriter('data/landing'), customers: 20_000, days: 120, start: '2025-01-01' })
 */
export async function generateSample(options: GenerateSampleOptions): Promise<SampleSummary> {
  const v = validate(options)
  const rng = new Rng(v.seed)
  const names = new DayNames(v.startEpochDay, -SIGNUP_HISTORY_DAYS - DAY_MARGIN, v.days + DAY_MARGIN)
  const pop = buildPopulation(rng, v, names)
  const shape = v.shape
  const base = BASE_PROFILES.map((spec) => compile(spec, shape.rateScale))
  const drifted = DRIFTED_PROFILES.map((spec) => compile(spec, shape.rateScale))
  const dupRate = shape.duplicateRate ?? v.badRate * DUPLICATE_SHARE_OF_BAD
  const styles = shape.timestampStyles
  const counters: Counters = {
    next: { channel_events: 0, trades: 0, tickets: 0, marketing: 0 },
    late: 0,
    bad: 0,
    duplicates: 0,
    badByKind: {
      missing_id: 0,
      bad_id: 0,
      bad_timestamp: 0,
      future_timestamp: 0,
      enum_out_of_range: 0,
      non_numeric_notional: 0,
      wrong_field_count: 0,
      bad_date: 0,
      bad_boolean: 0,
      bad_code: 0,
      bad_quoting: 0,
    },
  }
  const rows: Record<LandingTable, number> = { customers: 0, statements: 0, channel_events: 0, trades: 0, tickets: 0, marketing: 0 }
  const scratch: Record<IncrementTable, string[]> = {
    channel_events: [],
    trades: [],
    tickets: [],
    marketing: [],
  }
  let files = 0
  let bytes = 0
  let snapshotCustomerDays = 0
  let customersOnLastDay = 0

  for (let day = 0; day < v.days; day++) {
    const dayName = names.get(day)
    const profiles = day >= v.driftDay ? drifted : base
    const layouts = dayLayouts(shape, rng, dayName, v.gzip)
    for (const table of INCREMENTS) scratch[table].length = layouts.columns[table].length
    const increments: Record<IncrementTable, CsvBuilder> = {
      channel_events: new CsvBuilder(layouts.files.channel_events),
      trades: new CsvBuilder(layouts.files.trades),
      tickets: new CsvBuilder(layouts.files.tickets),
      marketing: new CsvBuilder(layouts.files.marketing),
    }
    const duplicates: Record<IncrementTable, string[]> = { channel_events: [], trades: [], tickets: [], marketing: [] }

    for (let i = 0; i < v.customers; i++) {
      const signup = pop.signupDay[i]!
      if (day < signup || day >= pop.churnDay[i]! || pop.inactive[i] === 1) continue

      const profile = profiles[pop.group[i]!]!
      const count = rng.poisson(profile.totalRate * pop.activity[i]!)
      const id = count > 0 ? customerId(pop, i) : ''
      for (let e = 0; e < count; e++) {
        const table = INCREMENTS[pick(profile.tableCum, rng.next())]!
        let eventDay = day
        if (rng.next() < shape.lateShare) {
          const candidate = day - 1 - rng.int(10)
          // An event before the customer existed would be a different kind of bad data; keep it on time.
          if (candidate >= signup) {
            eventDay = candidate
            counters.late += 1
          }
        }
        const fields = scratch[table]
        fillRow(table, fields, rng, names, profile, nextId(counters, table, shape.varied), id, eventDay, styles)
        const builder = increments[table]
        const layout = layouts.files[table]
        if (v.badRate > 0 && rng.next() < v.badRate) {
          builder.push(corruptRow(table, fields, rng, names, day, counters, shape.varied ? REALISTIC_INCREMENT_KINDS[table] : lightKinds(table), layout))
          counters.bad += 1
          continue
        }
        const line = renderLine(layout, fields, rng)
        builder.push(line)
        if (dupRate > 0 && rng.next() < dupRate) {
          // Half are plain re-sends, half the same id with a corrected timestamp (realistic trades:
          // a corrected notional); dedup keeps the first either way.
          if (shape.varied && table === 'trades') {
            fields[4] = (Number(fields[4]) + 1 + rng.int(100)).toFixed(2)
            duplicates[table].push(renderLine(layout, fields, rng))
          } else if (rng.next() < 0.5) duplicates[table].push(line)
          else {
            fields[2] = timestamp(rng, names, eventDay, styles)
            duplicates[table].push(renderLine(layout, fields, rng))
          }
          counters.duplicates += 1
        }
      }
    }
    for (const table of INCREMENTS) for (const line of duplicates[table]) increments[table].push(line)

    const snapshot = shape.varied ? realisticSnapshots(pop, day, rng, names, layouts.files, v.badRate, dupRate, counters) : snapshots(pop, day)
    snapshotCustomerDays += snapshot.present
    if (day === v.days - 1) customersOnLastDay = snapshot.present
    rows.customers += snapshot.customerRows
    rows.statements += snapshot.statementRows
    const plain: [LandingTable, Buffer][] = [
      ['customers', snapshot.customers],
      ['statements', snapshot.statements],
    ]
    for (const table of INCREMENTS) {
      rows[table] += increments[table].rows
      plain.push([table, increments[table].toBuffer()])
    }
    // zlib's async API runs on the thread pool, so the files compress side by side.
    const outputs: [string, Buffer][] = await Promise.all(
      plain.map(async ([table, content]): Promise<[string, Buffer]> => (layouts.files[table].gzip ? [`${table}.csv.gz`, await gzipAsync(content)] : [`${table}.csv`, content])),
    )
    for (const [, content] of outputs) bytes += content.length
    files += outputs.length
    await Promise.all(outputs.map(([fileName, content]) => options.out.write(dayName, fileName, content)))
  }

  const groups: Record<BehaviourGroup, number> = { digital_native: 0, digital_adopter: 0, hybrid: 0, traditional: 0 }
  let inactiveCustomers = 0
  for (let i = 0; i < v.customers; i++) {
    groups[GROUPS[pop.group[i]!]!] += 1
    inactiveCustomers += pop.inactive[i]!
  }
  if (options.behaviourGroups) await options.behaviourGroups(behaviourGroupsCsv(v.customers, (i) => customerId(pop, i), (i) => GROUPS[pop.group[i]!]!))
  const incrementRows = rows.channel_events + rows.trades + rows.tickets + rows.marketing
  return {
    location: options.out.location ?? '(custom writer)',
    firstDay: v.start,
    lastDay: names.get(v.days - 1),
    days: v.days,
    seed: v.seed,
    profile: shape.profile,
    customers: v.customers,
    customersOnLastDay,
    inactiveCustomers,
    groups,
    rows,
    incrementRowsPerCustomerDay: snapshotCustomerDays === 0 ? 0 : incrementRows / snapshotCustomerDays,
    lateRows: counters.late,
    badRows: counters.bad,
    badRowsByKind: counters.badByKind,
    duplicateRows: counters.duplicates,
    driftFrom: Number.isFinite(v.driftDay) ? names.get(v.driftDay) : null,
    gzip: v.gzip,
    files,
    bytes,
  }
}
