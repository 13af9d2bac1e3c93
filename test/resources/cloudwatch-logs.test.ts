import { mockClient } from 'aws-sdk-client-mock'
import { CloudWatchLogsClient, GetLogEventsCommand, ResourceNotFoundException } from '@aws-sdk/client-cloudwatch-logs'
import { beforeEach, describe, expect, it } from 'vitest'
import { createLogsClient, readLogPage } from '../../resources/cloudwatch-logs.js'

const logs = mockClient(CloudWatchLogsClient)
beforeEach(() => logs.reset())

describe('reading a task log stream', () => {
  it('pages with GetLogEvents from the head, continuing with the forward token', async () => {
    logs.on(GetLogEventsCommand).resolves({ events: [{ timestamp: 5, message: 'hello' }], nextForwardToken: 'f/2', nextBackwardToken: 'b/0' })
    const client = createLogsClient({ region: 'eu-west-1', env: {} })
    expect(await readLogPage(client, '/strata', 'cdi/strata/abc', 'f/1')).toEqual({ events: [{ timestamp: 5, message: 'hello' }], nextToken: 'f/2' })
    expect(logs.commandCalls(GetLogEventsCommand)[0]?.args[0].input).toEqual({ logGroupName: '/strata', logStreamName: 'cdi/strata/abc', startFromHead: true, nextToken: 'f/1' })
  })

  it('a stream the task has not created yet is an empty page, keeping the token', async () => {
    logs.on(GetLogEventsCommand).rejects(new ResourceNotFoundException({ message: 'The specified log stream does not exist.', $metadata: {} }))
    expect(await readLogPage(createLogsClient({ env: {} }), '/strata', 'cdi/strata/abc')).toEqual({ events: [] })
  })

  it('takes its endpoint from AWS_ENDPOINT_URL_CLOUDWATCH_LOGS of the given environment', async () => {
    const client = createLogsClient({ region: 'us-east-1', env: { AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: 'http://127.0.0.1:4566' } })
    const endpoint = await client.config.endpoint?.()
    expect(endpoint).toMatchObject({ hostname: '127.0.0.1', port: 4566, protocol: 'http:' })
  })
})
