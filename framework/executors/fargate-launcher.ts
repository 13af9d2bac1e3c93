import { createHash } from 'node:crypto'
import { StrataError } from '../errors/index.js'
import { settingsEnvironment } from '../config/settings-document.js'
import type { JsonObject } from '../definitions/json.js'
import type { PlannedStep } from '../planner/index.js'
import type { StepRecord, TaskAttempt } from '../runs/index.js'
import { awsHint, errorName, isTransient, messageOf } from './aws-errors.js'
import { taskIdOf, type ContainerService, type ContainerTaskRequest } from './container-service.js'
import { assertS3Locations, type FargateSettings } from './fargate-settings.js'
import { abortableSleep, jitteredBackoff, launchPacer, type Sleep } from './launch-pacer.js'
import { logFollower } from './log-follower.js'
import type { StepEnvironment } from './step-runner.js'
import type { StepTask, TaskLauncher } from './step-task.js'
import { failed, taskOutcome, timing } from './task-outcome.js'
import { watchTask } from './task-watcher.js'

export { assertS3Locations, resolveFargateSettings, type FargateSettings } from './fargate-settings.js'

export interface FargateLauncherOptions {
  readonly containers: ContainerService
  readonly settings: FargateSettings
  /** Where the task reads and writes: both must be s3:// (the settings document carries them to the task). */
  readonly storage: string
  readonly landing: string
  /**
   * The resolved settings (config/settings-document.ts) the task gets as its one variable,
   * STRATA_SETTINGS: no other variable of this process reaches the task.
   */
  readonly settingsDocument: JsonObject
  /** Injectable for tests: wait `ms`, resolving early when the signal aborts. */
  readonly sleep?: Sleep
  /** Milliseconds since the epoch. */
  readonly now?: () => number
  readonly random?: () => number
}

/** ECS limits a RunTask's overrides to 8 KiB; the command and the settings document share it. */
const OVERRIDES_LIMIT = 8192

/** What one attempt came to: records it settled, steps to run again, and the attempt as recorded. */
interface AttemptResult {
  readonly attempt: TaskAttempt
  readonly records: Map<string, StepRecord>
  readonly retry: readonly PlannedStep[]
}

/**
 * A {@link TaskLauncher} that runs each task as one ECS RunTask on Fargate: the image's `strata`
 * CLI with `step <asset> --partition D --run-id R` (one step) or `task --run-id R <step>…`,
 * storage and landing on S3, the settings as one document. Launches are paced
 * (launchesPerSecond) and transient failures (capacity, throttling, a task that never starts, a
 * Spot interruption) retried with backoff up to maxAttempts, each retry running only the steps
 * the task did not get to; the task is watched with DescribeTasks (exponential backoff with
 * jitter) while its CloudWatch Logs stream is followed and printed. Each step's outcome is read
 * from storage, where the task recorded it. When the run is canceled, the task is stopped.
 */
