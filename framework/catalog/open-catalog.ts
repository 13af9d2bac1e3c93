import type { Logger } from '../definitions/logger.js'
import type { AssetGraph } from '../graph/index.js'
import type { Executor } from '../executors/executor.js'
import type { Storage } from '../storage/storage.js'
import { readParquet, type SqlEngine } from '../sql/index.js'
import type { CatalogClient } from './catalog-client.js'
import { CatalogSync } from './catalog-sync.js'
import { glueDatabaseOf } from './glue-database.js'

export { glueDatabaseOf }

/** DESCRIBE of one local Parquet file through DuckDB. */
export function parquetDescriber(duckdb: () => Promise<SqlEngine>): (path: string) => Promise<{ name: string; type: string }[]> {
  // Hive partitioning off: the `dt=` folder is the table's partition key, not a column of the file.
  return async (path) => (await duckdb()).describe(`SELECT * FROM ${readParquet([path])}`)
}

/**
 * Wrap an executor so every commit on S3 storage is registered in the catalog (the step
 * runner's `afterCommit` hook). Unchanged when the storage is local or no catalog is given.
 */
export function withCatalog(executor: Executor, client: CatalogClient | undefined, log: Logger): Executor {
  if (!client) return executor
  return {
    kind: executor.kind,
    execute(plan, env, options) {
      if (!env.storage.location.startsWith('s3://')) return executor.execute(plan, env, options)
      const sync = catalogSyncFor(client, env.graph, env.storage, log, env.duckdb)
      return executor.execute(plan, { ...env, afterCommit: (manifest) => sync.register(manifest) }, options)
    },
  }
}

/** A CatalogSync over a storage, describing multi-table Parquet files with DuckDB. */
export function catalogSyncFor(client: CatalogClient, graph: AssetGraph, storage: Storage, log: Logger, duckdb: () => Promise<SqlEngine>): CatalogSync {
  return new CatalogSync({ client, graph, storage, log, describeParquet: parquetDescriber(duckdb) })
}
