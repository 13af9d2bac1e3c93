import { glueDatabaseOf } from '../catalog/glue-database.js'
import { isJsonObject, type JsonObject, type JsonValue } from '../definitions/json.js'
import { StrataError } from '../errors/index.js'
import { lockOptionsOf } from '../storage/open-storage.js'
import { serverSideEncryptionOf } from './s3-encryption.js'
import { configProblems, SETTINGS_VARIABLE, type Settings } from './settings.js'

/** Config keys that stay with the launching process: the Fargate launcher's own settings and the file's `$schema`. */
const LAUNCHER_ONLY = new Set(['$schema', 'fargate'])

function objectOf(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? value : {}
}

/**
 * The resolved settings as ONE document in the shape of strata.config.json (and checked against
 * its schema), for another process, e.g. a Fargate task, to use in place of a config file
 * (`STRATA_SETTINGS`): what the flags, environment and config file of this process resolved to,
 * so the task computes with the same values without any environment variable of this shell.
 * Holds the config file's keys (less the launcher's own), the framework's resolved values
 * (landing, storage, concurrency, aws, locks, s3 encryption) and `pipeline`: the definitions' resolved settings
 * (e.g. start, hysteresisDelta, quarantineThreshold, cloudwatch). Never AWS credentials: those
 * are not settings (the task uses its task role).
 */
export function settingsDocument(settings: Settings, pipeline: JsonObject = {}): JsonObject {
  const document: JsonObject = {}
  for (const [key, value] of Object.entries(settings.config)) if (!LAUNCHER_ONLY.has(key)) document[key] = value
  // Not the stack name: its outputs are already resolved here, and the task role may not describe it.
  const { stack: _stack, ...aws } = objectOf(settings.config.aws)
  const region = settings.env.AWS_REGION ?? settings.env.AWS_DEFAULT_REGION
  if (region) aws.region = region
  const glueDatabase = glueDatabaseOf(settings)
  if (glueDatabase) aws.glueDatabase = glueDatabase
  const { ttlMs, waitMs } = lockOptionsOf(settings.config, settings.env)
  const locks: JsonObject = { ...(ttlMs === undefined ? {} : { ttlMs }), ...(waitMs === undefined ? {} : { waitMs }) }
  // The environment's STRATA_S3_SSE / STRATA_S3_KMS_KEY_ID resolved too: a task on an encrypted bucket must encrypt.
  const encryption = serverSideEncryptionOf(settings.config, settings.env)
  Object.assign(document, { landing: settings.landing, storage: settings.storage, concurrency: settings.concurrency })
  if (Object.keys(aws).length > 0) document.aws = aws
  if (Object.keys(locks).length > 0) document.locks = locks
  if (encryption !== undefined) document.s3 = { serverSideEncryption: encryption.mode, ...(encryption.kmsKeyId === undefined ? {} : { kmsKeyId: encryption.kmsKeyId }) }
  Object.assign(document, pipeline)
  const problems = configProblems(document)
  if (problems !== undefined) throw new StrataError('config', `the settings document for ${SETTINGS_VARIABLE} is invalid: ${problems}`, 'Fix the setting named (flag, environment variable or config file) so it has the type strata.config.json allows.')
  return document
}

/** The one environment variable a task gets: `STRATA_SETTINGS` with the document. */
export function settingsEnvironment(document: JsonObject): Record<string, string> {
  return { [SETTINGS_VARIABLE]: JSON.stringify(document) }
}