export function fargateLauncher(options: FargateLauncherOptions): TaskLauncher {
  assertS3Locations(options)
  const { containers, settings } = options
  const sleep = options.sleep ?? abortableSleep
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const pace = launchPacer(settings.launchesPerSecond, sleep, now)
  let logTarget: Promise<{ group?: string; streamPrefix?: string }> | undefined

  const logsOf = async (taskArn: string, env: StepEnvironment): Promise<{ group?: string; stream?: string }> => {
    logTarget ??= containers.logTarget(settings.taskDefinition, settings.containerName).then(
      (target) => ({ ...target, ...(settings.logStreamPrefix ? { streamPrefix: settings.logStreamPrefix } : {}) }),
      (error: unknown) => {
        env.log.warn(`could not read the log configuration of task definition ${settings.taskDefinition}: ${messageOf(error)}; set fargate.logStreamPrefix to record log streams`)
        return settings.logStreamPrefix ? { streamPrefix: settings.logStreamPrefix } : {}
      },
    )
    const target = await logTarget
    return { ...(target.group ? { group: target.group } : {}), ...(target.streamPrefix ? { stream: containers.logStreamOf(target.streamPrefix, settings.containerName, taskArn) } : {}) }
  }

  const request = (task: StepTask, steps: readonly PlannedStep[], env: StepEnvironment, attempt: number): ContainerTaskRequest => {
    const [only] = steps
    const command = steps.length === 1 && only ? ['step', only.asset, '--partition', only.partition, '--run-id', env.runId] : ['task', '--run-id', env.runId, ...steps.map((step) => step.id)]
    const environment = settingsEnvironment({ ...options.settingsDocument, storage: options.storage, landing: options.landing })
    const size = JSON.stringify(command).length + JSON.stringify(environment).length
    if (size > OVERRIDES_LIMIT) {
      throw new StrataError('usage', `task ${task.id} holds ${steps.length} steps: its RunTask overrides would be ${size} bytes, over ECS's limit of ${OVERRIDES_LIMIT}`, 'Pack fewer steps per task: --pack partition (the default) or --pack step.')
    }
    return {
      cluster: settings.cluster,
      taskDefinition: settings.taskDefinition,
      containerName: settings.containerName,
      command,
      environment,
      capacityProvider: settings.capacityProvider,
      ...(settings.platformVersion ? { platformVersion: settings.platformVersion } : {}),
      subnets: settings.subnets,
      securityGroups: settings.securityGroups,
      assignPublicIp: settings.assignPublicIp,
      startedBy: `strata-${env.runId}`.slice(0, 36),
      // Same token for a retried call of the same attempt: ECS launches at most one task for it.
      clientToken: createHash('sha256').update(`${env.runId}\n${steps.map((step) => step.id).join('\n')}\n${attempt}`).digest('hex').slice(0, 64),
    }
  }

  const allFailed = (steps: readonly PlannedStep[], startedAt: number, code: string, message: string, hint: string, logStream?: string) =>
    new Map(steps.map((step) => [step.id, failed(step, startedAt, now(), code, `${step.id}: ${message}`, hint, logStream)]))

  const attemptOnce = async (task: StepTask, steps: readonly PlannedStep[], env: StepEnvironment, attempt: number): Promise<AttemptResult> => {
    const startedAt = now()
    const ended = (outcome: string, extra: Partial<TaskAttempt> = {}): TaskAttempt => ({ startedAt: new Date(startedAt).toISOString(), endedAt: new Date(now()).toISOString(), ...extra, outcome })
    let taskArn: string
    try {
      const launched = await containers.runTask(request(task, steps, env, attempt))
      if ('refused' in launched) {
        const attemptRecord = ended(`RunTask refused: ${launched.refused}`)
        if (/^RESOURCE:|capacity|^AGENT/i.test(launched.refused)) return { attempt: attemptRecord, records: new Map(), retry: steps }
        return { attempt: attemptRecord, records: allFailed(steps, startedAt, 'aws', `RunTask failed: ${launched.refused}`, 'Check the cluster, task definition, subnets and security groups in fargate.* (README, "On AWS").'), retry: [] }
      }
      taskArn = launched.taskArn
    } catch (error) {
      if (error instanceof StrataError) throw error
      const what = `RunTask: ${errorName(error) ?? 'error'}: ${messageOf(error)}`
      if (isTransient(error)) return { attempt: ended(what), records: new Map(), retry: steps }
      return { attempt: ended(what), records: allFailed(steps, startedAt, 'aws', `RunTask failed: ${errorName(error) ?? 'error'}: ${messageOf(error)}`, awsHint(error)), retry: [] }
    }
    const taskId = taskIdOf(taskArn)
    const { group, stream } = await logsOf(taskArn, env)
    const logs = stream ? { logStream: stream } : {}
    env.log.debug(`task ${task.id}: ${taskId} launched with ${steps.length} step${steps.length === 1 ? '' : 's'}${stream ? `, logs in ${stream}` : ''}`)
    const follower = group && stream ? logFollower(containers, group, stream, (line) => env.log.info(`[${task.id} ${taskId.slice(0, 8)}] ${line}`), (message) => env.log.warn(message)) : undefined
    const watched = await watchTask({ containers, settings, sleep, now, random }, taskArn, env.signal, () => follower?.poll())
    await follower?.poll()
    const base = { task: taskArn, ...logs }
    switch (watched.kind) {
      case 'stopped': {
        const outcome = await taskOutcome(steps, watched.state, env, startedAt, now, stream)
        const { state } = watched
        const attemptRecord = ended(outcome.retry.length > 0 ? `retried: ${outcome.why}` : state.exitCode !== undefined ? `exited ${state.exitCode}` : outcome.why, {
          ...base,
          ...(state.stopCode ? { stopCode: state.stopCode } : {}),
          ...(state.stoppedReason ? { stopReason: state.stoppedReason } : {}),
          ...(state.exitCode !== undefined ? { exitCode: state.exitCode } : {}),
        })
        return { attempt: attemptRecord, records: outcome.records, retry: outcome.retry }
      }
      case 'canceled': {
        await containers.stopTask(settings.cluster, taskArn, `strata run ${env.runId} was canceled`).catch((error: unknown) => env.log.warn(`task ${task.id}: StopTask ${taskId} failed: ${messageOf(error)}; stop it in the ECS console`))
        // Steps the task committed before the stop keep their outcome; the others are canceled.
        const outcome = await taskOutcome(steps, { taskArn, lastStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'the run was canceled' }, env, startedAt, now, stream)
        return { attempt: ended('stopped: the run was canceled', base), records: outcome.records, retry: [] }
      }
      case 'not-started':
        await containers.stopTask(settings.cluster, taskArn, `strata: did not start within ${Math.round(settings.startTimeoutMs / 1000)} s`).catch(() => undefined)
        return { attempt: ended(`retried: ${watched.why}`, base), records: new Map(), retry: steps }
      case 'lost':
        return { attempt: ended(`retried: ${watched.why}`, base), records: new Map(), retry: steps }
      case 'error':
        return { attempt: ended(`DescribeTasks failed: ${messageOf(watched.error)}`, base), records: allFailed(steps, startedAt, 'aws', `DescribeTasks failed: ${messageOf(watched.error)}`, awsHint(watched.error), stream), retry: [] }
    }
  }

  return async (task, env) => {
    const startedAt = now()
    const records = new Map<string, StepRecord>()
    const attemptsOf = new Map<string, TaskAttempt[]>(task.steps.map((step) => [step.id, []]))
    let remaining: readonly PlannedStep[] = task.steps
    let lastWhy = 'unknown'
    for (let attempt = 1; attempt <= settings.maxAttempts && remaining.length > 0; attempt++) {
      if (env.signal.aborted) break
      await pace(env.signal)
      if (env.signal.aborted) break
      const result = await attemptOnce(task, remaining, env, attempt)
      for (const step of remaining) attemptsOf.get(step.id)?.push(result.attempt)
      for (const [id, record] of result.records) records.set(id, record)
      remaining = result.retry
      if (remaining.length === 0) break
      lastWhy = result.attempt.outcome.replace(/^retried: /, '')
      env.log.warn(`task ${task.id}: attempt ${attempt} of ${settings.maxAttempts} failed transiently: ${lastWhy}${attempt < settings.maxAttempts ? '; retrying' : ''}`)
      if (attempt < settings.maxAttempts) await sleep(jitteredBackoff(attempt, settings.retryDelayMs, 60_000, random), env.signal)
    }
    for (const step of remaining) {
      const lastStream = attemptsOf.get(step.id)?.at(-1)?.logStream
      records.set(
        step.id,
        env.signal.aborted
          ? { ...timing(step, startedAt, now()), status: 'canceled', error: { code: 'canceled', message: `${step.id}: the run was canceled before its task started` } }
          : failed(step, startedAt, now(), 'aws', `${step.id}: gave up after ${settings.maxAttempts} attempts: ${lastWhy}`, 'Capacity or throttling on the account: rerun later (a rerun resumes), raise fargate.maxAttempts, or lower --concurrency / fargate.launchesPerSecond.', lastStream),
      )
    }
    return new Map(
      [...records].map(([id, record]) => {
        const attempts = attemptsOf.get(id) ?? []
        const taskArn = [...attempts].reverse().find((attempt) => attempt.task)?.task
        return [id, { ...record, ...(taskArn ? { task: taskArn } : {}), ...(attempts.length > 0 ? { attempts } : {}) }]
      }),
    )
  }
}
