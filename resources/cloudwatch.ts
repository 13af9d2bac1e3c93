import { CloudWatchClient, PutMetricDataCommand, type MetricDatum as CloudWatchDatum } from '@aws-sdk/client-cloudwatch'
import { StrataError } from '../framework/errors/index.js'
import type { Settings } from '../framework/config/index.js'
import type { Logger } from '../framework/definitions/logger.js'
import { awsClientConfig } from './aws-client-config.js'

export { CloudWatchClient } from '@aws-sdk/client-cloudwatch'

/** One figure to publish; `unit` is a CloudWatch StandardUnit (the drift metrics record's shape). */
export interface PublishableDatum {
  readonly name: string
  readonly value: number
  readonly unit: 'None' | 'Count' | 'Percent' | 'Seconds' | 'Milliseconds'
  readonly dimensions?: Readonly<Record<string, string>>
}

export interface PublishOptions {
  /** Default `CDI` (SPEC §7). */
  readonly namespace?: string
  readonly timestamp: Date
  /** Added to every datum, before the datum's own (e.g. Segment). */
  readonly dimensions?: Readonly<Record<string, string>>
}

/** PutMetricData takes at most 1000 datums per request. */
export const MAX_DATUMS_PER_REQUEST = 1000

/**
 * Publish the drift metrics record (SPEC §7) with PutMetricData: one datum per figure, name,
 * value and unit as recorded, the common dimensions then the datum's own (Segment_Size carries
 * `Segment`), in requests of at most 1000 datums. Non-finite values are left out.
 */
export async function publishDriftMetrics(client: CloudWatchClient, metrics: readonly PublishableDatum[], options: PublishOptions): Promise<number> {
  const namespace = options.namespace ?? 'CDI'
  const data: CloudWatchDatum[] = metrics
    .filter((metric) => Number.isFinite(metric.value))
    .map((metric) => {
      const dimensions = Object.entries({ ...(options.dimensions ?? {}), ...(metric.dimensions ?? {}) }).map(([Name, Value]) => ({ Name, Value }))
      return { MetricName: metric.name, Value: metric.value, Unit: metric.unit, Timestamp: options.timestamp, ...(dimensions.length > 0 ? { Dimensions: dimensions } : {}) }
    })
  for (let start = 0; start < data.length; start += MAX_DATUMS_PER_REQUEST) {
    try {
      await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data.slice(start, start + MAX_DATUMS_PER_REQUEST) }))
    } catch (error) {
      const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : 'error'
      throw new StrataError('aws', `CloudWatch PutMetricData (namespace ${namespace}) failed: ${name}: ${error instanceof Error ? error.message : String(error)}`, `Give the role cloudwatch:PutMetricData with the condition cloudwatch:namespace = ${namespace} (resources/iam-policy.json), or turn publishing off (cloudwatch.enabled / STRATA_CLOUDWATCH).`, { cause: error })
    }
  }
  return data.length
}

/** What an asset sees: publish a metrics record, or nothing when publishing is off. */
export interface MetricsPublisher {
  /** Publish `metrics` stamped `timestamp`; logs and swallows failures (the data is committed regardless). */
  publish(metrics: readonly PublishableDatum[], timestamp: Date): Promise<void>
}

export interface CloudWatchSettings {
  readonly enabled: boolean
  readonly namespace: string
  readonly dimensions: Readonly<Record<string, string>>
  readonly region?: string
}

/** `cloudwatch.enabled` / STRATA_CLOUDWATCH=1 (env wins), `cloudwatch.namespace` (default CDI), `cloudwatch.dimensions`. */
export function resolveCloudWatchSettings(settings: Pick<Settings, 'config' | 'env'>): CloudWatchSettings {
  const file = (settings.config.cloudwatch ?? {}) as { enabled?: boolean; namespace?: string; dimensions?: Record<string, string> }
  const aws = (settings.config.aws ?? {}) as { region?: string }
  const flag = settings.env.STRATA_CLOUDWATCH
  const enabled = flag !== undefined && flag !== '' ? /^(1|true|yes|on)$/i.test(flag) : file.enabled === true
  const region = settings.env.AWS_REGION ?? aws.region
  return { enabled, namespace: file.namespace ?? 'CDI', dimensions: file.dimensions ?? {}, ...(region ? { region } : {}) }
}

/** CloudWatch only takes data points up to two weeks old; older partitions (backfills) are not published. */
const MAX_AGE_MS = 14 * 24 * 3600 * 1000 - 3600 * 1000

/**
 * The metrics publisher resource: undefined when publishing is off, else one that sends to
 * CloudWatch through `client` (default: a standard-chain client) and logs, never throws.
 */
export function openMetricsPublisher(settings: Pick<Settings, 'config' | 'env'>, log: Logger, client?: CloudWatchClient, now: () => Date = () => new Date()): MetricsPublisher | undefined {
  const resolved = resolveCloudWatchSettings(settings)
  if (!resolved.enabled) return undefined
  const cloudwatch = client ?? new CloudWatchClient(awsClientConfig(settings.env, resolved.region))
  return {
    async publish(metrics, timestamp) {
      if (now().getTime() - timestamp.getTime() > MAX_AGE_MS) {
        log.info(`metrics of ${timestamp.toISOString().slice(0, 10)} not published to CloudWatch: data points older than two weeks are rejected`)
        return
      }
      try {
        const count = await publishDriftMetrics(cloudwatch, metrics, { namespace: resolved.namespace, timestamp, dimensions: resolved.dimensions })
        log.debug(`published ${count} metrics to CloudWatch namespace ${resolved.namespace}`)
      } catch (error) {
        log.warn(error instanceof StrataError ? error.render() : String(error))
      }
    },
  }
}
