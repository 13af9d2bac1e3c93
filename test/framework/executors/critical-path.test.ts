import { describe, expect, it } from 'vitest'
import { criticalPathLevels } from '../../../framework/executors/critical-path.js'

const step = (id: string, ...dependsOn: string[]) => ({ id, dependsOn })

describe('criticalPathLevels', () => {
  it('counts the steps of the longest chain from each step to the end', () => {
    // a → b → c → d (a chain, like segments day after day), and x → y beside it.
    const levels = criticalPathLevels([step('a'), step('b', 'a'), step('c', 'b'), step('d', 'c'), step('x'), step('y', 'x', 'a')])
    expect(Object.fromEntries(levels)).toEqual({ a: 4, b: 3, c: 2, d: 1, x: 2, y: 1 })
  })

  it('does not depend on the order of the steps, and ignores dependencies outside the plan', () => {
    const steps = [step('d', 'c'), step('b', 'a', 'done-before'), step('c', 'b', 'a'), step('a')]
    expect(Object.fromEntries(criticalPathLevels(steps))).toEqual({ a: 4, b: 3, c: 2, d: 1 })
  })
})
