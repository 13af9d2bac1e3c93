import type { Definitions } from '../definitions/definitions.js'
import { addDays, dateKeyOf } from '../partitions/index.js'
import type { Storage } from '../storage/storage.js'
import { statusOf, type StatusCell } from '../cli/commands/status-command.js'
import { healthRanges, type AssetHealth } from './health-ranges.js'
import { LiveStoredState } from './live-stored-state.js'

/** The status of every asset over the whole range, as ranges, for one version of the stored state. */
export interface StatusSnapshot {
  readonly from: string
  readonly to: string
  readonly cells: readonly StatusCell[]
  readonly health: ReadonlyMap<string, AssetHealth>
  readonly computedAt: string
}

/** How often (at most) the model looks at the run records for changes made elsewhere. */
const REFRESH_EVERY_MS = 1000

/**
 * What the UI shows, kept in memory: the stored state (read once, refreshed incrementally from
 * the run records) and the status computed from it by the same planner as `strata status`,
 * re-planned only from the days that changed.
 */
export class UiModel {
  private snapshot: StatusSnapshot | undefined
  private snapshotVersion = -1
  private snapshotSourceDay: string | undefined
  private lastRefresh = 0
  private refreshing: Promise<void> | undefined

  private constructor(
    readonly definitions: Definitions,
    readonly storage: Storage,
    readonly state: LiveStoredState,
    private readonly newestSourceDay: () => Promise<string | undefined>,
    private readonly now: () => Date,
  ) {}

  static async open(definitions: Definitions, storage: Storage, options: { newestSourceDay?: () => Promise<string | undefined>; now?: () => Date } = {}): Promise<UiModel> {
    const state = await LiveStoredState.load(definitions.graph, storage)
    return new UiModel(definitions, storage, state, options.newestSourceDay ?? (async () => undefined), options.now ?? (() => new Date()))
  }

  get graph() {
    return this.definitions.graph
  }

  /** Pick up runs made since the last look (by the CLI or this server); at most once a second unless forced. */
  async refresh(force = false): Promise<void> {
    if (!force && Date.now() - this.lastRefresh < REFRESH_EVERY_MS) return this.refreshing
    this.lastRefresh = Date.now()
    const previous = this.refreshing ?? Promise.resolve()
    const next = previous.then(() => this.state.refresh()).then(() => undefined)
    this.refreshing = next.finally(() => {
      if (this.refreshing === next) this.refreshing = undefined
    })
    return next
  }

  /**
   * Every asset's status from its first partition to the newest day anything (an asset or the
   * landing data) has, else yesterday.
   */
  async status(): Promise<StatusSnapshot> {
    await this.refresh()
    const sourceDay = await this.newestSourceDay()
    if (this.snapshot && this.snapshotVersion === this.state.version && this.snapshotSourceDay === sourceDay) return this.snapshot
    const version = this.state.version
    const changed = this.state.takeChanges()
    const newest = [this.state.newestPartition(), sourceDay].filter((day): day is string => day !== undefined).sort().at(-1)
    const to = newest ?? addDays(dateKeyOf(this.now()), -1)
    const starts = this.graph.keys.map((key) => this.graph.asset(key).partitions.start).filter((start): start is string => start !== undefined)
    const from = [...starts, to].sort()[0] as string
    const cells = this.snapshot && this.snapshot.from === from ? this.replan(this.snapshot, changed, from, to) : statusOf(this.graph, this.state, { selection: '*', from, to }).cells
    this.snapshot = { from, to, cells, health: healthRanges(this.graph.keys, cells), computedAt: this.now().toISOString() }
    this.snapshotVersion = version
    this.snapshotSourceDay = sourceDay
    return this.snapshot
  }

  /**
   * Plan again only from shortly before the earliest changed day (or the previous end, when the
   * range grew). A partition depends on days up to its own key, or up to its week's Sunday for a
   * weekly one, so a change on day D reaches back at most six days per weekly asset in a chain:
   * everything before that keeps its status. The planner still pulls in (and judges) the earlier
   * upstream partitions the re-planned ones need, so they come out as a full plan gives them.
   */
  private replan(previous: StatusSnapshot, changed: readonly string[], from: string, to: string): StatusCell[] {
    const weekly = this.graph.keys.filter((key) => this.graph.asset(key).partitions.kind === 'weekly').length
    const earliest = [...changed.filter((key) => /^\d{4}-\d{2}-\d{2}$/.test(key)), addDays(previous.to, 1), to].sort()[0] as string
    const start = addDays(earliest, -7 * (weekly + 1))
    if (start <= from) return statusOf(this.graph, this.state, { selection: '*', from, to }).cells
    const fresh = statusOf(this.graph, this.state, { selection: '*', from: start, to }).cells
    const replaced = new Set(fresh.map((cell) => `${cell.asset}@${cell.partition}`))
    const kept = previous.cells.filter((cell) => /^\d{4}-/.test(cell.partition) && cell.partition < start && !replaced.has(`${cell.asset}@${cell.partition}`))
    return [...kept, ...fresh]
  }
}
