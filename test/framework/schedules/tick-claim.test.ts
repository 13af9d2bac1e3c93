import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../framework/definitions/index.js'
import { RunStore, countSteps, type RunRecord } from '../../../framework/runs/index.js'
import { CLAIM_START_GRACE_MS, MAX_TICK_ATTEMPTS, tickSchedule, TickStore, type TickRecord } from '../../../framework/schedules/index.js'
import { LocalStorage } from '../../../framework/storage/index.js'
import { dailySchedule } from '../../../schedules/daily-schedule.js'

let root: string
let storage: LocalStorage
let store: TickStore
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-tick-claim-'))
  storage = new LocalStorage(root)
  store = new TickStore(storage)
})
afterEach(async () => rm(root, { recursive: true, force: true }))

const TICK = new Date('2026-10-04T02:00:00Z')
const AT = new Date('2026-10-04T02:05:00Z')
/** The pid of a process that has exited (pids are not reused that fast). */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid as number

function claim(fields: Partial<TickRecord>): TickRecord {
  return { schedule: 'daily', tick: TICK.toISOString(), runKey: TickStore.runKey('daily', TICK), recordedAt: '2026-10-04T02:05:00.000Z', partitions: { from: '2026-10-03', to: '2026-10-03' }, status: 'launched', runId: '20261004T020500Z-aaaaaa', attempt: 1, ...fields }
}

function runRecord(runId: string, status: RunRecord['status']): RunRecord {
  return { runId, command: 'schedule tick daily', selection: '*', partitions: { from: '2026-10-03', to: '2026-10-03' }, status, startedAt: '2026-10-04T02:05:01.000Z', executor: 'local', steps: [], counts: countSteps([]) }
}

async function tick(launched: string[], now = AT, suffix = 'bbbbbb') {
  return tickSchedule({
    schedule: dailySchedule(),
    at: AT,
    store,
    storage,
    launch: async ({ runId }) => {
      launched.push(runId)
      return { status: 'success' }
    },
    newRunId: () => `20261004T020600Z-${suffix}`,
    log: silentLogger,
    now: () => now,
  })
}

describe('a tick claim whose run crashed or never started does not block for ever', () => {
  it('a claim by a process of this host that is gone is taken over and launched again, as attempt 2', async () => {
    await store.claim(claim({ claimedBy: { host: hostname(), pid: deadPid() } }))
    const launched: string[] = []
    const report = await tick(launched)
    expect(launched).toEqual(['20261004T020600Z-bbbbbb'])
    expect(report.outcomes).toEqual([expect.objectContaining({ action: 'launched', status: 'success', runId: '20261004T020600Z-bbbbbb' })])
    expect(await store.read('daily', TICK)).toMatchObject({ status: 'success', attempt: 2, runId: '20261004T020600Z-bbbbbb', claimedBy: { host: hostname(), pid: process.pid } })
    // Done now: the next tick launches nothing.
    expect((await tick(launched)).outcomes).toEqual([expect.objectContaining({ action: 'already-recorded', status: 'success' })])
    expect(launched).toHaveLength(1)
  })

  it('ten tickers that all find the same abandoned claim relaunch it once', async () => {
    await store.claim(claim({ claimedBy: { host: hostname(), pid: deadPid() } }))
    const launched: string[] = []
    await Promise.all(Array.from({ length: 10 }, (_, i) => tick(launched, AT, String(i).padStart(6, '0'))))
    expect(launched).toHaveLength(1)
  })

  it('a ticker that took a claim over and died before recording it does not block either: the next attempt is taken', async () => {
    const gone = { host: hostname(), pid: deadPid() }
    await store.claim(claim({ claimedBy: gone }))
    expect(await store.claimTakeover(claim({ runId: '20261004T020530Z-dddddd', attempt: 2, claimedBy: gone }))).toBe(true)
    const launched: string[] = []
    expect((await tick(launched)).outcomes).toEqual([expect.objectContaining({ action: 'launched', status: 'success' })])
    expect(launched).toEqual(['20261004T020600Z-bbbbbb'])
    expect(await store.read('daily', TICK)).toMatchObject({ attempt: 3, status: 'success' })
  })

  it('a claim of a live process (this one) is left alone', async () => {
    await store.claim(claim({ claimedBy: { host: hostname(), pid: process.pid } }))
    const launched: string[] = []
    expect((await tick(launched)).outcomes).toEqual([expect.objectContaining({ action: 'already-recorded', status: 'launched', runId: '20261004T020500Z-aaaaaa' })])
    expect(launched).toEqual([])
  })

  it('a claim from another host: trusted while its run record is young or running; abandoned when no run started within the grace period or its run crashed', async () => {
    await store.claim(claim({ claimedBy: { host: 'another-host', pid: 1 } }))
    const launched: string[] = []
    expect((await tick(launched, new Date(AT.getTime() + 60_000))).outcomes[0]?.action).toBe('already-recorded')
    const late = new Date(Date.parse('2026-10-04T02:05:00.000Z') + CLAIM_START_GRACE_MS + 1000)
    expect((await tick(launched, late)).outcomes).toEqual([expect.objectContaining({ action: 'launched', status: 'success' })])
    expect(launched).toHaveLength(1)
    expect(await store.read('daily', TICK)).toMatchObject({ attempt: 2, status: 'success' })

    const crashed = new LocalStorage(join(root, 'crashed'))
    const crashedStore = new TickStore(crashed)
    await crashedStore.claim(claim({ claimedBy: { host: 'another-host', pid: 1 } }))
    // The heartbeat-based `crashed` status (issue 12, items 1-3) is recorded by the run store.
    await new RunStore(crashed).save({ ...runRecord('20261004T020500Z-aaaaaa', 'running'), status: 'crashed' as RunRecord['status'] })
    const relaunched: string[] = []
    await tickSchedule({ schedule: dailySchedule(), at: AT, store: crashedStore, storage: crashed, launch: async ({ runId }) => (relaunched.push(runId), { status: 'success' }), newRunId: () => '20261004T020600Z-cccccc', log: silentLogger, now: () => AT })
    expect(relaunched).toEqual(['20261004T020600Z-cccccc'])
  })

  it('a claim whose run finished (the ticker died before recording it) takes the run status and launches nothing', async () => {
    await store.claim(claim({ claimedBy: { host: hostname(), pid: deadPid() } }))
    await new RunStore(storage).save(runRecord('20261004T020500Z-aaaaaa', 'failed'))
    const launched: string[] = []
    const report = await tick(launched)
    expect(launched).toEqual([])
    expect(report.outcomes).toEqual([expect.objectContaining({ action: 'already-recorded', status: 'failed', runId: '20261004T020500Z-aaaaaa' })])
    expect((await store.read('daily', TICK))?.status).toBe('failed')
  })

  it(`after ${MAX_TICK_ATTEMPTS} abandoned attempts the tick is recorded as error, not launched again`, async () => {
    await store.claim(claim({ claimedBy: { host: hostname(), pid: deadPid() }, attempt: MAX_TICK_ATTEMPTS }))
    const launched: string[] = []
    const report = await tick(launched)
    expect(launched).toEqual([])
    expect(report.outcomes).toEqual([expect.objectContaining({ action: 'already-recorded', status: 'error', message: expect.stringContaining('strata backfill') })])
  })
})
