import { createHash } from 'node:crypto'
import { DescribeTasksCommand, RunTaskCommand, StopTaskCommand, type ECSClient, type RunTaskCommandInput, type Task } from '@aws-sdk/client-ecs'
import { StrataError } from '../errors/index.js'
import { blocks } from '../checks/check.js'
import type { Settings } from '../config/index.js'
import type { JsonObject } from '../definitions/json.js'
import type { PlannedStep } from '../planner/index.js'
import type { StepRecord } from '../runs/index.js'
import { awsLogsStreamName, awsLogsTargetOf, taskIdOf } from '../../resources/ecs.js'
import type { StepLauncher } from './local-executor.js'
import type { StepEnvironment } from './step-runner.js'

/** Where and how steps run on Fargate: config file `fargate.*`, overridden by env `STRATA_FARGATE_*`. */
export interface FargateSettings {
  readonly cluster: string
  /** Family, family:revision or ARN. */
  readonly taskDefinition: string
  /** The container the command override goes to (default `strata`). */
  readonly containerName: string
  readonly subnets: readonly string[]
  readonly securityGroups: readonly string[]
  readonly assignPublicIp: boolean
  readonly capacityProvider: 'FARGATE' | 'FARGATE_SPOT'
  readonly platformVersion?: string
  /** RunTask calls per second across the run (default 1: the account's sustained RunTask rate is low). */
  readonly launchesPerSecond: number
  /** Attempts per step for transient failures: capacity, throttling, ENI, a task that never starts (default 3). */
  readonly maxAttempts: number
  /** A task still PROVISIONING/PENDING after this long is stopped and retried (default 10 min). */
  readonly startTimeoutMs: number
  /** DescribeTasks polling: first delay, doubling with jitter up to the max (default 2 s … 30 s). */
  readonly pollMinMs: number
  readonly pollMaxMs: number
  /** awslogs stream prefix; default: read from the task definition. */
  readonly logStreamPrefix?: string
  readonly region?: string
}

/**
 * Fargate settings from the config file (`fargate` object) and env (`STRATA_FARGATE_CLUSTER`,
 * `_TASK_DEFINITION`, `_CONTAINER`, `_SUBNETS`, `_SECURITY_GROUPS` (comma-separated),
 * `_ASSIGN_PUBLIC_IP`, `_CAPACITY_PROVIDER`, `_PLATFORM_VERSION`, `_LAUNCHES_PER_SECOND`,
 * `_MAX_ATTEMPTS`, `_START_TIMEOUT_SECONDS`, `_LOG_STREAM_PREFIX`); env wins. Missing or bad
 * values are StrataError('config') naming the key and the variable.
 */
