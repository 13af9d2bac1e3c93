import type { PlannedStep } from '../planner/index.js'
import type { Packing, StepTask } from './step-task.js'

/**
 * Groups the steps of a run into tasks. `step`: one task per step. `partition`: one task per
 * partition key's chain (all steps of one day, in order; a weekly step's key is its Monday), a
 * step alone on its key (a weekly model whose Monday the run does not cover) joining the task
 * of the earliest step that needs it. `run`: one task. Tasks depend on each other as their steps do; a grouping that would
 * make tasks wait on each other in a circle falls back to one task per step.
 */
export function packSteps(steps: readonly PlannedStep[], packing: Packing): { tasks: StepTask[]; fellBack: boolean } {
  if (packing === 'step') return { tasks: tasksOf(steps, (step) => step.id), fellBack: false }
  if (packing === 'run') return { tasks: tasksOf(steps, () => 'run'), fellBack: false }
  const keyOf = partitionKeys(steps)
  const tasks = tasksOf(steps, (step) => keyOf.get(step.id) as string)
  if (hasCycle(tasks)) return { tasks: tasksOf(steps, (step) => step.id), fellBack: true }
  return { tasks, fellBack: false }
}

function partitionKeys(steps: readonly PlannedStep[]): Map<string, string> {
  const dependents = new Map<string, PlannedStep[]>()
  for (const step of steps) for (const upstream of step.dependsOn) dependents.set(upstream, [...(dependents.get(upstream) ?? []), step])
  const perKey = new Map<string, number>()
  for (const step of steps) perKey.set(step.partition, (perKey.get(step.partition) ?? 0) + 1)
  const keys = new Map<string, string>()
  // Dependents come later in plan order, so walking backwards knows their keys first.
  for (const step of [...steps].reverse()) {
    const needing = dependents.get(step.id) ?? []
    // A step of a day the run covers stays in that day's task (a weekly step's key is its Monday).
    const ownKey = needing.length === 0 || (perKey.get(step.partition) ?? 0) > 1
    keys.set(step.id, ownKey ? step.partition : needing.map((dependent) => keys.get(dependent.id) as string).sort()[0] as string)
  }
  return keys
}

function tasksOf(steps: readonly PlannedStep[], keyOf: (step: PlannedStep) => string): StepTask[] {
  const grouped = new Map<string, PlannedStep[]>()
  const taskOf = new Map<string, string>()
  for (const step of steps) {
    const key = keyOf(step)
    taskOf.set(step.id, key)
    grouped.set(key, [...(grouped.get(key) ?? []), step])
  }
  return [...grouped].map(([id, members]) => {
    const upstream = new Set<string>()
    for (const step of members) for (const dependency of step.dependsOn) {
      const task = taskOf.get(dependency)
      if (task !== undefined && task !== id) upstream.add(task)
    }
    return { id, steps: members, dependsOn: [...upstream].sort() }
  })
}

function hasCycle(tasks: readonly StepTask[]): boolean {
  const left = new Map(tasks.map((task) => [task.id, task.dependsOn.length]))
  const dependents = new Map<string, string[]>()
  for (const task of tasks) for (const upstream of task.dependsOn) dependents.set(upstream, [...(dependents.get(upstream) ?? []), task.id])
  const ready = tasks.filter((task) => task.dependsOn.length === 0).map((task) => task.id)
  let seen = 0
  while (ready.length > 0) {
    const id = ready.pop() as string
    seen++
    for (const next of dependents.get(id) ?? []) {
      const count = (left.get(next) as number) - 1
      left.set(next, count)
      if (count === 0) ready.push(next)
    }
  }
  return seen !== tasks.length
}
