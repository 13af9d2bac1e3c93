import { StrataError } from '../framework/errors/index.js'

// How a failed S3 call becomes a StrataError a user can act on, and the few error shapes the
// object store branches on (missing object, failed precondition).

export interface SdkError {
  readonly name?: string
  readonly message?: string
  readonly Code?: string
  readonly $metadata?: { readonly httpStatusCode?: number }
}

export function sdkError(error: unknown): SdkError {
  return typeof error === 'object' && error !== null ? (error as SdkError) : {}
}

export function statusOf(error: unknown): number | undefined {
  return sdkError(error).$metadata?.httpStatusCode
}

export function isNotFound(error: unknown): boolean {
  const { name } = sdkError(error)
  return name === 'NoSuchKey' || name === 'NotFound' || (statusOf(error) === 404 && name !== 'NoSuchBucket')
}

const CREDENTIAL_ERRORS = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
  'AccountProblem',
])

/**
 * A StrataError for a failed S3 call. Built only from the error's name and message (which the
 * SDK never fills with credentials) and the object URL.
 */
export function s3Error(what: string, url: string, error: unknown, maxAttempts?: number): StrataError {
  if (error instanceof StrataError) return error
  const { name = 'Error', message = String(error) } = sdkError(error)
  const detail = `${name}: ${message}`.slice(0, 300)
  const text = `could not ${what} ${url}: ${detail}`
  if (name === 'NoSuchBucket') return new StrataError('config', text, 'Create the bucket, or fix the bucket name in the s3:// location.', { cause: error })
  if (CREDENTIAL_ERRORS.has(name) || statusOf(error) === 403) {
    return new StrataError(
      'config',
      text,
      'Check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, `aws sso login`, the task or instance role) and that their IAM policy allows this bucket and prefix.',
      { cause: error },
    )
  }
  if (/region is missing/i.test(message) || name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || name === 'IllegalLocationConstraintException') {
    return new StrataError('config', text, "Set AWS_REGION (or the profile's region) to the bucket's region.", { cause: error })
  }
  const retries = maxAttempts === undefined ? '' : ` (already tried ${maxAttempts} times; STRATA_S3_MAX_ATTEMPTS)`
  return new StrataError('aws', text, `Check the network and the S3 endpoint, then retry${retries}.`, { cause: error })
}
