import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../../framework/definitions/index.js'
import { runScheduleLoop, type ScheduleDefinition } from '../../../framework/schedules/index.js'
import { dailySchedule } from '../../../schedules/daily-schedule.js'

describe('runScheduleLoop', () => {
  it('catches up once at start, keeps going after a failing tick, and stops on abort after the tick in progress', async () => {
    const controller = new AbortController()
    const seen: string[] = []
    const errors: string[] = []
    let release: () => void = () => undefined
    const schedules: ScheduleDefinition[] = [dailySchedule(), { ...dailySchedule(), name: 'other' }]
    const loop = runScheduleLoop({
      schedules,
      signal: controller.signal,
      log: { ...silentLogger, error: (message) => errors.push(message) },
      now: () => new Date('2026-01-10T03:00:00Z'),
      async tick(schedule, at) {
        seen.push(`${schedule.name}@${at.toISOString()}`)
        if (schedule.name === 'daily') throw new Error('boom')
        await new Promise<void>((resolve) => (release = resolve))
      },
    })
    while (seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 1))
    controller.abort()
    let done = false
    void loop.then(() => (done = true))
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(done).toBe(false) // waits for the tick in progress
    release()
    await loop
    expect(seen).toEqual(['daily@2026-01-10T03:00:00.000Z', 'other@2026-01-10T03:00:00.000Z'])
    expect(errors).toEqual(['schedule daily: tick failed: boom'])
  })

  it('returns at once when already aborted, without ticking or logging', async () => {
    const controller = new AbortController()
    controller.abort()
    const ticks: string[] = []
    const logged: string[] = []
    const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m), debug: () => undefined }
    await expect(runScheduleLoop({ schedules: [dailySchedule()], signal: controller.signal, log, tick: async (schedule) => void ticks.push(schedule.name) })).resolves.toBeUndefined()
    expect(ticks).toEqual([])
    expect(logged.filter((line) => !/scheduler (started|stopped)/.test(line))).toEqual([])
  })
})
