import type { SqlEngine } from '../framework/sql/index.js'
import type { Landing } from './landing/index.js'
import type { MetricsPublisher } from '../resources/cloudwatch.js'
import type { ThreadShare } from '../resources/thread-share.js'
import type { CdiConfig } from './cdi-config.js'

/** What the CDI assets use: one embedded DuckDB (a connection per step), the landing data, the config. */
export interface CdiResources {
  readonly duckdb: SqlEngine
  readonly landing: Landing
  readonly config: CdiConfig
  /** CloudWatch publisher of the drift metrics; absent unless cloudwatch.enabled / STRATA_CLOUDWATCH=1. */
  readonly metrics?: MetricsPublisher
  /** Shares the cores among the steps running at once (DuckDB's threads); without it, connections use the database's setting. */
  readonly threads?: ThreadShare
}

/** A private DuckDB connection for one step, so temp tables of concurrent steps never collide. */
export async function withConnection<T>(resources: CdiResources, work: (db: SqlEngine) => Promise<T>): Promise<T> {
  if (resources.threads) return resources.threads.withConnection(work)
  const db = await resources.duckdb.connect()
  try {
    return await work(db)
  } finally {
    db.close()
  }
}
