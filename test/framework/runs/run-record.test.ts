import { describe, expect, it } from 'vitest'
import { countSteps, describeCounts, describeStepStatus, finalRunStatus, isRunId, newRunId, type StepRecord } from '../../../framework/runs/index.js'

describe('newRunId', () => {
  it('is the UTC start second, the millisecond in hex and a random part', () => {
    const id = newRunId(new Date('2026-03-01T02:00:00.123Z'))
    expect(id).toMatch(/^20260301T020000Z-07b[0-9a-f]{3}$/)
    expect(isRunId(id)).toBe(true)
  })

  it('differs for runs started in the same millisecond', () => {
    const now = new Date('2026-03-01T02:00:00.500Z')
    const ids = new Set(Array.from({ length: 50 }, () => newRunId(now)))
    expect(ids.size).toBeGreaterThan(45)
  })

  it('sorts by start time to the millisecond as a plain string', () => {
    const times = ['2025-12-31T23:59:59Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.009Z', '2026-01-01T00:00:00.010Z', '2026-01-01T00:00:00.999Z', '2026-01-01T00:00:01Z', '2026-10-01T09:00:00Z']
    const ids = times.map((time) => newRunId(new Date(time)))
    expect([...ids].reverse().sort()).toEqual(ids)
  })

  it('isRunId rejects other shapes', () => {
    for (const bad of ['', '20260301T020000Z', '20260301T020000Z-A1B2C3', '../20260301T020000Z-a1b2c3', '2026-03-01T02:00:00Z-a1b2c3']) {
      expect(isRunId(bad)).toBe(false)
    }
  })
})

describe('countSteps', () => {
  it('counts every step as planned and each finished one by outcome', () => {
    const step = (status: StepRecord['status']): StepRecord => ({ asset: 'a', partition: '2026-03-01', status })
    const steps = ['success', 'success', 'failed', 'up-to-date', 'blocked', 'skipped', 'canceled', 'pending', 'running'].map((status) => step(status as StepRecord['status']))
    expect(countSteps(steps)).toEqual({ planned: 9, succeeded: 2, failed: 1, upToDate: 1, blocked: 1, skipped: 1, canceled: 1 })
    expect(countSteps([])).toEqual({ planned: 0, succeeded: 0, failed: 0, upToDate: 0, blocked: 0, skipped: 0, canceled: 0 })
  })
})

describe('finalRunStatus', () => {
  const counts = (fields: Partial<ReturnType<typeof countSteps>>) => ({ ...countSteps([]), ...fields })
  it('is success only when every step succeeded or was up to date; blocked or skipped steps fail the run', () => {
    expect(finalRunStatus(counts({ succeeded: 3, upToDate: 4 }), false)).toBe('success')
    expect(finalRunStatus(counts({ succeeded: 3, blocked: 1 }), false)).toBe('failed')
    expect(finalRunStatus(counts({ skipped: 1 }), false)).toBe('failed')
    expect(finalRunStatus(counts({ failed: 1 }), false)).toBe('failed')
    expect(finalRunStatus(counts({ failed: 1 }), true)).toBe('canceled')
  })
})

describe('describeCounts / describeStepStatus', () => {
  it('name each outcome in words, leaving out zero counts but succeeded and failed', () => {
    expect(describeCounts({ ...countSteps([]), succeeded: 3, upToDate: 40, skipped: 2, blocked: 1 })).toBe('3 succeeded, 0 failed, 1 blocked, 2 skipped (upstream failed), 40 up to date')
    expect(describeStepStatus('up-to-date')).toBe('up to date')
    expect(describeStepStatus('skipped')).toBe('skipped (upstream failed)')
    expect(describeStepStatus('blocked')).toBe('blocked')
  })
})
