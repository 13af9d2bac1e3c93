import type { Platform } from '../framework/platform/index.js'
import { openDuckDb } from './duckdb.js'

/**
 * The engine's outside world: embedded DuckDB, and S3, Glue, CloudFormation, ECS and CloudWatch Logs through the AWS
 * SDK (standard credential chain, `AWS_ENDPOINT_URL_*` overrides). The AWS SDK loads only when
 * first used, so a local run never pays for it.
 */
export const platform: Platform = {
  openSqlEngine: (options) => openDuckDb(options),
  async openObjectStore(location, env, options = {}) {
    return (await import('./s3.js')).openObjectStore(location, { env, ...options })
  },
  async openCatalog(settings) {
    return (await import('./glue-catalog.js')).openGlueCatalog(settings)
  },
  async readStackOutputs(stackName, region) {
    return (await import('./cloudformation.js')).readStackOutputs(stackName, region)
  },
  async openContainerService(options) {
    return (await import('./ecs.js')).openContainerService(options)
  },
}