export function resolveFargateSettings(settings: Pick<Settings, 'config' | 'env'>): FargateSettings {
  const file = (isObject(settings.config.fargate) ? settings.config.fargate : {}) as JsonObject
  const aws = (isObject(settings.config.aws) ? settings.config.aws : {}) as JsonObject
  const env = settings.env
  const text = (key: string, envName: string): string | undefined => {
    const fromEnv = env[envName]
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv
    const value = file[key]
    return typeof value === 'string' && value !== '' ? value : undefined
  }
  const list = (key: string, envName: string): string[] => {
    const fromEnv = env[envName]
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv.split(',').map((item) => item.trim()).filter(Boolean)
    const value = file[key]
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
  }
  const number = (key: string, envName: string, fallback: number, min: number, max: number): number => {
    const raw = env[envName] ?? file[key]
    if (raw === undefined || raw === '') return fallback
    const value = Number(raw)
    if (!Number.isFinite(value) || value < min || value > max) throw new StrataError('config', `fargate.${key} / ${envName} "${String(raw).slice(0, 20)}" is not a number from ${min} to ${max}`, `Set e.g. ${envName}=${fallback}.`)
    return value
  }
  const need = (key: string, envName: string): string => {
    const value = text(key, envName)
    if (!value) throw new StrataError('config', `the Fargate executor needs fargate.${key} (or ${envName})`, `Set it in the config file's "fargate" object or the environment; see the README, "On AWS".`)
    return value
  }
  const cluster = need('cluster', 'STRATA_FARGATE_CLUSTER')
  const taskDefinition = need('taskDefinition', 'STRATA_FARGATE_TASK_DEFINITION')
  const subnets = list('subnets', 'STRATA_FARGATE_SUBNETS')
  if (subnets.length === 0) throw new StrataError('config', 'the Fargate executor needs at least one subnet: fargate.subnets (or STRATA_FARGATE_SUBNETS=subnet-a,subnet-b)', 'Use private subnets with a NAT gateway or VPC endpoints for S3, ECR, Logs and Glue; see the README, "On AWS".')
  const capacityProvider = text('capacityProvider', 'STRATA_FARGATE_CAPACITY_PROVIDER') ?? 'FARGATE'
  if (capacityProvider !== 'FARGATE' && capacityProvider !== 'FARGATE_SPOT') throw new StrataError('config', `fargate.capacityProvider / STRATA_FARGATE_CAPACITY_PROVIDER "${capacityProvider.slice(0, 20)}" is not FARGATE or FARGATE_SPOT`, 'Use FARGATE, or FARGATE_SPOT for cheaper, interruptible tasks (interrupted steps are retried).')
  const publicIpRaw = env.STRATA_FARGATE_ASSIGN_PUBLIC_IP ?? file.assignPublicIp
  const assignPublicIp = publicIpRaw === true || (typeof publicIpRaw === 'string' && /^(1|true|yes|enabled)$/i.test(publicIpRaw))
  const platformVersion = text('platformVersion', 'STRATA_FARGATE_PLATFORM_VERSION')
  const logStreamPrefix = text('logStreamPrefix', 'STRATA_FARGATE_LOG_STREAM_PREFIX')
  const region = env.AWS_REGION ?? (typeof aws.region === 'string' ? aws.region : undefined)
  return {
    cluster,
    taskDefinition,
    containerName: text('containerName', 'STRATA_FARGATE_CONTAINER') ?? 'strata',
    subnets,
    securityGroups: list('securityGroups', 'STRATA_FARGATE_SECURITY_GROUPS'),
    assignPublicIp,
    capacityProvider,
    ...(platformVersion ? { platformVersion } : {}),
    launchesPerSecond: number('launchesPerSecond', 'STRATA_FARGATE_LAUNCHES_PER_SECOND', 1, 0.01, 50),
    maxAttempts: Math.floor(number('maxAttempts', 'STRATA_FARGATE_MAX_ATTEMPTS', 3, 1, 10)),
    startTimeoutMs: number('startTimeoutSeconds', 'STRATA_FARGATE_START_TIMEOUT_SECONDS', 600, 10, 7200) * 1000,
    pollMinMs: 2000,
    pollMaxMs: 30_000,
    ...(logStreamPrefix ? { logStreamPrefix } : {}),
    ...(region ? { region } : {}),
  }
}

/** The Fargate executor's tasks cannot see local folders: storage and landing must both be s3://. */
export function assertS3Locations(locations: { readonly storage: string; readonly landing: string }): void {
  for (const [what, location] of [['--storage / STRATA_STORAGE', locations.storage], ['--landing / STRATA_LANDING', locations.landing]] as const) {
    if (!location.startsWith('s3://')) {
      throw new StrataError('config', `the Fargate executor needs S3 storage and landing, but ${what} is ${location.slice(0, 120)}`, `Tasks cannot see this machine's folders: pass --storage s3://bucket/prefix and --landing s3://bucket/prefix (or STRATA_STORAGE / STRATA_LANDING).`)
    }
  }
}

/**
 * Environment a step's container gets beyond storage/landing: never AWS credentials. Not the stack
 * name either: the launcher has already resolved the stack, and the task role may not describe it.
 */
const NOT_FORWARDED = /^STRATA_(FARGATE_.*|CONFIG|STORAGE|LANDING|CONCURRENCY|AWS_STACK)$/

/**
 * The environment the task's container gets (besides STRATA_STORAGE / STRATA_LANDING): every
 * `STRATA_*` variable of this process except the launcher's own, plus the Glue database and
 * CloudWatch switch from the config file, which the container does not have. AWS credentials are
 * never passed: the task uses its task role.
 */
