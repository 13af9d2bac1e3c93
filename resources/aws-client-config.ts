import { StrataError } from '../framework/errors/index.js'

type Env = Readonly<Record<string, string | undefined>>

const DEFAULT_MAX_ATTEMPTS = 5

/**
 * What every AWS client Strata builds shares: the region (option, `AWS_REGION`,
 * `AWS_DEFAULT_REGION`, else the SDK's profile chain) and standard retries, 5 attempts (S3's
 * own count can be set with `STRATA_S3_MAX_ATTEMPTS`). Credentials always come from the SDK's
 * standard chain, and endpoints from `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`, which the
 * SDK reads itself.
 */
export function awsClientConfig(env: Env, region?: string): { region?: string; maxAttempts: number; retryMode: 'standard' } {
  const chosen = region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION)
  return { ...(chosen ? { region: chosen } : {}), maxAttempts: DEFAULT_MAX_ATTEMPTS, retryMode: 'standard' }
}

/** A whole number of attempts from 1 to 20 in `env[name]`, else the default. */
export function maxAttemptsOf(env: Env, name: string): number {
  const text = env[name]
  if (text === undefined || text === '') return DEFAULT_MAX_ATTEMPTS
  if (!/^\d{1,2}$/.test(text) || Number(text) < 1 || Number(text) > 20) {
    throw new StrataError('config', `${name}="${text.slice(0, 20)}" is not a whole number from 1 to 20`, `Use e.g. ${name}=5.`)
  }
  return Number(text)
}

export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
