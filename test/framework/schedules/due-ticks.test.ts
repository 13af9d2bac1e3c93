import { describe, expect, it } from 'vitest'
import { decideTicks, defineSchedule, nextTick, type CatchUpPolicy } from '../../../framework/schedules/index.js'
import { dailySchedule } from '../../../schedules/daily-schedule.js'

const iso = (dates: readonly Date[]) => dates.map((d) => d.toISOString())
const at = (value: string) => new Date(value)
const daily = (catchUp: CatchUpPolicy) => dailySchedule({ catchUp })

describe('decideTicks (catch-up policy)', () => {
  const last = at('2026-01-10T02:00:00Z')
  const threeDaysLater = at('2026-01-13T02:30:00Z')

  it('no history: only the newest due tick, nothing backfilled', () => {
    expect(decideTicks(daily({ policy: 'all', max: 7 }), undefined, threeDaysLater)).toMatchObject({ run: [at('2026-01-13T02:00:00Z')], skipped: [] })
  })
  it('skip and latest: the newest missed tick runs, the older ones are skipped', () => {
    for (const policy of ['skip', 'latest'] as const) {
      const decision = decideTicks(daily({ policy }), last, threeDaysLater)
      expect(iso(decision.run)).toEqual(['2026-01-13T02:00:00.000Z'])
      expect(iso(decision.skipped)).toEqual(['2026-01-11T02:00:00.000Z', '2026-01-12T02:00:00.000Z'])
    }
  })
  it('all: every missed tick oldest first; with max the newest max run', () => {
    expect(iso(decideTicks(daily({ policy: 'all', max: 7 }), last, threeDaysLater).run)).toEqual(['2026-01-11T02:00:00.000Z', '2026-01-12T02:00:00.000Z', '2026-01-13T02:00:00.000Z'])
    const capped = decideTicks(daily({ policy: 'all', max: 2 }), last, threeDaysLater)
    expect(iso(capped.run)).toEqual(['2026-01-12T02:00:00.000Z', '2026-01-13T02:00:00.000Z'])
    expect(iso(capped.skipped)).toEqual(['2026-01-11T02:00:00.000Z'])
  })
  it('a tick exactly at --at is due; nothing after the last recorded tick means nothing to do', () => {
    expect(iso(decideTicks(daily({ policy: 'skip' }), at('2026-01-12T02:00:00Z'), at('2026-01-13T02:00:00Z')).run)).toEqual(['2026-01-13T02:00:00.000Z'])
    expect(decideTicks(daily({ policy: 'skip' }), last, at('2026-01-11T01:59:59Z'))).toMatchObject({ run: [], skipped: [], newestDue: last })
  })
  it('a long outage of a frequent schedule is bounded', () => {
    const everyMinute = defineSchedule({ ...daily({ policy: 'all', max: 3 }), name: 'minutely', cron: '* * * * *' })
    const decision = decideTicks(everyMinute, at('2026-01-01T00:00:00Z'), at('2026-02-01T00:00:00Z'))
    expect(decision.run).toHaveLength(3)
    expect(decision.skipped).toHaveLength(97)
    expect(decision.olderUncounted).toBe(true)
  })
  it('reads cron in the timezone', () => {
    const berlin = dailySchedule({ cron: '30 1 * * *', timezone: 'Europe/Berlin' })
    expect(nextTick(berlin, at('2026-01-10T02:00:00Z'))?.toISOString()).toBe('2026-01-11T00:30:00.000Z')
    expect(nextTick(berlin, at('2026-07-10T02:00:00Z'))?.toISOString()).toBe('2026-07-10T23:30:00.000Z')
    // a tick at 00:30 UTC on 01-11 asks for the newest UTC day that has ended: 01-10
    expect(berlin.partitionsFor(at('2026-01-11T00:30:00Z'))).toEqual({ from: '2026-01-10', to: '2026-01-10' })
  })
})

describe('defineSchedule', () => {
  it.each([
    [{ cron: 'every day' }, /cron "every day" in timezone "UTC" is not valid/],
    [{ timezone: 'Mars/Base' }, /timezone "Mars\/Base" is not valid/],
    [{ catchUp: { policy: 'all' } }, /catch-up policy "all" needs a max/],
    [{ name: 'Daily' }, /not snake_case/],
  ] as const)('rejects %j at load', (change, message) => {
    expect(() => defineSchedule({ ...dailySchedule(), ...change } as Parameters<typeof defineSchedule>[0])).toThrow(message)
  })
})
