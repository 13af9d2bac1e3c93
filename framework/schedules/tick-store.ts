import type { Storage } from '../storage/storage.js'

/** What happened to one tick of a schedule; stored at `schedules/<name>/ticks/<tickKey>`. */
export interface TickRecord {
  readonly schedule: string
  /** ISO time of the tick. */
  readonly tick: string
  /** `<schedule>:<tick ISO>`: the idempotency key of the run this tick launches. */
  readonly runKey: string
  /** launched: recorded before the run starts (a crash leaves it so); skipped: missed and not run by the catch-up policy; error: the run could not be planned. */
  readonly status: 'launched' | 'success' | 'failed' | 'canceled' | 'skipped' | 'error'
  readonly recordedAt: string
  readonly partitions: { readonly from: string; readonly to: string }
  readonly runId?: string
  readonly message?: string
  /** The process that claimed the tick (see tick-claim.ts): how a claim whose process died is recognised. */
  readonly claimedBy?: { readonly host: string; readonly pid: number }
  /** 1 for the first claim, +1 for each takeover of a claim whose run crashed or never started. */
  readonly attempt?: number
}

/**
 * Tick records of schedules, as storage documents, so every tick driver (cron, EventBridge,
 * the daemon) on any machine sees the same history without a server.
 */
export class TickStore {
  constructor(private readonly storage: Storage) {}

  /** The document key segment of a tick: its UTC time, compact and sortable, e.g. `20260301T020000Z`. */
  static tickKey(tick: Date): string {
    return tick.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')
  }

  static runKey(schedule: string, tick: Date): string {
    return `${schedule}:${tick.toISOString()}`
  }

  async read(schedule: string, tick: Date): Promise<TickRecord | undefined> {
    return this.storage.readDocument<TickRecord>(this.keyOf(schedule, tick))
  }

  /**
   * Claim a tick: create its record only when there is none, atomically (an exclusive create,
   * see Storage.createDocument). Of concurrent claimants on any machines exactly one gets true.
   */
  async claim(record: TickRecord): Promise<boolean> {
    return this.storage.createDocument(this.keyOf(record.schedule, new Date(record.tick)), record)
  }

  /**
   * Claim the takeover of a tick's abandoned claim: `claim` (with its `attempt`) is created
   * exclusively as `schedules/<name>/takeovers/<tickKey>-<attempt>`, so of concurrent tickers
   * that all see the same abandoned claim, one relaunches; the others can judge the taker by it.
   */
  async claimTakeover(claim: TickRecord): Promise<boolean> {
    return this.storage.createDocument(this.takeoverKeyOf(claim.schedule, new Date(claim.tick), claim.attempt ?? 2), claim)
  }

  /** The takeover claim of attempt `attempt`, if any. */
  async readTakeover(schedule: string, tick: Date, attempt: number): Promise<TickRecord | undefined> {
    return this.storage.readDocument<TickRecord>(this.takeoverKeyOf(schedule, tick, attempt))
  }

  async write(record: TickRecord): Promise<void> {
    await this.storage.writeDocument(this.keyOf(record.schedule, new Date(record.tick)), record)
  }

  /** The newest recorded tick (run or skipped), or undefined when the schedule never ticked. */
  async last(schedule: string): Promise<TickRecord | undefined> {
    const keys = await this.storage.listDocuments(`schedules/${schedule}/ticks/`)
    const newest = keys.at(-1)
    return newest === undefined ? undefined : this.storage.readDocument<TickRecord>(newest)
  }

  /** Recorded ticks, newest first, at most `limit`. */
  async list(schedule: string, limit = 20): Promise<TickRecord[]> {
    const keys = (await this.storage.listDocuments(`schedules/${schedule}/ticks/`)).reverse().slice(0, limit)
    const records = await Promise.all(keys.map((key) => this.storage.readDocument<TickRecord>(key)))
    return records.filter((record): record is TickRecord => record !== undefined)
  }

  private takeoverKeyOf(schedule: string, tick: Date, attempt: number): string {
    return `schedules/${schedule}/takeovers/${TickStore.tickKey(tick)}-${attempt}`
  }

  private keyOf(schedule: string, tick: Date): string {
    return `schedules/${schedule}/ticks/${TickStore.tickKey(tick)}`
  }
}
