import { StrataError } from '../errors/index.js'
import type { Logger } from '../definitions/logger.js'
import { LocalStorage } from './local-storage.js'
import type { Storage } from './storage.js'

/** Open the storage a location names: a local folder (absolute path) or `s3://bucket/prefix`. */
export async function openStorage(location: string, _options: { env: Readonly<Record<string, string | undefined>>; log: Logger }): Promise<Storage> {
  if (location.startsWith('s3://')) {
    throw new StrataError('config', `S3 storage (${location}) is not available in this build`, 'Use a local folder for --storage / STRATA_STORAGE.')
  }
  return new LocalStorage(location)
}
