import { open } from 'node:fs/promises'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3'
import { StrataError } from '../framework/errors/index.js'
import type { SseParameters } from './s3-encryption.js'
import { s3Error } from './s3-errors.js'

const MIB = 1024 * 1024
/** Files up to this size go up in one PUT; larger ones as a multipart upload. */
export const MULTIPART_THRESHOLD = 16 * MIB
/** Part size of multipart uploads (grown for files above 10 000 parts). */
export const PART_SIZE = 8 * MIB
const MAX_PARTS = 10_000
const PART_CONCURRENCY = 4

/** Where a multipart upload goes, and how. */
export interface MultipartTarget {
  readonly client: S3Client
  readonly bucket: string
  /** The full object key (the store's prefix included). */
  readonly key: string
  /** `s3://bucket/key`, for messages. */
  readonly url: string
  /** Sent on CreateMultipartUpload, which fixes the encryption of the whole object. */
  readonly sse: SseParameters
  readonly partSize: number
}

/**
 * Upload a local file of `size` bytes as a multipart upload: a few parts in flight, each read into
 * its own buffer (the SDK can only retry a body it can replay), completed in order, aborted on
 * any failure.
 */
export async function uploadMultipart(target: MultipartTarget, localPath: string, size: number): Promise<void> {
  const { client, url, sse } = target
  const Bucket = target.bucket
  const Key = target.key
  const partSize = Math.max(target.partSize, Math.ceil(size / MAX_PARTS))
  const partCount = Math.ceil(size / partSize)
  let uploadId: string | undefined
  try {
    uploadId = (await client.send(new CreateMultipartUploadCommand({ Bucket, Key, ...sse }))).UploadId
  } catch (error) {
    throw s3Error('start a multipart upload of', url, error)
  }
  if (uploadId === undefined) throw new StrataError('aws', `S3 returned no upload id for ${url}`, 'Retry; if it persists the S3-compatible server does not support multipart uploads.')
  const UploadId = uploadId
  const handle = await open(localPath, 'r')
  const parts: CompletedPart[] = []
  try {
    let next = 0
    // A few parts in flight at once, each read into its own buffer: memory stays at
    // PART_CONCURRENCY × partSize whatever the file size.
    const worker = async (): Promise<void> => {
      while (next < partCount) {
        const index = next++
        const length = Math.min(partSize, size - index * partSize)
        const body = Buffer.alloc(length)
        const { bytesRead } = await handle.read(body, 0, length, index * partSize)
        if (bytesRead !== length) throw new StrataError('storage', `${localPath} changed size while it was uploaded to ${url}`, 'Do not modify staged files during a commit.')
        let etag: string | undefined
        try {
          etag = (await client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: index + 1, Body: body }))).ETag
        } catch (error) {
          throw s3Error(`upload part ${index + 1} of ${partCount} of`, url, error)
        }
        parts[index] = { PartNumber: index + 1, ETag: etag }
      }
    }
    await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, partCount) }, worker))
    try {
      await client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }))
    } catch (error) {
      throw s3Error('complete the multipart upload of', url, error)
    }
  } catch (error) {
    // Abandoned parts cost storage until aborted; a lifecycle rule catches what this misses.
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined)
    throw error
  } finally {
    await handle.close()
  }
}
