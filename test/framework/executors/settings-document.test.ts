import { mockClient } from 'aws-sdk-client-mock'
import { DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { resolveSettings } from '../../../framework/config/index.js'
import { settingsDocument } from '../../../framework/config/settings-document.js'
import type { JsonObject } from '../../../framework/definitions/json.js'
import { glueDatabaseOf } from '../../../framework/catalog/glue-database.js'
import { lockOptionsOf } from '../../../framework/storage/open-storage.js'
import { cdiSettingsDocument, loadDefinitions } from '../../../assets/definitions.js'
import { resolveCdiConfig } from '../../../assets/cdi-config.js'
import { resolveCloudWatchSettings } from '../../../resources/cloudwatch.js'
import { openObjectStore } from '../../../resources/s3.js'
import { startS3Server, type S3TestServer } from '../../support/s3-server.js'
import { platform } from '../../../resources/platform.js'

const ecs = mockClient(ECSClient)
const ARN = 'arn:aws:ecs:us-east-1:123456789012:task/strata/0f1e2d3c4b5a'
const SECRETS = { AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjEXAMPLE-session-token', GITHUB_TOKEN: 'ghp_launchingShellSecret0123456789', DATABASE_PASSWORD: 'hunter2-not-a-setting' }

let server: S3TestServer
let cwd: string
beforeAll(async () => {
  server = await startS3Server(['strata-settings'])
  // A landing with a day in it: a landing without ingest_date= folders is a usage error before any launch.
  await openObjectStore('s3://strata-settings/landing', { env: server.env }).put('ingest_date=2026-03-03/customers.csv', 'customer_id\n')
  cwd = await mkdtemp(join(tmpdir(), 'strata-settings-'))
})
afterAll(async () => {
  ecs.restore()
  await server?.stop()
  await rm(cwd, { recursive: true, force: true })
})

/** The launching shell: every setting the assets and the engine read, Fargate's own, credentials and unrelated secrets. */
function launchingEnv(): Record<string, string> {
  return {
    ...server.env,
    ...SECRETS,
    STRATA_LANDING: 's3://strata-settings/landing',
    STRATA_STORAGE: 's3://strata-settings/storage',
    STRATA_START: '2026-03-02',
    HYSTERESIS_DELTA: '7',
    STRATA_QUARANTINE_THRESHOLD: '0.2',
    STRATA_SEGMENTATION: 'stable',
    STRATA_GLUE_DATABASE: 'cdi_test',
    STRATA_CLOUDWATCH: '1',
    STRATA_LOCK_TTL_MS: '90000',
    STRATA_LOCK_WAIT_MS: '5000',
    STRATA_CONCURRENCY: '3',
    STRATA_FARGATE_CLUSTER: 'strata',
    STRATA_FARGATE_TASK_DEFINITION: 'strata:1',
    STRATA_FARGATE_SUBNETS: 'subnet-0a',
    STRATA_FARGATE_LOG_STREAM_PREFIX: 'cdi',
  }
}

describe('the settings document (STRATA_SETTINGS) a Fargate task gets', () => {
  it('carries every setting the assets read, as resolved at launch, and nothing else of the launching shell', async () => {
    ecs.reset()
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { containerDefinitions: [] } })
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: ARN }], failures: [] })
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: ARN, lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited', containers: [{ name: 'strata', exitCode: 1 }] }] })
    const env = launchingEnv()
    const app: StrataApp = { name: 'strata', version: '0', platform, load: (settings) => loadDefinitions(settings) }
    const io = captureIo(env, cwd)
    // The mocked task exits 1 (it did not really run), so the run fails; the request is what matters.
    expect(await runCli(['materialize', 'raw', '--partition', '2026-03-03', '--executor', 'fargate'], io, app)).toBe(1)

    const calls = ecs.commandCalls(RunTaskCommand)
    expect(calls).toHaveLength(1)
    const input = calls[0]?.args[0].input
    const override = input?.overrides?.containerOverrides?.[0]
    expect(override?.command).toEqual(['step', 'raw', '--partition', '2026-03-03', '--run-id', expect.any(String)])
    // One variable, the document: no STRATA_* or pipeline variables by name.
    expect(override?.environment?.map((variable) => variable.name)).toEqual(['STRATA_SETTINGS'])
    const document = JSON.parse(override?.environment?.[0]?.value ?? '{}') as JsonObject
    expect(document).toEqual({
      landing: 's3://strata-settings/landing',
      storage: 's3://strata-settings/storage',
      concurrency: 3,
      aws: { region: 'us-east-1', glueDatabase: 'cdi_test' },
      locks: { ttlMs: 90000, waitMs: 5000 },
      start: '2026-03-02',
      hysteresisDelta: 7,
      quarantineThreshold: 0.2,
      segmentation: 'stable',
      cloudwatch: { enabled: true, namespace: 'CDI', dimensions: {} },
    })

    // Every setting of the pipeline's config has its key in the document, with the launcher's value.
    const launcher = resolveSettings({}, env, cwd, 2)
    const launcherConfig = await resolveCdiConfig(launcher, async () => [])
    for (const [key, value] of Object.entries(cdiSettingsDocument(launcher, launcherConfig))) expect(document[key], key).toEqual(value)

    // No credential, session token or other secret of the launching shell is anywhere in the request.
    const request = JSON.stringify(input)
    for (const secret of [env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, ...Object.values(SECRETS)]) expect(request).not.toContain(secret)
    expect(request).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|STRATA_FARGATE|GITHUB_TOKEN/)

    // Round trip: a process whose environment is only STRATA_SETTINGS resolves the same settings.
    const taskEnv = { STRATA_SETTINGS: override?.environment?.[0]?.value ?? '' }
    const task = resolveSettings({}, taskEnv, '/', 8)
    expect(task.configFile).toBe('STRATA_SETTINGS')
    expect({ landing: task.landing, storage: task.storage, concurrency: task.concurrency }).toEqual({ landing: launcher.landing, storage: launcher.storage, concurrency: launcher.concurrency })
    const taskConfig = await resolveCdiConfig(task, () => Promise.reject(new Error('the start day travels in the document: no landing listing')))
    expect(taskConfig).toEqual(launcherConfig)
    expect(taskConfig.hysteresisDelta).toBe(7)
    expect(taskConfig.segmentation).toBe('stable')
    expect(glueDatabaseOf(task)).toBe('cdi_test')
    expect(resolveCloudWatchSettings(task)).toEqual(resolveCloudWatchSettings(launcher))
    expect(lockOptionsOf(task.config, task.env)).toEqual(lockOptionsOf(launcher.config, launcher.env))
    // …and serialises it to the same document again.
    expect(settingsDocument(task, cdiSettingsDocument(task, taskConfig))).toEqual(document)
  }, 60_000)

  it('flags and individual variables still win over the document; a bad document is a config error naming STRATA_SETTINGS, not its content', () => {
    const document = JSON.stringify({ landing: 's3://bkt/landing', storage: 's3://bkt/storage', concurrency: 2, hysteresisDelta: 7 })
    expect(resolveSettings({ concurrency: '5' }, { STRATA_SETTINGS: document, STRATA_STORAGE: 's3://bkt/other' }, '/', 1)).toMatchObject({ concurrency: 5, storage: 's3://bkt/other', landing: 's3://bkt/landing', config: { hysteresisDelta: 7 } })
    expect(() => resolveSettings({}, { STRATA_SETTINGS: '{"landing": "s3://bkt/x", "password": "hunter2"' }, '/', 1)).toThrow(expect.objectContaining({ code: 'config', message: expect.stringMatching(/^STRATA_SETTINGS is not a settings document: it is not valid JSON/) }))
    const failure = (() => {
      try {
        resolveSettings({}, { STRATA_SETTINGS: '{"landing": "s3://bkt/x", "password": "hunter2"' }, '/', 1)
      } catch (error) {
        return error as Error
      }
      return undefined
    })()
    expect(failure?.message).not.toContain('hunter2')
    expect(() => resolveSettings({}, { STRATA_SETTINGS: JSON.stringify({ hysteresisDelta: 'seven' }) }, '/', 1)).toThrow(expect.objectContaining({ code: 'config', message: expect.stringContaining('STRATA_SETTINGS is invalid: /hysteresisDelta must be number') }))
  })
})
