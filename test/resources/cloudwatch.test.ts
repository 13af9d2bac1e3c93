import { mockClient } from 'aws-sdk-client-mock'
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch'
import { beforeEach, describe, expect, it } from 'vitest'
import { openMetricsPublisher, publishDriftMetrics, type PublishableDatum } from '../../resources/cloudwatch.js'
import { silentLogger } from '../../framework/definitions/index.js'

const cloudwatch = mockClient(CloudWatchClient)
const at = new Date('2026-03-01T00:00:00Z')
const record: PublishableDatum[] = [
  { name: 'CDI_Mean', value: 61.25, unit: 'None' },
  { name: 'CDI_StdDev', value: 12.5, unit: 'None' },
  { name: 'Segment_Size', value: 400, unit: 'Count', dimensions: { Segment: 'Champions' } },
  { name: 'Segment_Size', value: 350, unit: 'Count', dimensions: { Segment: 'At Risk' } },
  { name: 'PSI_CDI', value: 0.031, unit: 'None' },
  { name: 'Segment_Churn', value: 0.02, unit: 'None' },
  { name: 'RunCompleted', value: 1, unit: 'Count' },
]

beforeEach(() => {
  cloudwatch.reset()
  cloudwatch.on(PutMetricDataCommand).resolves({})
})

describe('publishDriftMetrics', () => {
  it('sends the metrics record to namespace CDI with names, values, units and dimensions', async () => {
    await publishDriftMetrics(new CloudWatchClient({ region: 'eu-west-1' }), record, { timestamp: at, dimensions: { Environment: 'prod' } })
    const env = { Name: 'Environment', Value: 'prod' }
    expect(cloudwatch.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input)).toEqual([
      {
        Namespace: 'CDI',
        MetricData: [
          { MetricName: 'CDI_Mean', Value: 61.25, Unit: 'None', Timestamp: at, Dimensions: [env] },
          { MetricName: 'CDI_StdDev', Value: 12.5, Unit: 'None', Timestamp: at, Dimensions: [env] },
          { MetricName: 'Segment_Size', Value: 400, Unit: 'Count', Timestamp: at, Dimensions: [env, { Name: 'Segment', Value: 'Champions' }] },
          { MetricName: 'Segment_Size', Value: 350, Unit: 'Count', Timestamp: at, Dimensions: [env, { Name: 'Segment', Value: 'At Risk' }] },
          { MetricName: 'PSI_CDI', Value: 0.031, Unit: 'None', Timestamp: at, Dimensions: [env] },
          { MetricName: 'Segment_Churn', Value: 0.02, Unit: 'None', Timestamp: at, Dimensions: [env] },
          { MetricName: 'RunCompleted', Value: 1, Unit: 'Count', Timestamp: at, Dimensions: [env] },
        ],
      },
    ])
  })

  it('without common dimensions only Segment_Size has one; requests hold at most 1000 datums', async () => {
    const many = Array.from({ length: 2001 }, (_, i): PublishableDatum => ({ name: 'CDI_Mean', value: i, unit: 'None' }))
    expect(await publishDriftMetrics(new CloudWatchClient({}), [...record, ...many], { timestamp: at })).toBe(2008)
    const calls = cloudwatch.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input.MetricData ?? [])
    expect(calls.map((data) => data.length)).toEqual([1000, 1000, 8])
    expect(calls[0]?.[0]).toEqual({ MetricName: 'CDI_Mean', Value: 61.25, Unit: 'None', Timestamp: at })
    expect(calls[0]?.[2]?.Dimensions).toEqual([{ Name: 'Segment', Value: 'Champions' }])
  })

  it('a rejected call is an aws error with the IAM hint', async () => {
    cloudwatch.on(PutMetricDataCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }))
    await expect(publishDriftMetrics(new CloudWatchClient({}), record, { timestamp: at })).rejects.toMatchObject({ code: 'aws', hint: expect.stringContaining('cloudwatch:namespace = CDI') })
  })
})

describe('openMetricsPublisher', () => {
  const client = new CloudWatchClient({})
  const now = () => new Date('2026-03-02T02:00:00Z')
  it('is off unless cloudwatch.enabled or STRATA_CLOUDWATCH=1', async () => {
    expect(openMetricsPublisher({ config: {}, env: {} }, silentLogger, client)).toBeUndefined()
    expect(openMetricsPublisher({ config: { cloudwatch: { enabled: true } }, env: { STRATA_CLOUDWATCH: '0' } }, silentLogger, client)).toBeUndefined()
    const publisher = openMetricsPublisher({ config: { cloudwatch: { enabled: true, namespace: 'CDI-test', dimensions: { Environment: 'dev' } } }, env: {} }, silentLogger, client, now)
    await publisher?.publish(record.slice(0, 1), at)
    expect(cloudwatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input).toEqual({ Namespace: 'CDI-test', MetricData: [{ MetricName: 'CDI_Mean', Value: 61.25, Unit: 'None', Timestamp: at, Dimensions: [{ Name: 'Environment', Value: 'dev' }] }] })
  })

  it('skips partitions older than two weeks (CloudWatch rejects them) and never throws', async () => {
    const warnings: string[] = []
    const log = { ...silentLogger, warn: (m: string) => void warnings.push(m) }
    const publisher = openMetricsPublisher({ config: {}, env: { STRATA_CLOUDWATCH: '1' } }, log, client, now)
    await publisher?.publish(record, new Date('2026-01-01T00:00:00Z'))
    expect(cloudwatch.commandCalls(PutMetricDataCommand)).toHaveLength(0)
    cloudwatch.on(PutMetricDataCommand).rejects(new Error('down'))
    await expect(publisher?.publish(record, at)).resolves.toBeUndefined()
    expect(warnings[0]).toContain('PutMetricData')
  })
})
