import { describe, expect, it } from 'vitest'
import { taskSizeFor } from '../lib/task-size.js'
import { eventBridgeCron } from '../lib/eventbridge-cron.js'
import { stackParameters } from '../lib/stack-parameters.js'

describe('taskSizeFor: the benchmark peaks × 2, on a Fargate size', () => {
  it('meets the measured peaks at 100k and 1M customers', () => {
    expect(taskSizeFor(100_000)).toEqual({ cpu: 1024, memoryMiB: 2048, ephemeralStorageGiB: 21, expectedPeakMiB: 386 })
    expect(taskSizeFor(1_000_000)).toEqual({ cpu: 2048, memoryMiB: 4096, ephemeralStorageGiB: 21, expectedPeakMiB: 1540 })
  })

  it('grows memory first, then CPU where Fargate ties memory to it, and the disk per million', () => {
    expect(taskSizeFor(250_000)).toMatchObject({ cpu: 1024, memoryMiB: 2048 })
    expect(taskSizeFor(250_001)).toMatchObject({ cpu: 2048, memoryMiB: 4096 })
    expect(taskSizeFor(5_000_000)).toEqual({ cpu: 2048, memoryMiB: 14336, ephemeralStorageGiB: 101, expectedPeakMiB: 6669 })
    expect(taskSizeFor(10_000_000)).toEqual({ cpu: 4096, memoryMiB: 26624, ephemeralStorageGiB: 200, expectedPeakMiB: 13080 })
    expect(taskSizeFor(45_000_000)).toMatchObject({ cpu: 16384, memoryMiB: 122880 })
    for (const customers of [1, 1000, 300_000, 2_000_000, 20_000_000]) {
      const size = taskSizeFor(customers)
      expect(size.memoryMiB).toBeGreaterThanOrEqual(2 * size.expectedPeakMiB)
    }
  })

  it('refuses what it cannot size', () => {
    expect(() => taskSizeFor(0)).toThrow('customers 0 is not a whole number from 1 to 45,000,000')
    expect(() => taskSizeFor(45_000_001)).toThrow('customers 45000001 is not a whole number from 1 to 45,000,000')
    expect(() => taskSizeFor(1.5)).toThrow('not a whole number')
  })
})

describe('eventBridgeCron', () => {
  it('five cron fields → EventBridge, ? in the unused day field, weekdays 1 (Sunday) … 7', () => {
    expect(eventBridgeCron('0 2 * * *', 'UTC')).toBe('cron(0 2 * * ? *)')
    expect(eventBridgeCron('30 4 1 * *', 'UTC')).toBe('cron(30 4 1 * ? *)')
    expect(eventBridgeCron('0 6 * * 1', 'Etc/UTC')).toBe('cron(0 6 ? * 2 *)')
    expect(eventBridgeCron('0 6 * * 0,6', 'UTC')).toBe('cron(0 6 ? * 1,7 *)')
    expect(eventBridgeCron('0 6 * * 1-5', 'UTC')).toBe('cron(0 6 ? * 2-6 *)')
    expect(eventBridgeCron('0 6 * * 7', 'UTC')).toBe('cron(0 6 ? * 1 *)')
  })

  it('refuses what EventBridge rules cannot run', () => {
    expect(() => eventBridgeCron('0 2 * * *', 'Europe/Berlin')).toThrow('EventBridge rules run in UTC')
    expect(() => eventBridgeCron('0 2 1 * 1', 'UTC')).toThrow('both the day of month and the day of week')
    expect(() => eventBridgeCron('0 2 * *', 'UTC')).toThrow('five fields')
  })
})

describe('stackParameters', () => {
  it('defaults, and numbers given as text (cdk -c key=value)', () => {
    expect(stackParameters(() => undefined)).toEqual({ customers: 1_000_000, glueDatabase: 'cdi', landingPrefix: 'landing', storagePrefix: 'strata', logGroupName: '/strata', logRetentionDays: 90, noncurrentVersionDays: 30, family: 'strata' })
    const given: Record<string, string> = { customers: '250000', logRetentionDays: '30', landingPrefix: 'in/daily', quarantineThreshold: '0.1' }
    expect(stackParameters((key) => given[key])).toMatchObject({ customers: 250_000, logRetentionDays: 30, landingPrefix: 'in/daily', quarantineThreshold: 0.1 })
  })

  it('names the bad key', () => {
    const bad = (key: string, value: string) => () => stackParameters((k) => (k === key ? value : undefined))
    expect(bad('landingPrefix', '../x')).toThrow('context landingPrefix="../x" is not an S3 prefix')
    expect(bad('glueDatabase', 'CDI')).toThrow('context glueDatabase="CDI" is not a Glue database name')
    expect(bad('kmsKeyArn', 'alias/x')).toThrow('context kmsKeyArn="alias/x" is not a KMS key ARN')
    expect(bad('quarantineThreshold', '2')).toThrow('context quarantineThreshold="2" is not a number from 0 to 1')
    expect(bad('segmentation', 'kmeans')).toThrow('context segmentation="kmeans" is not spec or stable')
    expect(bad('image', 'strata')).toThrow('context image="strata" is not an ECR image')
  })
})
