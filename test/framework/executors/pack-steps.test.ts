import { describe, expect, it } from 'vitest'
import { packSteps } from '../../../framework/executors/index.js'
import type { PlannedStep } from '../../../framework/planner/index.js'

function step(asset: string, partition: string, dependsOn: string[] = []): PlannedStep {
  return { id: `${asset}@${partition}`, asset, partition, pathSegment: `dt=${partition}`, action: 'run', reason: { kind: 'missing' }, requested: true, dependsOn, inputs: [] }
}

// Two days of a chain (window needs the day before), a weekly model on the Monday the second day needs.
const steps = [
  step('raw', '2026-11-08'),
  step('raw', '2026-11-09'),
  step('window', '2026-11-08', ['raw@2026-11-08']),
  step('window', '2026-11-09', ['raw@2026-11-09', 'window@2026-11-08']),
  step('model', '2026-11-09', ['window@2026-11-08']),
  step('segments', '2026-11-09', ['window@2026-11-09', 'model@2026-11-09']),
]

describe('packing steps into tasks', () => {
  it('step: one task per step, depending as the steps do', () => {
    const { tasks } = packSteps(steps, 'step')
    expect(tasks.map((task) => task.id)).toEqual(steps.map((s) => s.id))
    expect(tasks.find((task) => task.id === 'segments@2026-11-09')?.dependsOn).toEqual(['model@2026-11-09', 'window@2026-11-09'])
  })

  it('partition: one task per day, in plan order; the weekly step in its Monday; the next day waits for the day before', () => {
    const { tasks, fellBack } = packSteps(steps, 'partition')
    expect(fellBack).toBe(false)
    expect(tasks.map((task) => [task.id, task.steps.map((s) => s.id), task.dependsOn])).toEqual([
      ['2026-11-08', ['raw@2026-11-08', 'window@2026-11-08'], []],
      ['2026-11-09', ['raw@2026-11-09', 'window@2026-11-09', 'model@2026-11-09', 'segments@2026-11-09'], ['2026-11-08']],
    ])
  })

  it('partition: a weekly step whose Monday the run does not cover runs in the task of the earliest day that needs it', () => {
    const weekly = [step('raw', '2026-11-10'), step('raw', '2026-11-11'), step('model', '2026-11-09'), step('segments', '2026-11-11', ['raw@2026-11-11', 'model@2026-11-09']), step('segments', '2026-11-10', ['raw@2026-11-10', 'model@2026-11-09'])]
    const { tasks } = packSteps(weekly, 'partition')
    expect(tasks.map((task) => [task.id, task.steps.map((s) => s.id)])).toEqual([
      ['2026-11-10', ['raw@2026-11-10', 'model@2026-11-09', 'segments@2026-11-10']],
      ['2026-11-11', ['raw@2026-11-11', 'segments@2026-11-11']],
    ])
    expect(tasks[1]?.dependsOn).toEqual(['2026-11-10'])
  })

  it('run: one task for the whole run', () => {
    const { tasks } = packSteps(steps, 'run')
    expect(tasks).toEqual([{ id: 'run', steps, dependsOn: [] }])
  })

  it('falls back to one task per step when days would wait on each other in a circle', () => {
    // a@1 needs b@2 and b@2 needs c@1: day 1 waits on day 2, which waits on day 1.
    const circular = [step('c', '1'), step('d', '2'), step('b', '2', ['c@1']), step('a', '1', ['b@2'])]
    const { tasks, fellBack } = packSteps(circular, 'partition')
    expect(fellBack).toBe(true)
    expect(tasks.map((task) => task.id)).toEqual(['c@1', 'd@2', 'b@2', 'a@1'])
  })
})
