import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { StrataError } from '../../../framework/errors/index.js'
import { RunStore, countSteps, newRunId, type RunRecord, type StepRecord } from '../../../framework/runs/index.js'
import { LocalStorage } from '../../../framework/storage/index.js'

function runRecord(runId: string, status: RunRecord['status'] = 'success'): RunRecord {
  const steps: StepRecord[] = [
    {
      asset: 'daily_sales',
      partition: '2026-03-01',
      status: 'success',
      reason: 'missing',
      startedAt: '2026-03-02T02:00:00.000Z',
      endedAt: '2026-03-02T02:00:01.500Z',
      durationMs: 1500,
      rowCount: 42,
      checks: [{ name: 'unique_key', passed: true, severity: 'error', blocking: true, message: 'ok' }],
    },
    {
      asset: 'cdi_scores',
      partition: '2026-03-01',
      status: 'failed',
      error: { code: 'compute', message: 'boom', hint: 'look at the log', stack: 'Error: boom\n    at x' },
      rowCount: null,
      logStream: 'strata/step/abc',
    },
    { asset: 'features', partition: '2026-03-01', status: 'skipped', reason: 'upstream failed' },
  ]
  return {
    runId,
    command: 'materialize +cdi_scores --partition 2026-03-01',
    selection: '+cdi_scores',
    partitions: { from: '2026-03-01', to: '2026-03-01' },
    status,
    startedAt: '2026-03-02T02:00:00.000Z',
    endedAt: '2026-03-02T02:00:02.000Z',
    executor: 'local',
    steps,
    counts: countSteps(steps),
  }
}

describe('RunStore', () => {
  let root: string
  let storage: LocalStorage
  let runs: RunStore

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-runs-'))
    storage = new LocalStorage(root)
    runs = new RunStore(storage)
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('saves and reads a run record unchanged', async () => {
    const record = runRecord(newRunId(new Date('2026-03-02T02:00:00Z')), 'failed')
    await runs.save(record)
    expect(await runs.read(record.runId)).toEqual(record)
    expect(await storage.listDocuments('runs/')).toEqual([`runs/${record.runId}`])
  })

  it('overwrites a record as the run progresses', async () => {
    const runId = newRunId(new Date('2026-03-02T02:00:00Z'))
    await runs.save({ ...runRecord(runId), status: 'running', endedAt: undefined })
    await runs.save(runRecord(runId, 'success'))
    expect((await runs.read(runId)).status).toBe('success')
    expect(await runs.list()).toHaveLength(1)
  })

  it('reports an unknown run as a usage error pointing at `strata runs`', async () => {
    for (const runId of ['20260302T020000Z-ffffff', '../etc/passwd', '']) {
      const error = await runs.read(runId).catch((thrown: unknown) => thrown)
      expect(error).toBeInstanceOf(StrataError)
      expect(error).toMatchObject({ code: 'usage', message: expect.stringContaining(JSON.stringify(runId)) })
      expect((error as StrataError).hint).toContain('strata runs')
    }
  })

  it('lists the newest runs first, up to the limit', async () => {
    const start = Date.parse('2026-03-01T00:00:00Z')
    const ids = Array.from({ length: 30 }, (_, i) => newRunId(new Date(start + i * 3_600_000)))
    for (const runId of [...ids].sort(() => Math.random() - 0.5)) await runs.save(runRecord(runId))

    const latest = await runs.list({ limit: 5 })
    expect(latest.map((record) => record.runId)).toEqual(ids.slice(-5).reverse())
    expect(await runs.list()).toHaveLength(20)
    expect((await runs.list({ limit: 100 })).map((record) => record.runId)).toEqual([...ids].reverse())
    expect(await runs.ids()).toEqual([...ids].reverse())
  })

  it('reads only the records it returns', async () => {
    const start = Date.parse('2026-03-01T00:00:00Z')
    for (let i = 0; i < 200; i++) await runs.save(runRecord(newRunId(new Date(start + i * 1000))))
    const reads = vi.spyOn(storage, 'readDocument')
    await runs.list({ limit: 3 })
    expect(reads).toHaveBeenCalledTimes(3)
  })

  it('ignores other documents and returns nothing when there are no runs', async () => {
    expect(await runs.list()).toEqual([])
    await storage.writeDocument('runs_index', { x: 1 })
    await storage.writeDocument('schedules/daily', { x: 1 })
    expect(await runs.list()).toEqual([])
  })

  it('rejects a limit that is not a positive whole number', async () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      await expect(runs.list({ limit })).rejects.toMatchObject({ code: 'usage' })
    }
  })
})
