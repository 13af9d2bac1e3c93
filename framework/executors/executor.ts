import type { RunPlan } from '../planner/index.js'
import type { RunRecord } from '../runs/index.js'
import type { StepEnvironment } from './step-runner.js'

/** Progress of a run, for a progress bar. */
export interface RunProgress {
  readonly done: number
  readonly total: number
  readonly failed: number
}

export interface ExecuteOptions {
  readonly command: string
  readonly concurrency: number
  readonly signal?: AbortSignal
  readonly onProgress?: (progress: RunProgress) => void
  /** How often the run record is saved while the run goes on (ms). */
  readonly saveEveryMs?: number
  /** How often the run's heartbeat is written (ms, default 10 s). */
  readonly heartbeatMs?: number
}

/**
 * Runs the `run` steps of a plan and returns the run record: per-step results, never a throw on
 * the first failure. Local and Fargate executors share this interface and its contract suite
 * (test/framework/executors/executor-contract.ts, run against the local executor and against
 * Fargate over the ECS emulator): the same plan gives the same step outcomes and data, a failing
 * step skips exactly its dependents, a canceled run leaves no step running.
 */
export interface Executor {
  readonly kind: 'local' | 'fargate'
  execute(plan: RunPlan, env: Omit<StepEnvironment, 'runId' | 'signal'> & { readonly runId: string }, options: ExecuteOptions): Promise<RunRecord>
}
