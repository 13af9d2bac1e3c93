export type { StagedPartition, Storage } from './storage.js'
export type { ColumnSchema, FailureRecord, LineageEntry, Manifest } from './manifest.js'
export { LocalStorage, type LocalStorageOptions } from './local-storage.js'
export { S3Storage, type S3StorageOptions } from './s3-storage.js'
export { dataVersionOf, digestFile, hashFile, type FileDigest } from './data-version.js'
export { parseFailureRecord, parseJson, parseManifest, rebuildHint } from './manifest-codec.js'
export {
  MANIFEST_FILE,
  assertAssetKey,
  assertDataFileName,
  assertPathSegment,
  assertRunId,
  documentKeySegments,
  documentPrefixParts,
  isAssetKey,
  isDataFileName,
  isDocumentKeySegment,
  isPathSegment,
} from './storage-keys.js'
export { openStorage } from './open-storage.js'
export { lockLocalPartition } from './local-partition-lock.js'
export { lockS3Partition } from './s3-partition-lock.js'
export {
  lockOptionsFromEnv,
  lockOwner,
  lockPartition,
  lockedError,
  type LockOptions,
  type LockOwner,
  type LockRecord,
  type PartitionLock,
} from './partition-lock.js'
