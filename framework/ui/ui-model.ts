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
 * recomputed only when the state changed.
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
    const newest = [this.state.newestPartition(), sourceDay].filter((day): day is string => day !== undefined).sort().at(-1)
    const to = newest ?? addDays(dateKeyOf(this.now()), -1)
    const starts = this.graph.keys.map((key) => this.graph.asset(key).partitions.start).filter((start): start is string => start !== undefined)
    const from = [...starts, to].sort()[0] as string
    const { cells } = statusOf(this.graph, this.state, { selection: '*', from, to })
    this.snapshot = { from, to, cells, health: healthRanges(this.graph.keys, cells), computedAt: this.now().toISOString() }
    this.snapshotVersion = version
    this.snapshotSourceDay = sourceDay
    return this.snapshot
  }
}
