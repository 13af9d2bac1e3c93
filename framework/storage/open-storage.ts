import type { Logger } from '../definitions/logger.js'
import { LocalStorage } from './local-storage.js'
import { lockOptionsFromEnv } from './partition-lock.js'
import type { Storage } from './storage.js'

/**
 * Open the storage a location names: `s3://bucket/prefix` (AWS standard credential chain and
 * configuration from `env`; a local read cache under `STRATA_CACHE_DIR`) or a local folder.
 * Credentials are never logged. The AWS SDK is only loaded for S3 locations.
 */
export async function openStorage(location: string, options: { env: Readonly<Record<string, string | undefined>>; log: Logger }): Promise<Storage> {
  if (location.startsWith('s3://')) {
    const [{ cacheDirFor, openObjectStore }, { S3Storage }] = await Promise.all([import('../../resources/s3.js'), import('./s3-storage.js')])
    const store = openObjectStore(location, { env: options.env })
    return new S3Storage({ store, cacheDir: cacheDirFor(store.location, options.env), log: options.log, locks: lockOptionsFromEnv(options.env) })
  }
  return new LocalStorage(location, { locks: lockOptionsFromEnv(options.env) })
}
