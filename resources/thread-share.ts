import { availableParallelism } from 'node:os'
import type { DuckDb } from './duckdb.js'

/**
 * Concurrent steps share one DuckDB database, whose thread pool is per database. While one step
 * runs it should have every core (a 1M-row day is one step after another); while two run, DuckDB
 * threads beyond the cores only contend: on 2 cores, two steps at 2 threads each spent a quarter
 * more CPU on a 90-day backfill than at 1 thread each. So when a step starts, the database's
 * `threads` becomes the cores divided among the steps holding a connection, at least one.
 * Nothing changes when a step ends: in a backfill the next step starts a moment later, and
 * raising and lowering at every step boundary cost more (thread churn) than it gave.
 */
export class ThreadShare {
  private holders = 0
  private applied: number
  /** SET statements in order, so a late one never overrides a newer count. */
  private queue: Promise<void> = Promise.resolve()

  constructor(
    private readonly db: DuckDb,
    private readonly cores: number = availableParallelism(),
  ) {
    this.applied = cores
  }

  /** Run `work` on a connection of its own, counted as one holder of the cores while it runs. */
  async withConnection<T>(work: (db: DuckDb) => Promise<T>): Promise<T> {
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
      await this.db.run(`SET threads = ${wanted}`)
      this.applied = wanted
    })
    // A failed SET fails its own step; later ones still run.
    this.queue = next.catch(() => undefined)
    return next
  }
}
