import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { StrataError } from '../framework/errors/index.js'
import { maxAttemptsOf, nonEmpty } from './aws-client-config.js'

type Env = Readonly<Record<string, string | undefined>>

/** Options of {@link createS3Client}; anything not given comes from `env` and the SDK's own chain. */
export interface S3ClientOptions {
  /** The environment to read (the CLI passes its io env; the SDK also reads `process.env`). */
  readonly env: Env
  readonly region?: string
  /** An S3-compatible endpoint such as `http://127.0.0.1:9000`. */
  readonly endpoint?: string
  /** Bucket in the path (`http://host/bucket/key`), as most S3-compatible servers need. */
  readonly forcePathStyle?: boolean
}

function flag(env: Env, name: string): boolean | undefined {
  const value = env[name]
  if (value === undefined || value === '') return undefined
  if (/^(true|1|yes)$/i.test(value)) return true
  if (/^(false|0|no)$/i.test(value)) return false
  throw new StrataError('config', `${name}="${value.slice(0, 20)}" is not true or false`, `Set ${name}=true or ${name}=false.`)
}

/**
 * The only place an S3Client is created. Uses the SDK's standard configuration:
 * - credentials: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` from `env` when set
 *   there, otherwise the default provider chain (env, SSO, shared config/credentials files with
 *   `AWS_PROFILE`, web identity, ECS task role, EC2 instance role);
 * - region: option, `AWS_REGION`, `AWS_DEFAULT_REGION`, else the SDK (profile `region`);
 * - endpoint: option, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL` from `env` (the SDK itself also
 *   honours both from `process.env` and `endpoint_url` in the profile, unless
 *   `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`);
 * - `STRATA_S3_FORCE_PATH_STYLE=true` for S3-compatible servers;
 * - standard retry mode with `STRATA_S3_MAX_ATTEMPTS` attempts (default 5).
 * Credentials are never logged or put in error messages.
 */
export function createS3Client(options: S3ClientOptions): S3Client {
  const { env } = options
  const ignoreEndpoints = flag(env, 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS') === true
  const endpoint = options.endpoint ?? (ignoreEndpoints ? undefined : nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL))
  const region = options.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION)
  const forcePathStyle = options.forcePathStyle ?? flag(env, 'STRATA_S3_FORCE_PATH_STYLE')
  const config: S3ClientConfig = { maxAttempts: maxAttemptsOf(env, 'STRATA_S3_MAX_ATTEMPTS'), retryMode: 'standard' }
  if (endpoint !== undefined) {
    if (!/^https?:\/\/[^\s]+$/.test(endpoint)) {
      throw new StrataError('config', 'the S3 endpoint (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL) is not an http(s) URL', 'Use e.g. AWS_ENDPOINT_URL_S3=http://127.0.0.1:9000.')
    }
    config.endpoint = endpoint
  }
  // An S3-compatible server does not care about the region, but the SDK needs one to sign.
  if (region !== undefined) config.region = region
  else if (endpoint !== undefined) config.region = 'us-east-1'
  if (forcePathStyle !== undefined) config.forcePathStyle = forcePathStyle
  const profile = nonEmpty(env.AWS_PROFILE)
  if (profile !== undefined) config.profile = profile
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID)
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY)
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN)
    config.credentials = sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken }
  }
  return new S3Client(config)
}
