import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import type { SqlEngine } from '../framework/sql/index.js'

export interface ThreadShareOptions {
  /** The cores to share (default: what the machine offers). */
  readonly cores?: number
  /** How long after a lowering, or after the last step started or ended, the steps still run on their share (default 2 s). */
  readonly raiseAfterMs?: number
  readonly now?: () => number
  /** Runs `work` after `ms`; the timer must not keep the process alive. */
  readonly later?: (ms: number, work: () => void) => void
}

/**
 * Concurrent steps share one DuckDB database, whose thread pool is per database. While one step
 * runs it should have every core (a 1M-row day is one step after another); while two run, DuckDB
 * threads beyond the cores only contend: on 2 cores, two steps at 2 threads each spent a quarter
 * more CPU on a 90-day backfill than at 1 thread each. So when a step starts, the database's
 * `threads` becomes the cores divided among the steps holding a connection, at least one.
 * Raising is held back for a while after the last lowering: in a backfill a step often starts
 * its SQL while the other is committing, and raising then only to lower again a moment later
 * cost 226 SETs of ~10 ms each (they wait for DuckDB's workers) in a 90-day backfill.
 * When a step ends and the others still run, they get its cores back once no step has started
 * or ended for that while: a Monday's 40-second model, which starts beside the day's chain,
 * otherwise ran on one thread long after the chain had ended. In a backfill the next step starts
 * at once and takes them, so nothing is set. DuckDB sizes a statement's workers when it starts,
 * so the raise reaches a step's next statement.
 */
export class ThreadShare {
  private holders = 0
  private applied: number
  /** SET statements in order, so a late one never overrides a newer count. */
  private queue: Promise<void> = Promise.resolve()
  private loweredAt = Number.NEGATIVE_INFINITY
  /** When a step last started or ended. */
  private changedAt = Number.NEGATIVE_INFINITY
  private raisePending = false
  private readonly cores: number
  private readonly raiseAfterMs: number
  private readonly now: () => number
  private readonly later: (ms: number, work: () => void) => void

  constructor(
    private readonly db: SqlEngine,
    options: ThreadShareOptions = {},
  ) {
    this.cores = options.cores ?? availableParallelism()
    this.raiseAfterMs = options.raiseAfterMs ?? 2_000
    this.now = options.now ?? (() => performance.now())
    this.later = options.later ?? ((ms, work) => setTimeout(work, ms).unref())
    this.applied = this.cores
  }

  /** Run `work` on a connection of its own, counted as one holder of the cores while it runs. */
  async withConnection<T>(work: (db: SqlEngine) => Promise<T>): Promise<T> {
    this.holders++
    this.changedAt = this.now()
    await this.apply()
    try {
      const connection = await this.db.connect()
      try {
        return await work(connection)
      } finally {
        connection.close()
      }
    } finally {
      this.holders--
      this.changedAt = this.now()
      this.raiseLater()
    }
  }

  /** The thread count for the current holders. */
  threads(): number {
    return Math.max(1, Math.floor(this.cores / Math.max(1, this.holders)))
  }

  /** Once no step has started or ended for the hold-back, the steps still running get the cores of those that ended. */
  private raiseLater(): void {
    if (this.raisePending || this.holders === 0 || this.threads() <= this.applied) return
    this.raisePending = true
    this.later(Math.max(0, this.changedAt + this.raiseAfterMs - this.now()), () => {
      this.raisePending = false
      if (this.now() - this.changedAt < this.raiseAfterMs) return this.raiseLater()
      // A failed SET here belongs to no step: the next step's own apply tries again.
      this.apply().then(
        () => this.raiseLater(),
        () => undefined,
      )
    })
  }

  private apply(): Promise<void> {
    const next = this.queue.then(async () => {
      const wanted = this.threads()
      if (wanted === this.applied) return
      if (wanted > this.applied && this.now() - this.loweredAt < this.raiseAfterMs) return
      await this.db.run(`SET threads = ${wanted}`)
      if (wanted < this.applied) this.loweredAt = this.now()
      this.applied = wanted
    })
    // A failed SET fails its own step; later ones still run.
    this.queue = next.catch(() => undefined)
    return next
  }
}