export function containerEnvironment(settings: Pick<Settings, 'config' | 'env'>): Record<string, string> {
  const environment: Record<string, string> = {}
  for (const [name, value] of Object.entries(settings.env)) {
    if (value !== undefined && name.startsWith('STRATA_') && !NOT_FORWARDED.test(name)) environment[name] = value
  }
  const aws = (isObject(settings.config.aws) ? settings.config.aws : {}) as { glueDatabase?: unknown }
  const cloudwatch = (isObject(settings.config.cloudwatch) ? settings.config.cloudwatch : {}) as { enabled?: unknown }
  if (environment.STRATA_GLUE_DATABASE === undefined && typeof aws.glueDatabase === 'string') environment.STRATA_GLUE_DATABASE = aws.glueDatabase
  if (environment.STRATA_CLOUDWATCH === undefined && cloudwatch.enabled === true) environment.STRATA_CLOUDWATCH = '1'
  return environment
}

export interface FargateLauncherOptions {
  readonly ecs: ECSClient
  readonly settings: FargateSettings
  /** STRATA_STORAGE / STRATA_LANDING for the container: both must be s3://. */
  readonly storage: string
  readonly landing: string
  /** More environment for the container (e.g. STRATA_START, STRATA_GLUE_DATABASE). */
  readonly environment?: Readonly<Record<string, string>>
  /** Injectable for tests: wait `ms`, resolving early when the signal aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Milliseconds since the epoch. */
  readonly now?: () => number
  readonly random?: () => number
}

/** Outcome of one attempt: a final record, or a transient failure worth another attempt. */
type Attempt = { readonly kind: 'done'; readonly record: StepRecord } | { readonly kind: 'retry'; readonly why: string; readonly logStream?: string }

const TRANSIENT_ERRORS = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'ServerException', 'ServiceUnavailableException', 'InternalFailure', 'LimitExceededException'])
const TRANSIENT_STOP = /ResourceInitializationError|network interface|\bENI\b|Timeout waiting|capacity is unavailable|insufficient capacity|SpotInterruption|CannotPullContainerError:.*(timeout|i\/o|connection)/i
const NOT_STARTED = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING'])

/**
 * A {@link StepLauncher} that runs each step as one ECS RunTask on Fargate: the image's `strata`
 * CLI with the command `step <asset> --partition D --run-id R`, storage and landing on S3.
 * Launches are paced (launchesPerSecond) and transient failures retried with backoff up to
 * maxAttempts; the task is watched with DescribeTasks (exponential backoff with jitter) and its
 * exit code and stop reason become the step result. When the run is canceled, the task is
 * stopped (StopTask). Use it as `localExecutor(fargateLauncher(options), 'fargate')`.
 */
