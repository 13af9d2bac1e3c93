// The S3 implementation of the engine's ObjectStore port, one concern per file; this module is
// what the platform loads lazily and what callers import.
export { createS3Client, type S3ClientOptions } from './s3-client.js'
export { sseParameters, type SseParameters } from './s3-encryption.js'
export { s3Error } from './s3-errors.js'
export { parseS3Url, s3Url, type S3Location } from './s3-location.js'
export { MULTIPART_THRESHOLD, PART_SIZE } from './s3-multipart.js'
export { S3ObjectStore, openObjectStore, type S3ObjectStoreOptions } from './s3-object-store.js'
