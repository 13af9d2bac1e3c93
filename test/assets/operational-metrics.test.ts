import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockClient } from 'aws-sdk-client-mock'
import { CloudWatchClient, PutMetricDataCommand, type PutMetricDataCommandInput } from '@aws-sdk/client-cloudwatch'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../framework/cli/index.js'
import { loadDefinitions } from '../../assets/definitions.js'
import { TABLE_NAMES } from '../../assets/lib/tables.js'
import { driftStatusMetric, runMetrics } from '../../assets/lib/operational-metrics.js'
import type { RunRecord } from '../../framework/runs/index.js'
import { platform } from '../../resources/platform.js'

const cloudwatch = mockClient(CloudWatchClient)
const app: StrataApp = { name: 'strata', version: '0.0.0-test', platform, load: loadDefinitions }
// The publisher drops data points older than two weeks, so the clock stands on the sample's last day.
const NOW = new Date('2026-03-12T02:00:00Z')
const DAY = '2026-03-10'
let root: string

async function cli(...argv: string[]) {
  const io = captureIo({ STRATA_STORAGE: join(root, 'storage'), STRATA_LANDING: join(root, 'landing'), STRATA_START: '', STRATA_CLOUDWATCH: '1', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' }, root)
  const code = await runCli(argv, io, app)
  return { code, out: io.out(), err: io.err() }
}
const requests = (): PutMetricDataCommandInput[] => cloudwatch.commandCalls(PutMetricDataCommand).map((call) => call.args[0].input)
const manifestOf = async (asset: string, day: string) => JSON.parse(await readFile(join(root, 'storage', asset, `dt=${day}`, '_manifest.json'), 'utf8')) as { metadata: Record<string, unknown> }

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: NOW })
  root = await mkdtemp(join(tmpdir(), 'strata-metrics-'))
  const sample = await cli('generate-sample', '--customers', '200', '--days', '10', '--start', '2026-03-02', '--profile', 'light')
  expect(sample.code).toBe(0)
}, 60_000)
afterAll(async () => {
  vi.useRealTimers()
  await rm(root, { recursive: true, force: true })
})

describe('the figures the deployed alarms and dashboard read, published to CloudWatch', () => {
  it("a day's run: raw publishes Quarantine_Rate per table, drift_report adds Drift_Status to its record, the run its Steps_Failed", async () => {
    cloudwatch.reset()
    cloudwatch.on(PutMetricDataCommand).resolves({})
    const run = await cli('materialize', '+drift_report', '--partition', DAY)
    expect(run.err).not.toMatch(/warning|error/)
    expect(run.code).toBe(0)
    const stamp = new Date(`${DAY}T00:00:00Z`)

    const raw = (await manifestOf('raw', DAY)).metadata as { tables: Record<string, { quarantine_rate: number }> }
    expect(requests()).toContainEqual({
      Namespace: 'CDI',
      MetricData: TABLE_NAMES.map((table) => ({ MetricName: 'Quarantine_Rate', Value: raw.tables[table]?.quarantine_rate, Unit: 'None', Timestamp: stamp, Dimensions: [{ Name: 'Table', Value: table }] })),
    })

    const report = (await manifestOf('drift_report', DAY)).metadata as { status: 'ok' | 'warn' | 'alert'; metrics: { name: string; value: number; unit: string; dimensions?: Record<string, string> }[] }
    const statusValue = { ok: 0, warn: 1, alert: 2 }[report.status]
    expect(requests()).toContainEqual({
      Namespace: 'CDI',
      MetricData: [
        ...report.metrics.map((m) => ({ MetricName: m.name, Value: m.value, Unit: m.unit, Timestamp: stamp, ...(m.dimensions ? { Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })) } : {}) })),
        { MetricName: 'Drift_Status', Value: statusValue, Unit: 'None', Timestamp: stamp },
      ],
    })
    // The run's own figure comes last, stamped when it ended.
    expect(requests().at(-1)).toEqual({ Namespace: 'CDI', MetricData: [{ MetricName: 'Steps_Failed', Value: 0, Unit: 'Count', Timestamp: NOW }] })
  }, 120_000)

  it('a run with a failed step publishes Steps_Failed = 1', async () => {
    cloudwatch.reset()
    cloudwatch.on(PutMetricDataCommand).resolves({})
    const folder = join(root, 'landing', 'ingest_date=2026-03-11')
    for (const name of await readdir(folder)) if (name.startsWith('customers.')) await rm(join(folder, name))
    const run = await cli('materialize', 'raw', '--partition', '2026-03-11')
    expect(run.code).toBe(1)
    expect(requests()).toEqual([{ Namespace: 'CDI', MetricData: [{ MetricName: 'Steps_Failed', Value: 1, Unit: 'Count', Timestamp: NOW }] }])
  }, 60_000)

  it('a rejected publish after the run is a warning; the run keeps its outcome', async () => {
    cloudwatch.reset()
    cloudwatch.on(PutMetricDataCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }))
    const run = await cli('materialize', 'raw', '--partition', DAY, '--force')
    expect(run.code).toBe(0)
    expect(run.err).toContain('PutMetricData')
  }, 60_000)
})

describe('operational metrics', () => {
  it('maps the drift status to 0 / 1 / 2 and counts failed steps', () => {
    expect(['ok', 'warn', 'alert'].map((s) => driftStatusMetric(s as 'ok').value)).toEqual([0, 1, 2])
    const record = { counts: { planned: 3, succeeded: 1, failed: 2, skipped: 0, canceled: 0 } } as RunRecord
    expect(runMetrics(record)).toEqual([{ name: 'Steps_Failed', value: 2, unit: 'Count' }])
  })
})
