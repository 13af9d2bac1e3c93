import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import type { SqlEngine } from '../framework/sql/index.js'

/**
 * Concurrent steps share one DuckDB database, whose thread pool is per database. While one step
 * runs it should have every core (a 1M-row day is one step after another); while two run, DuckDB
 * threads beyond the cores only contend: on 2 cores, two steps at 2 threads each spent a quarter
 * more CPU on a 90-day backfill than at 1 thread each. So when a step starts, the database's
 * `threads` becomes the cores divided among the steps holding a connection, at least one.
 * Raising is held back for a while after the last lowering: in a backfill a step often starts
 * its SQL while the other is committing, and raising then only to lower again a moment later
 * cost 226 SETs of ~10 ms each (they wait for DuckDB's workers) in a 90-day backfill.
 */
export class ThreadShare {
  private holders = 0
  private applied: number
  /** SET statements in order, so a late one never overrides a newer count. */
  private queue: Promise<void> = Promise.resolve()

  private loweredAt = Number.NEGATIVE_INFINITY

  constructor(
    private readonly db: SqlEngine,
    private readonly cores: number = availableParallelism(),
    /** How long after a lowering a lone step still runs on its share. */
    private readonly raiseAfterMs = 2_000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.applied = cores
  }

  /** Run `work` on a connection of its own, counted as one holder of the cores while it runs. */
  async withConnection<T>(work: (db: SqlEngine) => Promise<T>): Promise<T> {
    this.holders++
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
    }
  }

  /** The thread count for the current holders. */
  threads(): number {
    return Math.max(1, Math.floor(this.cores / Math.max(1, this.holders)))
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
