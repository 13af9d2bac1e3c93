import type { JsonObject } from '../definitions/json.js'
import { StrataError } from '../errors/index.js'
import type { ServerSideEncryption } from '../storage/object-store.js'

type Env = Readonly<Record<string, string | undefined>>

const MODES: readonly ServerSideEncryption['mode'][] = ['AES256', 'aws:kms']

/**
 * The server-side encryption of every S3 write: `s3.serverSideEncryption` and `s3.kmsKeyId` of the
 * config (already checked by its schema), `STRATA_S3_SSE` and `STRATA_S3_KMS_KEY_ID` winning;
 * undefined when none is set (the bucket's default encryption applies). A key id without
 * `aws:kms` is StrataError('config') naming both settings: S3 would refuse the request anyway,
 * and only after the step did its work.
 *
 * @example
 * serverSideEncryptionOf({ s3: { serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/cdi' } }, {})
 * // { mode: 'aws:kms', kmsKeyId: 'alias/cdi' }
 */
export function serverSideEncryptionOf(config: JsonObject, env: Env): ServerSideEncryption | undefined {
  const s3 = typeof config.s3 === 'object' && config.s3 !== null && !Array.isArray(config.s3) ? config.s3 : {}
  const envMode = env.STRATA_S3_SSE || undefined
  if (envMode !== undefined && !(MODES as readonly string[]).includes(envMode)) {
    throw new StrataError('config', `STRATA_S3_SSE="${envMode.slice(0, 20)}" is not AES256 or aws:kms`, 'Set STRATA_S3_SSE=aws:kms (SSE-KMS) or STRATA_S3_SSE=AES256 (SSE-S3), or unset it.')
  }
  const envKey = env.STRATA_S3_KMS_KEY_ID || undefined
  if (envKey !== undefined && !/^\S{1,2048}$/.test(envKey)) {
    throw new StrataError('config', 'STRATA_S3_KMS_KEY_ID is not a KMS key id, ARN or alias', 'Use e.g. STRATA_S3_KMS_KEY_ID=alias/strata or the key ARN.')
  }
  const mode = (envMode ?? (typeof s3.serverSideEncryption === 'string' ? s3.serverSideEncryption : undefined)) as ServerSideEncryption['mode'] | undefined
  const kmsKeyId = envKey ?? (typeof s3.kmsKeyId === 'string' ? s3.kmsKeyId : undefined)
  const modeFrom = envMode !== undefined ? 'STRATA_S3_SSE' : 's3.serverSideEncryption'
  if (kmsKeyId !== undefined && mode !== 'aws:kms') {
    throw new StrataError(
      'config',
      `${envKey !== undefined ? 'STRATA_S3_KMS_KEY_ID' : 's3.kmsKeyId'} is set, but ${mode === undefined ? 's3.serverSideEncryption (STRATA_S3_SSE) is not' : `${modeFrom} is "${mode}", not`} "aws:kms"; a KMS key applies only to SSE-KMS`,
      'Set "s3": { "serverSideEncryption": "aws:kms", "kmsKeyId": "…" } in strata.config.json (or STRATA_S3_SSE=aws:kms), or remove the key id.',
    )
  }
  if (mode === undefined) return undefined
  return kmsKeyId === undefined ? { mode } : { mode, kmsKeyId }
}