export function fargateLauncher(options: FargateLauncherOptions): StepLauncher {
  assertS3Locations(options)
  const { ecs, settings } = options
  const sleep = options.sleep ?? abortableSleep
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const launchInterval = 1000 / settings.launchesPerSecond
  let nextLaunchAt = 0
  let logPrefix: Promise<string | undefined> | undefined

  const pace = async (signal: AbortSignal) => {
    const at = Math.max(now(), nextLaunchAt)
    nextLaunchAt = at + launchInterval
    if (at > now()) await sleep(at - now(), signal)
  }
  const backoff = (attempt: number, base: number, cap: number) => {
    const ceiling = Math.min(cap, base * 2 ** attempt)
    return ceiling / 2 + (random() * ceiling) / 2 // "equal jitter": never zero, never in lockstep
  }
  const streamOf = async (taskArn: string, env: StepEnvironment): Promise<string | undefined> => {
    logPrefix ??= settings.logStreamPrefix
      ? Promise.resolve(settings.logStreamPrefix)
      : awsLogsTargetOf(ecs, settings.taskDefinition, settings.containerName).then(
          (target) => target?.streamPrefix,
          (error: unknown) => {
            env.log.warn(`could not read the log configuration of task definition ${settings.taskDefinition}: ${messageOf(error)}; set fargate.logStreamPrefix to record log streams`)
            return undefined
          },
        )
    const prefix = await logPrefix
    return prefix ? awsLogsStreamName(prefix, settings.containerName, taskArn) : undefined
  }

  const runTaskInput = (step: PlannedStep, env: StepEnvironment, attempt: number): RunTaskCommandInput => {
    const environment = { ...(options.environment ?? {}), STRATA_STORAGE: options.storage, STRATA_LANDING: options.landing }
    return {
      cluster: settings.cluster,
      taskDefinition: settings.taskDefinition,
      count: 1,
      capacityProviderStrategy: [{ capacityProvider: settings.capacityProvider, weight: 1 }],
      ...(settings.platformVersion ? { platformVersion: settings.platformVersion } : {}),
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: [...settings.subnets],
          ...(settings.securityGroups.length > 0 ? { securityGroups: [...settings.securityGroups] } : {}),
          assignPublicIp: settings.assignPublicIp ? 'ENABLED' : 'DISABLED',
        },
      },
      overrides: {
        containerOverrides: [
          {
            name: settings.containerName,
            command: ['step', step.asset, '--partition', step.partition, '--run-id', env.runId],
            environment: Object.entries(environment)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([name, value]) => ({ name, value })),
          },
        ],
      },
      startedBy: `strata-${env.runId}`.slice(0, 36),
      // Same token for a retried call of the same attempt: ECS launches at most one task for it.
      clientToken: createHash('sha256').update(`${env.runId}\n${step.id}\n${attempt}`).digest('hex').slice(0, 64),
    }
  }

  const attemptOnce = async (step: PlannedStep, env: StepEnvironment, attempt: number, startedAt: number): Promise<Attempt> => {
    let taskArn: string | undefined
    try {
      const response = await ecs.send(new RunTaskCommand(runTaskInput(step, env, attempt)))
      const failure = response.failures?.[0]
      if (failure || !response.tasks?.[0]?.taskArn) {
        const reason = `${failure?.reason ?? 'no task returned'}${failure?.detail ? ` (${failure.detail})` : ''}`
        if (/^RESOURCE:|capacity|^AGENT/i.test(failure?.reason ?? '')) return { kind: 'retry', why: `RunTask: ${reason}` }
        return { kind: 'done', record: failed(step, startedAt, now(), 'aws', `${step.id}: RunTask failed: ${reason}`, 'Check the cluster, task definition, subnets and security groups in fargate.* (README, "On AWS").') }
      }
      taskArn = response.tasks[0].taskArn
    } catch (error) {
      if (isTransient(error)) return { kind: 'retry', why: `RunTask: ${errorName(error) ?? ''} ${messageOf(error)}`.trim() }
      return { kind: 'done', record: failed(step, startedAt, now(), 'aws', `${step.id}: RunTask failed: ${errorName(error) ?? 'error'}: ${messageOf(error)}`, awsHint(error)) }
    }
    const logStream = await streamOf(taskArn, env)
    env.log.debug(`${step.id}: task ${taskIdOf(taskArn)} launched${logStream ? `, logs in ${logStream}` : ''}`)
    const launchedAt = now()
    let started = false
    let missing = 0
    for (let poll = 0; ; poll++) {
      if (env.signal.aborted) return { kind: 'done', record: await stop(step, env, taskArn, startedAt, logStream) }
      await sleep(backoff(poll, settings.pollMinMs / 2, settings.pollMaxMs), env.signal)
      if (env.signal.aborted) return { kind: 'done', record: await stop(step, env, taskArn, startedAt, logStream) }
      let task: Task | undefined
      try {
        const response = await ecs.send(new DescribeTasksCommand({ cluster: settings.cluster, tasks: [taskArn] }))
        task = response.tasks?.find((candidate) => candidate.taskArn === taskArn)
      } catch (error) {
        if (isTransient(error)) continue // throttled: the next poll waits longer
        return { kind: 'done', record: failed(step, startedAt, now(), 'aws', `${step.id}: DescribeTasks failed: ${messageOf(error)}`, awsHint(error), logStream) }
      }
      if (!task) {
        // DescribeTasks is eventually consistent just after RunTask.
        if (++missing < 5) continue
        return { kind: 'retry', why: `task ${taskIdOf(taskArn)} disappeared`, ...(logStream ? { logStream } : {}) }
      }
      const status = task.lastStatus ?? 'PROVISIONING'
      if (status === 'STOPPED') return classify(step, env, task, startedAt, logStream)
      if (!NOT_STARTED.has(status)) started = true
      if (!started && now() - launchedAt > settings.startTimeoutMs) {
        await stopTask(taskArn, `strata: did not start within ${Math.round(settings.startTimeoutMs / 1000)} s`).catch(() => undefined)
        return { kind: 'retry', why: `task ${taskIdOf(taskArn)} was still ${status} after ${Math.round(settings.startTimeoutMs / 1000)} s`, ...(logStream ? { logStream } : {}) }
      }
    }
  }

  const stopTask = (taskArn: string, reason: string) => ecs.send(new StopTaskCommand({ cluster: settings.cluster, task: taskArn, reason: reason.slice(0, 255) }))

  const stop = async (step: PlannedStep, env: StepEnvironment, taskArn: string, startedAt: number, logStream: string | undefined): Promise<StepRecord> => {
    try {
      await stopTask(taskArn, `strata run ${env.runId} was canceled`)
    } catch (error) {
      env.log.warn(`${step.id}: StopTask ${taskIdOf(taskArn)} failed: ${messageOf(error)}; stop it in the ECS console`)
    }
    return { ...timing(step, startedAt, now()), status: 'canceled', error: { code: 'canceled', message: `${step.id}: the run was canceled; task ${taskIdOf(taskArn)} was stopped` }, ...(logStream ? { logStream } : {}) }
  }

  const classify = async (step: PlannedStep, env: StepEnvironment, task: Task, startedAt: number, logStream: string | undefined): Promise<Attempt> => {
    const container = task.containers?.find((candidate) => candidate.name === settings.containerName) ?? task.containers?.[0]
    const exitCode = container?.exitCode
    const taskId = taskIdOf(task.taskArn ?? '')
    const stopped = [task.stopCode, task.stoppedReason].filter(Boolean).join(': ')
    const logs = logStream ? { logStream } : {}
    if (exitCode === 0) {
      const manifest = await env.storage.readManifest(step.asset, step.pathSegment)
      if (!manifest || manifest.runId !== env.runId) {
        return { kind: 'done', record: failed(step, startedAt, now(), 'storage', `${step.id}: task ${taskId} exited 0 but no partition of run ${env.runId} is committed`, 'Check that the task uses the same STRATA_STORAGE, and its log stream.', logStream) }
      }
      const failedCheck = manifest.checks.find(blocks)
      const record: StepRecord = { ...timing(step, startedAt, now()), status: failedCheck ? 'failed' : 'success', rowCount: manifest.rowCount, checks: [...manifest.checks], ...logs }
      if (failedCheck) record.error = { code: 'check', message: `${step.id}: blocking check ${failedCheck.name} failed: ${failedCheck.message}` }
      return { kind: 'done', record }
    }
    if (env.signal.aborted) return { kind: 'done', record: { ...timing(step, startedAt, now()), status: 'canceled', error: { code: 'canceled', message: `${step.id}: the run was canceled` }, ...logs } }
    if (exitCode === 1) {
      // The step ran and failed: its own words are in the failure record or the manifest's checks.
      const [failure, manifest] = await Promise.all([env.storage.readFailure(step.asset, step.pathSegment).catch(() => undefined), env.storage.readManifest(step.asset, step.pathSegment).catch(() => undefined)])
      const failedCheck = manifest?.runId === env.runId ? manifest.checks.find(blocks) : undefined
      if (failedCheck && manifest) {
        return { kind: 'done', record: { ...failed(step, startedAt, now(), 'check', `${step.id}: blocking check ${failedCheck.name} failed: ${failedCheck.message}`, 'The partition was committed; downstream partitions stay blocked until it is rebuilt and passes.', logStream), rowCount: manifest.rowCount, checks: [...manifest.checks] } }
      }
      const reason = failure?.runId === env.runId ? failure.error : (container?.reason ?? stopped) || 'the step failed'
      return { kind: 'done', record: failed(step, startedAt, now(), 'compute', `${step.id}: ${reason}`, logStream ? `See the task's log stream ${logStream}.` : undefined, logStream) }
    }
    const why = `task ${taskId} stopped${stopped ? ` (${stopped})` : ''}${exitCode !== undefined ? `, container exit code ${exitCode}` : ''}${container?.reason ? `: ${container.reason}` : ''}`
    if (task.stopCode === 'SpotInterruption' || TRANSIENT_STOP.test(`${task.stoppedReason ?? ''} ${container?.reason ?? ''}`)) return { kind: 'retry', why, ...logs }
    const hint = exitCode === 137 || /OutOfMemory/i.test(container?.reason ?? '') ? 'The container was killed, most likely out of memory: raise the task definition\'s memory.' : task.stopCode === 'TaskFailedToStart' ? 'Check the image, the execution role (ECR pull, logs) and the subnets (README, "On AWS").' : undefined
    return { kind: 'done', record: failed(step, startedAt, now(), 'compute', `${step.id}: ${why}`, hint, logStream) }
  }

  return async (step, env) => {
    const startedAt = now()
    let last: Attempt | undefined
    for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
      if (env.signal.aborted) return { ...timing(step, startedAt, now()), status: 'canceled', error: { code: 'canceled', message: `${step.id}: the run was canceled before the task started` } }
      await pace(env.signal)
      if (env.signal.aborted) continue
      last = await attemptOnce(step, env, attempt, startedAt)
      if (last.kind === 'done') return last.record
      env.log.warn(`${step.id}: attempt ${attempt} of ${settings.maxAttempts} failed transiently: ${last.why}${attempt < settings.maxAttempts ? '; retrying' : ''}`)
      if (attempt < settings.maxAttempts) await sleep(backoff(attempt, 5000, 60_000), env.signal)
    }
    if (env.signal.aborted) return { ...timing(step, startedAt, now()), status: 'canceled', error: { code: 'canceled', message: `${step.id}: the run was canceled` } }
    const why = last?.kind === 'retry' ? last.why : 'unknown'
    return failed(step, startedAt, now(), 'aws', `${step.id}: gave up after ${settings.maxAttempts} attempts: ${why}`, 'Capacity or throttling on the account: rerun later (a rerun resumes), raise fargate.maxAttempts, or lower --concurrency / fargate.launchesPerSecond.', last?.kind === 'retry' ? last.logStream : undefined)
  }
}

