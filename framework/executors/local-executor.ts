import PQueue from 'p-queue'
import { StrataError } from '../errors/index.js'
import { criticalPathLevels } from './critical-path.js'
import type { PlannedStep, RunPlan } from '../planner/index.js'
import { describeReason } from '../planner/index.js'
import { blocks } from '../checks/check.js'
import { countSteps, finalRunStatus, HEARTBEAT_MS, RunStore, type RunRecord, type StepRecord } from '../runs/index.js'
import { currentProcess } from '../process/index.js'
import type { ExecuteOptions, Executor } from './executor.js'
import { packSteps } from './pack-steps.js'
import { runStep, type StepEnvironment } from './step-runner.js'
import type { Packing, StepTask, TaskLauncher } from './step-task.js'

/** How one step is carried out in-process (or, wrapped, watched by a progress display). */
export type StepLauncher = (step: PlannedStep, env: StepEnvironment) => Promise<StepRecord>

/** A task launcher for one-step tasks, over a step launcher. */
export function oneStepTasks(launch: StepLauncher): TaskLauncher {
  return async (task, env) => new Map(await Promise.all(task.steps.map(async (step) => [step.id, await launch(step, env)] as const)))
}

/** Runs each step in this process, one step per task: {@link taskExecutor} over {@link runStep}. */
export function localExecutor(launch: StepLauncher = runStep, kind: 'local' | 'fargate' = 'local'): Executor {
  return taskExecutor(oneStepTasks(launch), { kind, packing: 'step' })
}

/**
 * Runs a plan with bounded concurrency (p-queue), its steps grouped into tasks (`packing`, see
 * pack-steps.ts). A task starts when the tasks it depends on have ended, with those of its steps
 * whose upstream steps committed; a failed step skips only its dependents (with the reason) and
 * the others go on. When the signal aborts, nothing new starts, running tasks see the signal,
 * and the run is recorded as canceled.
 */
