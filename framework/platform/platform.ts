import type { CatalogClient } from '../catalog/catalog-client.js'
import type { Settings } from '../config/settings.js'
import type { StackOutputsReader } from '../config/stack-outputs.js'
import type { ContainerServiceOpener } from '../executors/container-service.js'
import type { SqlEngineOpener } from '../sql/sql-engine.js'
import type { ObjectStore, ObjectStoreOptions } from '../storage/object-store.js'

type Env = Readonly<Record<string, string | undefined>>

/**
 * Everything the engine needs from the outside world, as interfaces it owns. `resources/platform.ts`
 * implements it over DuckDB and the AWS SDK; the composition root (`bin/strata.js`) passes that
 * in; tests pass it too, or their own fakes. The engine never builds a client itself, so each
 * AWS client is built in one place, from one configuration.
 *
 * @example
 * // In a test: an object store that lives in memory, the rest as the real platform gives it.
 * const fake: Platform = { ...realPlatform, openObjectStore: async () => memoryStore }
 * await runCli(['status', '--storage', 's3://bucket/prefix'], captureIo(), { name: 'strata', version: '0', load, platform: fake })
 */
export interface Platform {
  /** The embedded SQL engine: checks, `show`, catalog descriptions and the steps' own queries. */
  readonly openSqlEngine: SqlEngineOpener
  /** The object store at an `s3://bucket/prefix` location, configured from `env` (endpoint, region, retries) and `options` (encryption of writes). */
  openObjectStore(location: string, env: Env, options?: ObjectStoreOptions): Promise<ObjectStore>
  /** The data catalog of the settings (Glue), or undefined when none is configured. */
  openCatalog(settings: Pick<Settings, 'config' | 'env'>): Promise<CatalogClient | undefined>
  /** Reads a deployed stack's outputs, for `--aws-stack`. */
  readonly readStackOutputs: StackOutputsReader
  /** The container service Fargate tasks run on (ECS, with CloudWatch Logs for their output). */
  readonly openContainerService: ContainerServiceOpener
}
