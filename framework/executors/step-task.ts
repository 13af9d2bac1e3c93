import type { PlannedStep } from '../planner/index.js'
import type { StepRecord } from '../runs/index.js'
import type { StepEnvironment } from './step-runner.js'

/** How the steps of a run are grouped into tasks (one container, or one in-process call, each). */
export type Packing = 'step' | 'partition' | 'run'

export const PACKINGS: readonly Packing[] = ['step', 'partition', 'run']

/** Steps that run together, in order, in one task; a task starts when the tasks it depends on ended. */
export interface StepTask {
  /** Unique in the run: the step id (`step`), the partition key (`partition`) or `run`. */
  readonly id: string
  /** In topological order (the plan's order). */
  readonly steps: readonly PlannedStep[]
  /** Ids of the tasks holding a step one of these steps depends on. */
  readonly dependsOn: readonly string[]
}

/**
 * Carries out one task and returns a record for each of its steps: the step outcomes, never a
 * throw. The local executor runs a one-step task in-process; Fargate runs a task in a container.
 */
export type TaskLauncher = (task: StepTask, env: StepEnvironment) => Promise<ReadonlyMap<string, StepRecord>>
