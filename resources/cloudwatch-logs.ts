import { CloudWatchLogsClient, GetLogEventsCommand, type CloudWatchLogsClientConfig } from '@aws-sdk/client-cloudwatch-logs'
import type { LogPage } from '../framework/executors/container-service.js'
import { awsClientConfig } from './aws-client-config.js'
import { endpointAndCredentials } from './aws-endpoint.js'

export { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'

/** A CloudWatch Logs client: standard credential chain, endpoint from `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS` / `AWS_ENDPOINT_URL` of `env`. */
export function createLogsClient(options: { readonly region?: string; readonly env?: Readonly<Record<string, string | undefined>> } = {}): CloudWatchLogsClient {
  const env = options.env ?? {}
  const config: CloudWatchLogsClientConfig = { ...awsClientConfig(env, options.region), ...endpointAndCredentials(env, 'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS') }
  return new CloudWatchLogsClient(config)
}

/**
 * One page of a log stream with GetLogEvents, oldest first (`startFromHead`), continuing from
 * `nextToken` (the previous page's nextForwardToken). A stream that does not exist yet (the
 * task has not started writing) is an empty page, not an error.
 */
export async function readLogPage(logs: CloudWatchLogsClient, group: string, stream: string, nextToken?: string): Promise<LogPage> {
  try {
    const response = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, ...(nextToken ? { nextToken } : {}) }))
    const events = (response.events ?? []).map((event) => ({ timestamp: event.timestamp ?? 0, message: event.message ?? '' }))
    const next = response.nextForwardToken ?? nextToken
    return { events, ...(next ? { nextToken: next } : {}) }
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return { events: [], ...(nextToken ? { nextToken } : {}) }
    throw error
  }
}
