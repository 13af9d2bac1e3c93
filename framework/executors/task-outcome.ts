import { blocks } from '../checks/check.js'
import type { PlannedStep } from '../planner/index.js'
import type { StepRecord } from '../runs/index.js'
import { taskIdOf, type ContainerTaskState } from './container-service.js'
import type { StepEnvironment } from './step-runner.js'

/** A container stop worth another attempt: the container did not fail, its host or network did. */
const TRANSIENT_STOP = /ResourceInitializationError|network interface|\bENI\b|Timeout waiting|capacity is unavailable|insufficient capacity|SpotInterruption|CannotPullContainerError:.*(timeout|i\/o|connection)/i

/** What a stopped task came to, step by step. */
export interface TaskOutcome {
  /** Final records of the steps this attempt settled. */
  readonly records: Map<string, StepRecord>
  /** Steps the task did not get to because of a transient stop: the next attempt runs them. */
  readonly retry: PlannedStep[]
  /** The stop in words, e.g. "task 0f1e stopped (SpotInterruption: …), container exit code 137". */
  readonly why: string
}

export function timing(step: PlannedStep, startedAt: number, endedAt: number): StepRecord {
  return { asset: step.asset, partition: step.partition, status: 'running', startedAt: new Date(startedAt).toISOString(), endedAt: new Date(endedAt).toISOString(), durationMs: endedAt - startedAt }
}

export function failed(step: PlannedStep, startedAt: number, endedAt: number, code: string, message: string, hint?: string, logStream?: string): StepRecord {
  return { ...timing(step, startedAt, endedAt), status: 'failed', error: { code, message, ...(hint ? { hint } : {}) }, ...(logStream ? { logStream } : {}) }
}

/**
 * Each step's outcome after its task stopped, read from storage, where the task recorded it: a
 * manifest of this run (success, or a failed blocking check), a manifest an overlapping run
 * committed while the task ran (up to date); skipped or blocked when a step it depends on did not
 * succeed; a failure record of this run (failed, in the step's own words). A step with none of
 * these was not reached: retried when the stop was transient (Spot interruption, ENI,
 * capacity); else failed with the task's stop reason.
 */
export async function taskOutcome(steps: readonly PlannedStep[], state: ContainerTaskState, env: StepEnvironment, attemptStartedAt: number, now: () => number, logStream: string | undefined): Promise<TaskOutcome> {
  const taskId = taskIdOf(state.taskArn)
  const stopped = [state.stopCode, state.stoppedReason].filter(Boolean).join(': ')
  const why = `task ${taskId} stopped${stopped ? ` (${stopped})` : ''}${state.exitCode !== undefined ? `, container exit code ${state.exitCode}` : ''}${state.containerReason ? `: ${state.containerReason}` : ''}`
  const transient = state.stopCode === 'SpotInterruption' || TRANSIENT_STOP.test(`${state.stoppedReason ?? ''} ${state.containerReason ?? ''}`)
  const logs = logStream ? { logStream } : {}
  const records = new Map<string, StepRecord>()
  const retry: PlannedStep[] = []
  for (const step of steps) {
    const [manifest, failure] = await Promise.all([env.storage.readManifest(step.asset, step.pathSegment).catch(() => undefined), env.storage.readFailure(step.asset, step.pathSegment).catch(() => undefined)])
    const at = now()
    if (manifest?.runId === env.runId) {
      const failedCheck = manifest.checks.find(blocks)
      const record: StepRecord = { ...timing(step, attemptStartedAt, at), status: failedCheck ? 'failed' : 'success', rowCount: manifest.rowCount, checks: [...manifest.checks], ...logs }
      if (failedCheck) record.error = { code: 'check', message: `${step.id}: blocking check ${failedCheck.name} failed: ${failedCheck.message}`, hint: 'The partition was committed; downstream partitions stay blocked until it is rebuilt and passes.' }
      records.set(step.id, record)
      continue
    }
    // The task found the partition committed by an overlapping run while it waited, and skipped it.
    if (manifest && Date.parse(manifest.committedAt) >= attemptStartedAt && !manifest.checks.some(blocks)) {
      records.set(step.id, { ...timing(step, attemptStartedAt, at), status: 'up-to-date', reason: `built by run ${manifest.runId}`, builtBy: manifest.runId, ...logs })
      continue
    }
    const upstream = step.dependsOn.map((id) => ({ id, record: records.get(id) })).find(({ record }) => record !== undefined && record.status !== 'success' && record.status !== 'up-to-date')
    if (upstream) {
      const check = upstream.record?.error?.code === 'check' || upstream.record?.status === 'blocked'
      records.set(step.id, { asset: step.asset, partition: step.partition, status: check ? 'blocked' : 'skipped', reason: `upstream ${upstream.id} ${check ? 'failed a blocking check' : 'failed'}` })
      continue
    }
    if (failure?.runId === env.runId) {
      records.set(step.id, failed(step, attemptStartedAt, at, 'compute', `${step.id}: ${failure.error}`, logStream ? `See the task's log stream ${logStream}.` : undefined, logStream))
      continue
    }
    if (env.signal.aborted) {
      records.set(step.id, { ...timing(step, attemptStartedAt, at), status: 'canceled', error: { code: 'canceled', message: `${step.id}: the run was canceled; task ${taskId} was stopped` }, ...logs })
      continue
    }
    if (transient) {
      retry.push(step)
      continue
    }
    if (state.exitCode === 0) {
      records.set(step.id, failed(step, attemptStartedAt, at, 'storage', `${step.id}: task ${taskId} exited 0 but no partition of run ${env.runId} is committed`, 'Check that the task uses the same STRATA_STORAGE, and its log stream.', logStream))
      continue
    }
    if (state.exitCode === 1) {
      records.set(step.id, failed(step, attemptStartedAt, at, 'compute', `${step.id}: ${state.containerReason ?? (`the task did not run it (${stopped || 'exit code 1'})`)}`, logStream ? `See the task's log stream ${logStream}.` : undefined, logStream))
      continue
    }
    const hint = state.exitCode === 137 || /OutOfMemory/i.test(state.containerReason ?? '') ? "The container was killed, most likely out of memory: raise the task definition's memory." : state.stopCode === 'TaskFailedToStart' ? 'Check the image, the execution role (ECR pull, logs) and the subnets (README, "On AWS").' : undefined
    records.set(step.id, failed(step, attemptStartedAt, at, 'compute', `${step.id}: ${why}`, hint, logStream))
  }
  return { records, retry, why }
}
