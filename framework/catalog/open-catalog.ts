import { GlueClient } from '@aws-sdk/client-glue'
import type { Settings } from '../config/index.js'
import type { Logger } from '../definitions/logger.js'
import type { AssetGraph } from '../graph/index.js'
import type { Executor } from '../executors/executor.js'
import type { Storage } from '../storage/storage.js'
import { readParquet, type DuckDb } from '../../resources/duckdb.js'
import { GlueCatalog } from '../../resources/glue-catalog.js'
import type { CatalogClient } from './catalog-client.js'
import { CatalogSync } from './catalog-sync.js'
import { glueDatabaseOf } from './glue-database.js'

export { glueDatabaseOf }

/** The Glue database to register in: env STRATA_GLUE_DATABASE, else config `aws.glueDatabase`; undefined when neither is set. */
/** The Glue catalog client of the settings (standard credential chain), or undefined when no database is configured. */
export function openGlueCatalog(settings: Pick<Settings, 'config' | 'env'>): CatalogClient | undefined {
  const database = glueDatabaseOf(settings)
  if (!database) return undefined
  const aws = (settings.config.aws ?? {}) as { region?: string; glueCatalogId?: string }
  const region = settings.env.AWS_REGION ?? aws.region
  return new GlueCatalog(new GlueClient(region ? { region } : {}), { database, ...(aws.glueCatalogId ? { catalogId: aws.glueCatalogId } : {}) })
}

/** DESCRIBE of one local Parquet file through DuckDB. */
export function parquetDescriber(duckdb: () => Promise<DuckDb>): (path: string) => Promise<{ name: string; type: string }[]> {
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
export function catalogSyncFor(client: CatalogClient, graph: AssetGraph, storage: Storage, log: Logger, duckdb: () => Promise<DuckDb>): CatalogSync {
  return new CatalogSync({ client, graph, storage, log, describeParquet: parquetDescriber(duckdb) })
}