function timing(step: PlannedStep, startedAt: number, endedAt: number): StepRecord {
  return { asset: step.asset, partition: step.partition, status: 'running', startedAt: new Date(startedAt).toISOString(), endedAt: new Date(endedAt).toISOString(), durationMs: endedAt - startedAt }
}

function failed(step: PlannedStep, startedAt: number, endedAt: number, code: string, message: string, hint?: string, logStream?: string): StepRecord {
  return { ...timing(step, startedAt, endedAt), status: 'failed', error: { code, message, ...(hint ? { hint } : {}) }, ...(logStream ? { logStream } : {}) }
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' ? error.name : undefined
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function isTransient(error: unknown): boolean {
  const name = errorName(error) ?? ''
  const status = typeof error === 'object' && error !== null && '$metadata' in error ? (error.$metadata as { httpStatusCode?: number }).httpStatusCode : undefined
  return TRANSIENT_ERRORS.has(name) || /throttl/i.test(name) || (status !== undefined && status >= 500)
}

function awsHint(error: unknown): string {
  const name = errorName(error)
  if (name === 'AccessDeniedException') return 'Give the launching identity the actions of resources/iam-policy.json ("launcher"): ecs:RunTask, ecs:DescribeTasks, ecs:StopTask, iam:PassRole.'
  if (name === 'ClusterNotFoundException') return 'Check fargate.cluster / STRATA_FARGATE_CLUSTER and the AWS region.'
  if (name === 'InvalidParameterException') return 'Check the task definition, container name, subnets and security groups in fargate.* (README, "On AWS").'
  return 'Check the AWS region and credentials (standard chain) and the fargate.* settings (README, "On AWS").'
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** setTimeout as a promise that resolves early (never rejects) when the signal aborts. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
