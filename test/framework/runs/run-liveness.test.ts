import { describe, expect, it } from 'vitest'
import { judgeRun, type RunRecord } from '../../../framework/runs/index.js'
import { currentProcess, processLiveness } from '../../../framework/process/index.js'

const record = (over: Partial<RunRecord> = {}): RunRecord => ({
  runId: '20260301T020000Z-abcdef',
  command: 'materialize *',
  selection: '*',
  partitions: { from: '2026-03-01', to: '2026-03-01' },
  status: 'running',
  startedAt: '2026-03-01T02:00:00.000Z',
  heartbeatAt: '2026-03-01T02:05:00.000Z',
  process: { host: 'elsewhere', pid: 42 },
  executor: 'local',
  steps: [
    { asset: 'raw', partition: '2026-03-01', status: 'success', endedAt: '2026-03-01T02:01:00.000Z' },
    { asset: 'curated', partition: '2026-03-01', status: 'running', startedAt: '2026-03-01T02:01:00.000Z' },
  ],
  counts: { planned: 2, succeeded: 1, failed: 0, upToDate: 0, blocked: 0, skipped: 0, canceled: 0 },
  ...over,
})
const at = (iso: string) => () => Date.parse(iso)

describe('judging whether a run recorded as running still runs', () => {
  it('a run on another host is running while its heartbeat is fresh, crashed once it is older than the limit', () => {
    expect(judgeRun(record(), { now: at('2026-03-01T02:06:00Z'), liveness: () => 'unknown' }).status).toBe('running')
    const judged = judgeRun(record(), { now: at('2026-03-01T02:07:00Z'), liveness: () => 'unknown' })
    expect(judged.status).toBe('crashed')
    expect(judged.crash).toEqual({ lastSeenAt: '2026-03-01T02:05:00.000Z', lastCompletedStep: 'raw@2026-03-01', why: 'no heartbeat since 2026-03-01T02:05:00.000Z' })
  })

  it('a run whose process is gone on this host is crashed at once; a live one is running whatever its heartbeat', () => {
    expect(judgeRun(record(), { now: at('2026-03-01T02:05:01Z'), liveness: () => 'dead' }).crash?.why).toBe('its process (pid 42 on elsewhere) is gone')
    expect(judgeRun(record(), { now: at('2026-03-09T00:00:00Z'), liveness: () => 'alive' }).status).toBe('running')
  })

  it('leaves finished runs alone', () => {
    const done = record({ status: 'success', endedAt: '2026-03-01T02:09:00.000Z' })
    expect(judgeRun(done, { liveness: () => 'dead' })).toBe(done)
  })
})

describe('process liveness', () => {
  it('knows this process is alive, and a dead pid or one with another start time is not', async () => {
    const me = currentProcess()
    expect(processLiveness(me)).toBe('alive')
    expect(processLiveness({ ...me, host: `${me.host}-other` })).toBe('unknown')
    if (me.started !== undefined) {
      const reused = { ...me, started: me.started.replace(/\/\d+$/, '/1') }
      expect(processLiveness(reused)).toBe('dead')
    }
    const { spawnSync } = await import('node:child_process')
    const gone = spawnSync(process.execPath, ['-e', '0']).pid as number
    expect(processLiveness({ host: me.host, pid: gone })).toBe('dead')
  })
})
