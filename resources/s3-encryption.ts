import type { ServerSideEncryption } from '../framework/storage/object-store.js'

/** The request parameters behind `x-amz-server-side-encryption` and `…-aws-kms-key-id`. */
export interface SseParameters {
  readonly ServerSideEncryption?: ServerSideEncryption['mode']
  readonly SSEKMSKeyId?: string
}

/** The SSE parameters of a write request; none without `encryption` (the bucket default applies). */
export function sseParameters(encryption: ServerSideEncryption | undefined): SseParameters {
  if (encryption === undefined) return {}
  return encryption.kmsKeyId === undefined ? { ServerSideEncryption: encryption.mode } : { ServerSideEncryption: encryption.mode, SSEKMSKeyId: encryption.kmsKeyId }
}