export function taskExecutor(launchTask: TaskLauncher, config: { readonly kind: 'local' | 'fargate'; readonly packing: Packing }): Executor {
  const kind = config.kind
  return {
    kind,
    async execute(plan: RunPlan, env, options: ExecuteOptions): Promise<RunRecord> {
      const runs = new RunStore(env.storage)
      const controller = new AbortController()
      const onAbort = () => controller.abort()
      options.signal?.addEventListener('abort', onAbort)
      if (options.signal?.aborted) controller.abort()
      const records = new Map<string, StepRecord>()
      for (const step of plan.steps) {
        records.set(step.id, {
          asset: step.asset,
          partition: step.partition,
          status: step.action === 'run' ? 'pending' : step.action === 'blocked' ? 'blocked' : 'up-to-date',
          reason: describeReason(step.reason),
        })
      }
      const record: RunRecord = {
        runId: env.runId,
        command: options.command,
        selection: plan.selection,
        partitions: { ...plan.range },
        status: 'running',
        startedAt: new Date().toISOString(),
        process: currentProcess(),
        executor: kind,
        steps: [...records.values()],
        counts: countSteps([...records.values()]),
      }
      const save = async () => {
        record.steps = [...records.values()]
        record.counts = countSteps(record.steps)
        record.heartbeatAt = new Date().toISOString()
        await runs.save(record)
      }
      await save()
      // The heartbeat tells readers the run lives even while one long step runs (run-liveness.ts).
      let beating: Promise<void> | undefined
      const heartbeat = setInterval(() => {
        beating ??= save()
          .catch((error: unknown) => env.log.warn(`could not save the heartbeat of run ${env.runId}: ${error instanceof Error ? error.message : String(error)}`))
          .finally(() => (beating = undefined))
      }, options.heartbeatMs ?? HEARTBEAT_MS)
      heartbeat.unref()

      const runSteps = plan.steps.filter((step) => step.action === 'run')
      const packed = packSteps(runSteps, config.packing)
      if (packed.fellBack) env.log.warn(`--pack ${config.packing} would make tasks wait on each other in a circle: one task per step instead`)
      const tasks = packed.tasks
      const dependents = new Map<string, string[]>()
      for (const step of runSteps) for (const upstream of step.dependsOn) dependents.set(upstream, [...(dependents.get(upstream) ?? []), step.id])
      const waitingOn = new Map(tasks.map((task) => [task.id, task.dependsOn.length]))
      const downstreamTasks = new Map<string, string[]>()
      for (const task of tasks) for (const upstream of task.dependsOn) downstreamTasks.set(upstream, [...(downstreamTasks.get(upstream) ?? []), task.id])
      const taskById = new Map(tasks.map((task) => [task.id, task]))
      const levels = criticalPathLevels(tasks)
      const queue = new PQueue({ concurrency: Math.max(1, options.concurrency) })
      const stepEnv: StepEnvironment = { ...env, signal: controller.signal }
      let done = 0
      let failed = 0
      let lastSave = Date.now()
      const saveEveryMs = options.saveEveryMs ?? 2000
      const progress = () => options.onProgress?.({ done, total: runSteps.length, failed })

      // Dependents of a step that did not succeed cannot run: blocked when it failed a blocking
      // check (the same word the planner uses for a check that failed in an earlier run), canceled
      // when it was canceled, else skipped because it failed.
      const skipDependents = (id: string, status: 'blocked' | 'skipped' | 'canceled', why: string) => {
        const stack = [...(dependents.get(id) ?? [])]
        while (stack.length > 0) {
          const next = stack.pop() as string
          const current = records.get(next)
          if (!current || current.status !== 'pending') continue
          records.set(next, { ...current, status, reason: why })
          done++
          stack.push(...(dependents.get(next) ?? []))
        }
      }
      const settle = (step: PlannedStep, result: StepRecord) => {
        records.set(step.id, { ...result, reason: result.builtBy !== undefined ? result.reason : (records.get(step.id)?.reason ?? result.reason) })
        done++
        // A partition an overlapping run built meanwhile is as good as one this run committed.
        if (result.status === 'success' || result.status === 'up-to-date') return
        if (result.status === 'failed') {
          failed++
          env.log.error(`${step.id} failed: ${result.error?.message ?? 'unknown error'}`)
        }
        if (result.status === 'canceled') skipDependents(step.id, 'canceled', `upstream ${step.id} was canceled`)
        else if (result.error?.code === 'check') {
          const check = result.checks?.find(blocks)?.name
          skipDependents(step.id, 'blocked', `upstream ${step.id} failed ${check ? `blocking check ${check}` : 'a blocking check'}`)
        } else skipDependents(step.id, 'skipped', `upstream ${step.id} failed`)
      }
      const launch = (task: StepTask) => {
        void queue.add(async () => {
          if (controller.signal.aborted) return
          // Steps whose upstream failed in this run were marked already; the task runs the others.
          const steps = task.steps.filter((step) => records.get(step.id)?.status === 'pending')
          if (steps.length > 0) {
            const startedAt = new Date().toISOString()
            for (const step of steps) records.set(step.id, { ...(records.get(step.id) as StepRecord), status: 'running', startedAt })
            const results = await launchTask({ ...task, steps }, stepEnv).catch((error: unknown) => {
              const failure = error instanceof StrataError ? error : undefined
              const message = error instanceof Error ? error.message : String(error)
              return new Map<string, StepRecord>(steps.map((step) => [step.id, { asset: step.asset, partition: step.partition, status: 'failed', error: { code: failure?.code ?? 'compute', message, ...(failure?.hint ? { hint: failure.hint } : {}) } }]))
            })
            for (const step of steps) {
              // An outcome the task did not report is a failure, named, never a step left running.
              settle(step, results.get(step.id) ?? { asset: step.asset, partition: step.partition, status: 'failed', error: { code: 'compute', message: `${step.id}: the task reported no outcome for this step` } })
            }
            progress()
          }
          for (const next of downstreamTasks.get(task.id) ?? []) {
            const left = (waitingOn.get(next) ?? 0) - 1
            waitingOn.set(next, left)
            if (left === 0) launch(taskById.get(next) as StepTask)
          }
          if (Date.now() - lastSave > saveEveryMs) {
            lastSave = Date.now()
            // A progress save that fails (e.g. S3 down) must not become an unhandled rejection of this
            // queued task: the final save reports the failure.
            await save().catch((error: unknown) => env.log.warn(`could not save the progress of run ${env.runId}: ${error instanceof Error ? error.message : String(error)}`))
          }
        }, { priority: levels.get(task.id) ?? 0 })
      }
      for (const task of tasks) if (task.dependsOn.length === 0) launch(task)
      await queue.onIdle()
      clearInterval(heartbeat)
      await beating
      options.signal?.removeEventListener('abort', onAbort)

      for (const [id, step] of records) {
        if (step.status === 'pending') records.set(id, { ...step, status: 'canceled', reason: 'the run was canceled before this step started' })
      }
      record.endedAt = new Date().toISOString()
      record.steps = [...records.values()]
      record.counts = countSteps(record.steps)
      record.status = finalRunStatus(record.counts, controller.signal.aborted)
      await save()
      return record
    },
  }
}
