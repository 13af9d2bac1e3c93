import { nonEmpty } from './aws-client-config.js'

type Env = Readonly<Record<string, string | undefined>>

/** The endpoint (service variable, then `AWS_ENDPOINT_URL`) and explicit keys of `env`, when set there. */
export function endpointAndCredentials(env: Env, endpointVariable: string): { endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } } {
  const ignore = /^(1|true)$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '')
  const endpoint = ignore ? undefined : nonEmpty(env[endpointVariable]) ?? nonEmpty(env.AWS_ENDPOINT_URL)
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID)
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY)
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN)
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
  }
}
