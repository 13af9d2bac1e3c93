import PQueue from 'p-queue'
import { criticalPathLevels } from './critical-path.js'
import type { PlannedStep, RunPlan } from '../planner/index.js'
import { describeReason } from '../planner/index.js'
import { blocks } from '../checks/check.js'
import { countSteps, finalRunStatus, HEARTBEAT_MS, RunStore, type RunRecord, type StepRecord } from '../runs/index.js'
import { currentProcess } from '../process/index.js'
import type { ExecuteOptions, Executor } from './executor.js'
import { runStep, type StepEnvironment } from './step-runner.js'

/** How a step is carried out; the local executor runs it in-process, Fargate in a task. */
export type StepLauncher = (step: PlannedStep, env: StepEnvironment) => Promise<StepRecord>

/**
 * Runs a plan with bounded concurrency (p-queue). A step starts when the steps it depends on
 * have committed; a failed step skips only its dependents (with the reason) and the others go
 * on. When the signal aborts, nothing new starts, running steps see the signal, and the run
 * is recorded as canceled.
 */
export function localExecutor(launch: StepLauncher = runStep, kind: 'local' | 'fargate' = 'local'): Executor {
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
      const waitingOn = new Map<string, number>()
      const dependents = new Map<string, string[]>()
      for (const step of runSteps) {
        waitingOn.set(step.id, step.dependsOn.length)
        for (const upstream of step.dependsOn) {
          const list = dependents.get(upstream)
          if (list) list.push(step.id)
          else dependents.set(upstream, [step.id])
        }
      }
      const byId = new Map(runSteps.map((step) => [step.id, step]))
      const levels = criticalPathLevels(runSteps)
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
      const launchStep = (step: PlannedStep) => {
        void queue.add(async () => {
          if (controller.signal.aborted) return
          records.set(step.id, { ...(records.get(step.id) as StepRecord), status: 'running', startedAt: new Date().toISOString() })
          const result = await launch(step, stepEnv).catch((error: unknown): StepRecord => ({
            asset: step.asset,
            partition: step.partition,
            status: 'failed',
            error: { code: 'compute', message: error instanceof Error ? error.message : String(error) },
          }))
          records.set(step.id, { ...result, reason: result.builtBy !== undefined ? result.reason : (records.get(step.id)?.reason ?? result.reason) })
          done++
          // A partition an overlapping run built meanwhile is as good as one this run committed.
          if (result.status === 'success' || result.status === 'up-to-date') {
            for (const next of dependents.get(step.id) ?? []) {
              const left = (waitingOn.get(next) ?? 0) - 1
              waitingOn.set(next, left)
              if (left === 0 && records.get(next)?.status === 'pending') launchStep(byId.get(next) as PlannedStep)
            }
          } else {
            if (result.status === 'failed') {
              failed++
              env.log.error(`${step.id} failed: ${result.error?.message ?? 'unknown error'}`)
            }
            if (result.status === 'canceled') skipDependents(step.id, 'canceled', `upstream ${step.id} was canceled`)
            else if (result.error?.code === 'check') {
              const check = result.checks?.find(blocks)?.name
              skipDependents(step.id, 'blocked', `upstream ${step.id} failed ${check ? `blocking check ${check}` : 'a blocking check'}`)
            }
            else skipDependents(step.id, 'skipped', `upstream ${step.id} failed`)
          }
          progress()
          if (Date.now() - lastSave > saveEveryMs) {
            lastSave = Date.now()
            // A progress save that fails (e.g. S3 down) must not become an unhandled rejection of this
            // queued task: the final save reports the failure.
            await save().catch((error: unknown) => env.log.warn(`could not save the progress of run ${env.runId}: ${error instanceof Error ? error.message : String(error)}`))
          }
        }, { priority: levels.get(step.id) ?? 0 })
      }
      for (const step of runSteps) if (step.dependsOn.length === 0) launchStep(step)
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
