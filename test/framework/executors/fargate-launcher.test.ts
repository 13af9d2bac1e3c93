import { mockClient } from 'aws-sdk-client-mock'
import { DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient, RunTaskCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs'
import { beforeEach, describe, expect, it } from 'vitest'
import { fargateLauncher, resolveFargateSettings, type FargateSettings } from '../../../framework/executors/fargate-launcher.js'
import { ecsContainerService } from '../../../resources/ecs.js'
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import type { StepEnvironment } from '../../../framework/executors/index.js'
import { silentLogger } from '../../../framework/definitions/index.js'
import type { PlannedStep } from '../../../framework/planner/index.js'
import type { FailureRecord, Manifest, Storage } from '../../../framework/storage/index.js'

const ecs = mockClient(ECSClient)
const logs = mockClient(CloudWatchLogsClient)
const RUN = '20260301T020000Z-a1b2c3'
const ARN = 'arn:aws:ecs:eu-west-1:123456789012:task/strata/0f1e2d3c4b5a'
const step: PlannedStep = { id: 'cdi_scores@2026-03-01', asset: 'cdi_scores', partition: '2026-03-01', pathSegment: 'dt=2026-03-01', action: 'run', reason: { kind: 'missing' }, requested: true, dependsOn: [], inputs: [] }
const settings: FargateSettings = {
  cluster: 'strata',
  taskDefinition: 'strata:7',
  containerName: 'strata',
  subnets: ['subnet-0a', 'subnet-0b'],
  securityGroups: ['sg-0c'],
  assignPublicIp: false,
  capacityProvider: 'FARGATE_SPOT',
  launchesPerSecond: 1,
  maxAttempts: 3,
  startTimeoutMs: 600_000,
  pollMinMs: 2000,
  pollMaxMs: 30_000,
  retryDelayMs: 5000,
  pack: 'partition',
}
const committed = { asset: 'cdi_scores', partition: '2026-03-01', runId: RUN, rowCount: 1200, checks: [{ name: 'unique', severity: 'error', blocking: true, passed: true, message: 'ok' }] } as unknown as Manifest

function harness(options: { manifest?: Manifest; manifests?: Map<string, Manifest>; failure?: FailureRecord; settings?: Partial<FargateSettings> } = {}) {
  let clock = Date.parse('2026-03-02T02:00:00Z')
  const sleeps: number[] = []
  const lines: string[] = []
  const controller = new AbortController()
  const storage = { readManifest: async (asset: string) => options.manifests?.get(asset) ?? options.manifest, readFailure: async () => options.failure } as unknown as Storage
  const env = { storage, runId: RUN, log: { ...silentLogger, info: (line: string) => lines.push(line) }, signal: controller.signal } as unknown as StepEnvironment
  const launch = fargateLauncher({
    containers: ecsContainerService(new ECSClient({ region: 'eu-west-1' }), new CloudWatchLogsClient({ region: 'eu-west-1' })),
    settings: { ...settings, ...options.settings },
    storage: 's3://cdi-data/prod',
    landing: 's3://cdi-landing/in',
    settingsDocument: { aws: { glueDatabase: 'cdi' }, hysteresisDelta: 7 },
    sleep: async (ms) => {
      sleeps.push(ms)
      clock += ms
    },
    now: () => clock,
    random: () => 0.5,
  })
  const launchOne = async () => (await launch({ id: step.partition, steps: [step], dependsOn: [] }, env)).get(step.id)
  return { launch: launchOne, launchTask: (steps: PlannedStep[]) => launch({ id: '2026-03-01', steps, dependsOn: [] }, env), controller, sleeps, lines }
}

const task = (lastStatus: string, extra: Partial<Task> = {}): { tasks: Task[] } => ({ tasks: [{ taskArn: ARN, lastStatus, ...extra }] })
const stopped = (exitCode: number | undefined, extra: Partial<Task> = {}, reason?: string) => task('STOPPED', { stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', containers: [{ name: 'strata', ...(exitCode === undefined ? {} : { exitCode }), ...(reason ? { reason } : {}) }], ...extra })

beforeEach(() => {
  ecs.reset()
  logs.reset()
  logs.on(GetLogEventsCommand).resolves({ events: [], nextForwardToken: 'f/0' })
  ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { containerDefinitions: [{ name: 'strata', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/strata', 'awslogs-stream-prefix': 'cdi' } } }] } })
})

describe('Fargate launcher', () => {
  it('launches one RunTask with the step command, waits, and reads the committed manifest', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: ARN }], failures: [] })
    ecs.on(DescribeTasksCommand).resolvesOnce(task('PROVISIONING')).resolvesOnce(task('RUNNING')).resolves(stopped(0))
    const { launch, sleeps } = harness({ manifest: committed })
    const record = await launch()
    const input = ecs.commandCalls(RunTaskCommand)[0]?.args[0].input
    expect(input).toEqual({
      cluster: 'strata',
      taskDefinition: 'strata:7',
      count: 1,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0a', 'subnet-0b'], securityGroups: ['sg-0c'], assignPublicIp: 'DISABLED' } },
      overrides: {
        containerOverrides: [
          {
            name: 'strata',
            command: ['step', 'cdi_scores', '--partition', '2026-03-01', '--run-id', RUN],
            environment: [{ name: 'STRATA_SETTINGS', value: JSON.stringify({ aws: { glueDatabase: 'cdi' }, hysteresisDelta: 7, storage: 's3://cdi-data/prod', landing: 's3://cdi-landing/in' }) }],
          },
        ],
      },
      startedBy: `strata-${RUN}`,
      clientToken: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
    expect(ecs.commandCalls(DescribeTasksCommand)[0]?.args[0].input).toEqual({ cluster: 'strata', tasks: [ARN] })
    expect(record).toMatchObject({ status: 'success', rowCount: 1200, checks: committed.checks, logStream: 'cdi/strata/0f1e2d3c4b5a' })
    // exponential backoff with jitter: 1 s, 2 s, 4 s (× 0.75 at random 0.5)
    expect(sleeps).toEqual([750, 1500, 3000])
  })

  it('exit code 1 fails the step with the container\'s reason', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: ARN }] })
    ecs.on(DescribeTasksCommand).resolves(stopped(1))
    const failure = { asset: 'cdi_scores', partition: '2026-03-01', runId: RUN, failedAt: '', error: 'cdi_scores(2026-03-01): input features(2026-03-01) is not materialized' }
    const record = await harness({ failure }).launch()
    expect(record).toMatchObject({ status: 'failed', logStream: 'cdi/strata/0f1e2d3c4b5a', error: { code: 'compute', message: `cdi_scores@2026-03-01: ${failure.error}`, hint: expect.stringContaining('cdi/strata/0f1e2d3c4b5a') } })
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1)
  })

  it('an OOM kill (137) fails with a hint; a task that failed to start says so', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: ARN }] })
    ecs.on(DescribeTasksCommand).resolves(stopped(137, {}, 'OutOfMemoryError: Container killed due to memory usage'))
    expect(await harness().launch()).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('exit code 137: OutOfMemoryError'), hint: expect.stringContaining('memory') } })
    ecs.on(DescribeTasksCommand).resolves(task('STOPPED', { stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: image not found', containers: [{ name: 'strata' }] }))
    expect(await harness().launch()).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('TaskFailedToStart: CannotPullContainerError'), hint: expect.stringContaining('image') } })
  })

  it('retries a capacity failure and throttling, then succeeds', async () => {
    ecs
      .on(RunTaskCommand)
      .resolvesOnce({ tasks: [], failures: [{ reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone' }] })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ tasks: [{ taskArn: ARN }] })
    ecs.on(DescribeTasksCommand).resolves(stopped(0))
    const record = await harness({ manifest: committed }).launch()
    expect(record?.status).toBe('success')
    const calls = ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input.clientToken)
    expect(calls).toHaveLength(3)
    expect(new Set(calls).size).toBe(3) // a new token per attempt
  })

  it('retries a task stopped by an ENI error; gives up after the cap', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: ARN }] })
    ecs.on(DescribeTasksCommand).resolves(task('STOPPED', { stopCode: 'TaskFailedToStart', stoppedReason: 'ResourceInitializationError: failed to configure ENI', containers: [{ name: 'strata' }] }))
    const record = await harness({ settings: { maxAttempts: 2 } }).launch()
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(2)
    expect(record).toMatchObject({ status: 'failed', error: { code: 'aws', message: expect.stringContaining('gave up after 2 attempts'), hint: expect.stringContaining('rerun later') } })
  })

  it('a task that never leaves PENDING is stopped and retried', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: ARN }] })
    ecs.on(DescribeTasksCommand).resolves(task('PENDING'))
    ecs.on(StopTaskCommand).resolves({})
    const record = await harness({ settings: { maxAttempts: 2, startTimeoutMs: 60_000 } }).launch()
    expect(ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'strata', task: ARN, reason: 'strata: did not start within 60 s' },
      { cluster: 'strata', task: ARN, reason: 'strata: did not start within 60 s' },
    ])
    expect(record).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('still PENDING after 60 s') } })
  })

  it('cancel stops the running task', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: ARN }] })
    ecs.on(StopTaskCommand).resolves({})
    const h = harness()
    ecs.on(DescribeTasksCommand).callsFake(() => {
      h.controller.abort()
      return task('RUNNING')
    })
    const record = await h.launch()
    expect(ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input)).toEqual([{ cluster: 'strata', task: ARN, reason: `strata run ${RUN} was canceled` }])
    expect(record).toMatchObject({ status: 'canceled', logStream: 'cdi/strata/0f1e2d3c4b5a' })
  })

  it('paces launches: at most launchesPerSecond RunTask calls', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: ARN }] })
    ecs.on(DescribeTasksCommand).resolves(stopped(0))
    const h = harness({ manifest: committed, settings: { launchesPerSecond: 0.5 } })
    await h.launch()
    await h.launch()
    // the second launch waited for its slot 2 s after the first (minus the polling time already spent)
    expect(h.sleeps).toEqual([750, 1250, 750]) // poll, pace, poll
  })

  it('refuses local storage, naming --storage', () => {
    expect(() => fargateLauncher({ containers: ecsContainerService(new ECSClient({})), settings, storage: '/home/me/data/storage', landing: 's3://l/x', settingsDocument: {} })).toThrow(
      expect.objectContaining({ code: 'config', message: expect.stringContaining('--storage / STRATA_STORAGE is /home/me/data/storage'), hint: expect.stringContaining('--storage s3://') }),
    )
  })

  it('resolves settings from config and env (env wins), and names what is missing', () => {
    const resolved = resolveFargateSettings({ config: { fargate: { cluster: 'c', taskDefinition: 'strata', subnets: ['subnet-1'], capacityProvider: 'FARGATE_SPOT', assignPublicIp: true } }, env: { STRATA_FARGATE_CLUSTER: 'prod', STRATA_FARGATE_SECURITY_GROUPS: 'sg-1, sg-2' } })
    expect(resolved).toMatchObject({ cluster: 'prod', taskDefinition: 'strata', subnets: ['subnet-1'], securityGroups: ['sg-1', 'sg-2'], assignPublicIp: true, capacityProvider: 'FARGATE_SPOT', launchesPerSecond: 1, maxAttempts: 3, containerName: 'strata' })
    expect(() => resolveFargateSettings({ config: {}, env: {} })).toThrow(expect.objectContaining({ code: 'config', message: expect.stringContaining('STRATA_FARGATE_CLUSTER') }))
  })

  it('runs a packed task as one `task` command, follows its log stream, and after a Spot interruption retries only the steps it did not finish', async () => {
    const features: PlannedStep = { ...step, id: 'features@2026-03-01', asset: 'features' }
    const scores: PlannedStep = { ...step, dependsOn: ['features@2026-03-01'] }
    const manifests = new Map<string, Manifest>()
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: ARN }], failures: [] })
    ecs
      .on(DescribeTasksCommand)
      .resolvesOnce(task('RUNNING'))
      .callsFakeOnce(() => {
        manifests.set('features', { ...committed, asset: 'features' })
        return stopped(137, { stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.' })
      })
      .callsFake(() => {
        manifests.set('cdi_scores', committed)
        return stopped(0)
      })
    logs
      .on(GetLogEventsCommand)
      .resolvesOnce({ events: [{ timestamp: 1, message: '{"step":"features@2026-03-01","status":"success"}' }], nextForwardToken: 'f/1' })
      .resolves({ events: [], nextForwardToken: 'f/1' })
    const h = harness({ manifests })
    const records = await h.launchTask([features, scores])

    const commands = ecs.commandCalls(RunTaskCommand).map((call) => call.args[0].input.overrides?.containerOverrides?.[0]?.command)
    expect(commands).toEqual([
      ['task', '--run-id', RUN, 'features@2026-03-01', 'cdi_scores@2026-03-01'],
      ['step', 'cdi_scores', '--partition', '2026-03-01', '--run-id', RUN],
    ])
    expect(logs.commandCalls(GetLogEventsCommand).map((call) => call.args[0].input).slice(0, 2)).toEqual([
      { logGroupName: '/strata', logStreamName: 'cdi/strata/0f1e2d3c4b5a', startFromHead: true },
      { logGroupName: '/strata', logStreamName: 'cdi/strata/0f1e2d3c4b5a', startFromHead: true, nextToken: 'f/1' },
    ])
    expect(h.lines).toContain('[2026-03-01 0f1e2d3c] {"step":"features@2026-03-01","status":"success"}')
    const spot = { task: ARN, stopCode: 'SpotInterruption', stopReason: 'Your Spot Task was interrupted.', exitCode: 137, logStream: 'cdi/strata/0f1e2d3c4b5a', outcome: expect.stringMatching(/^retried: task 0f1e2d3c4b5a stopped \(SpotInterruption/) }
    expect(records.get('features@2026-03-01')).toMatchObject({ status: 'success', task: ARN, attempts: [spot] })
    expect(records.get('cdi_scores@2026-03-01')).toMatchObject({ status: 'success', rowCount: 1200, attempts: [spot, { task: ARN, exitCode: 0, stopCode: 'EssentialContainerExited', outcome: 'exited 0' }] })
  })

  it('a step whose upstream in the same task failed is skipped, not failed', async () => {
    const features: PlannedStep = { ...step, id: 'features@2026-03-01', asset: 'features' }
    const scores: PlannedStep = { ...step, dependsOn: ['features@2026-03-01'] }
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: ARN }] })
    ecs.on(DescribeTasksCommand).resolves(stopped(1))
    const failure = { asset: 'features', partition: '2026-03-01', runId: RUN, failedAt: '', error: 'features(2026-03-01): boom' }
    const records = await harness({ failure }).launchTask([features, scores])
    expect(records.get('features@2026-03-01')).toMatchObject({ status: 'failed', error: { message: 'features@2026-03-01: features(2026-03-01): boom' } })
    expect(records.get('cdi_scores@2026-03-01')).toMatchObject({ status: 'skipped', reason: 'upstream features@2026-03-01 failed' })
  })

  it('refuses a task whose command would not fit in ECS\'s 8 KiB of overrides, with a hint to pack by partition', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: ARN }] })
    const many = Array.from({ length: 400 }, (_, day) => ({ ...step, id: `cdi_scores@2026-03-${day}`, partition: `2026-03-${day}` }))
    await expect(harness().launchTask(many)).rejects.toMatchObject({ code: 'usage', message: expect.stringContaining("over ECS's limit of 8192"), hint: expect.stringContaining('--pack partition') })
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0)
  })
})
