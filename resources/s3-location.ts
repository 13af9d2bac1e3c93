import { StrataError } from '../framework/errors/index.js'

/** A parsed `s3://bucket/prefix`; `prefix` has no leading or trailing slash ('' for the bucket root). */
export interface S3Location {
  readonly bucket: string
  readonly prefix: string
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const PREFIX_SEGMENT = /^[A-Za-z0-9_.=-]+$/

/**
 * Parse `s3://bucket/prefix` strictly: a valid bucket name (not IP-like, no `..`), and a prefix
 * of plain segments (letters, digits, `_ . = -`, never `.` or `..`). StrataError('config') otherwise.
 *
 * @example
 * parseS3Url('s3://my-bucket/strata/prod/') // { bucket: 'my-bucket', prefix: 'strata/prod' }
 */
export function parseS3Url(url: string): S3Location {
  const bad = (why: string): StrataError =>
    new StrataError('config', `"${String(url).slice(0, 80)}" is not a valid S3 location: ${why}`, 'Use s3://bucket/prefix with a valid bucket name and a plain prefix (letters, digits, _ . = / -).')
  if (typeof url !== 'string' || !url.startsWith('s3://')) throw bad('it does not start with s3://')
  const rest = url.slice('s3://'.length)
  const slash = rest.indexOf('/')
  const bucket = slash === -1 ? rest : rest.slice(0, slash)
  if (!BUCKET.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) throw bad(`bucket name "${bucket.slice(0, 63)}" is invalid`)
  const segments = slash === -1 ? [] : rest.slice(slash + 1).split('/')
  while (segments.length > 0 && segments[segments.length - 1] === '') segments.pop()
  for (const segment of segments) {
    if (!PREFIX_SEGMENT.test(segment) || segment === '.' || segment === '..') throw bad(`prefix segment "${segment.slice(0, 40)}" is not plain`)
  }
  return { bucket, prefix: segments.join('/') }
}

/** `s3://bucket/prefix/key` for messages. */
export function s3Url(location: S3Location, key = ''): string {
  const path = [location.prefix, key].filter((part) => part !== '').join('/')
  return path === '' ? `s3://${location.bucket}` : `s3://${location.bucket}/${path}`
}
