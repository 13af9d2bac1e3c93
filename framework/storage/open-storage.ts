import type { JsonObject } from '../definitions/json.js'
import type { Logger } from '../definitions/logger.js'
import { serverSideEncryptionOf } from '../config/s3-encryption.js'
import type { Platform } from '../platform/platform.js'
import { cacheDirFor } from './cache-dir.js'
import { LocalStorage } from './local-storage.js'
import { lockOptionsFromEnv, type LockOptions } from './partition-lock.js'
import { S3Storage } from './s3-storage.js'
import type { Storage } from './storage.js'

/**
 * Open the storage a location names: `s3://bucket/prefix` (the platform's object store,
 * configured from `env`, writes encrypted as `config.s3` says; a local read cache under `STRATA_CACHE_DIR`) or a local folder.
 */
export async function openStorage(
  location: string,
  options: { env: Readonly<Record<string, string | undefined>>; log: Logger; config?: JsonObject; platform: Pick<Platform, 'openObjectStore'> },
): Promise<Storage> {
  const locks = lockOptionsOf(options.config ?? {}, options.env)
  if (location.startsWith('s3://')) {
    const encryption = serverSideEncryptionOf(options.config ?? {}, options.env)
    const store = await options.platform.openObjectStore(location, options.env, encryption === undefined ? {} : { encryption })
    return new S3Storage({ store, cacheDir: cacheDirFor(store.location, options.env), log: options.log, locks })
  }
  return new LocalStorage(location, { locks })
}

/** Lock timing: the config's `locks` (already checked by the config schema), the environment winning. */
export function lockOptionsOf(config: JsonObject, env: Readonly<Record<string, string | undefined>>): LockOptions {
  const file = typeof config.locks === 'object' && config.locks !== null && !Array.isArray(config.locks) ? config.locks : {}
  const fromFile = { ...(typeof file.ttlMs === 'number' ? { ttlMs: file.ttlMs } : {}), ...(typeof file.waitMs === 'number' ? { waitMs: file.waitMs } : {}) }
  return { ...fromFile, ...lockOptionsFromEnv(env) }
}
