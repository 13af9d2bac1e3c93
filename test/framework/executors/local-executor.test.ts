import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { localExecutor } from '../../../framework/executors/index.js'
import { loadStoredState, plan, type PlanRequest } from '../../../framework/planner/index.js'
import { LocalStorage } from '../../../framework/storage/index.js'
import { RunStore, newRunId } from '../../../framework/runs/index.js'
import { silentLogger, type Definitions } from '../../../framework/definitions/index.js'
import { toyDefinitions, type ToyOptions } from '../../fixtures/toy-definitions.js'

let root: string
let storage: LocalStorage

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-exec-'))
  storage = new LocalStorage(root)
})
afterEach(async () => rm(root, { recursive: true, force: true }))

async function run(definitions: Definitions, request: PlanRequest, signal?: AbortSignal, concurrency = 2) {
  const state = await loadStoredState(storage, definitions.graph)
  const runPlan = plan(definitions.graph, request, state)
  const record = await localExecutor().execute(
    runPlan,
    { graph: definitions.graph, storage, resources: {}, runId: newRunId(new Date()), log: silentLogger, duckdb: () => Promise.reject(new Error('not needed')) },
    { command: 'test', concurrency, ...(signal ? { signal } : {}) },
  )
  return { runPlan, record }
}

const month: PlanRequest = { selection: '*', from: '2026-01-01', to: '2026-01-30' }

describe('local executor', () => {
  it('backfills 30 days once; a rerun runs nothing and says why', async () => {
    const calls: string[] = []
    const { record } = await run(toyDefinitions({ calls }), month)
    expect(record.status).toBe('success')
    expect(new Set(calls).size).toBe(calls.length)
    expect(record.counts.succeeded).toBe(calls.length)
    expect(calls.filter((c) => c.startsWith('source@'))).toHaveLength(30)
    expect(calls.filter((c) => c.startsWith('model@'))).toHaveLength(4) // weeks of 01-05, 12, 19, 26
    const again: string[] = []
    const second = await run(toyDefinitions({ calls: again }), month)
    expect(again).toEqual([])
    expect(second.record.steps.every((s) => s.status === 'up-to-date' && s.reason === 'up to date')).toBe(true)
    // the run history has both runs, newest first
    const runs = await new RunStore(storage).list({ limit: 5 })
    expect(runs.map((r) => r.runId)).toEqual([second.record.runId, record.runId])
  })

  it('starts the longest chain first: the day-after-day labels do not wait until every source has run', async () => {
    const calls: string[] = []
    await run(toyDefinitions({ calls }), month, undefined, 1)
    const firstLabel = calls.findIndex((c) => c.startsWith('label@'))
    const lastSource = calls.findLastIndex((c) => c.startsWith('source@'))
    expect(firstLabel).toBeGreaterThan(-1)
    // First come, first served ran all 30 sources before any label; by chain length, labels start within the first week.
    expect(firstLabel).toBeLessThan(lastSource)
    expect(calls.indexOf('label@2026-01-05')).toBeLessThan(calls.indexOf('source@2026-01-10'))
  })

  it('a code version change rebuilds exactly that asset and its downstream', async () => {
    await run(toyDefinitions(), month)
    const calls: string[] = []
    const { record } = await run(toyDefinitions({ calls, codeVersions: { score: 'score-v2' } }), month)
    expect(record.status).toBe('success')
    expect(new Set(calls.map((c) => c.split('@')[0]))).toEqual(new Set(['score', 'label', 'report']))
    expect(calls.filter((c) => c.startsWith('score@'))).toHaveLength(30)
    const nothing: string[] = []
    await run(toyDefinitions({ calls: nothing, codeVersions: { score: 'score-v2' } }), month)
    expect(nothing).toEqual([])
  })

  it('records partition-level lineage with data versions in the manifest', async () => {
    await run(toyDefinitions(), { selection: '+score', partition: '2026-01-10' })
    const manifest = await storage.readManifest('score', 'dt=2026-01-10')
    const rolling = await storage.readManifest('rolling', 'dt=2026-01-10')
    expect(manifest?.upstream).toEqual([{ asset: 'rolling', partition: '2026-01-10', dataVersion: rolling?.dataVersion }])
    expect(rolling?.upstream.map((u) => u.partition)).toEqual(['2026-01-08', '2026-01-09', '2026-01-10'])
    expect(manifest?.metadata).toEqual({ value: 1 + (rolling?.metadata.value as number) })
  })

  it('a failed step skips only its dependents; a rerun resumes with just what failed or is missing', async () => {
    const failing = new Set(['clean@2026-01-10'])
    const { record } = await run(toyDefinitions({ failing }), { selection: 'source,clean,rolling', from: '2026-01-08', to: '2026-01-14' })
    expect(record.status).toBe('failed')
    const status = (id: string) => record.steps.find((s) => `${s.asset}@${s.partition}` === id)
    expect(status('clean@2026-01-10')).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('boom in clean') } })
    expect(status('rolling@2026-01-10')).toMatchObject({ status: 'skipped', reason: 'upstream clean@2026-01-10 failed' })
    expect(status('rolling@2026-01-12')?.status).toBe('skipped')
    expect(status('rolling@2026-01-13')?.status).toBe('success')
    expect(status('clean@2026-01-11')?.status).toBe('success')
    const calls: string[] = []
    const again = await run(toyDefinitions({ calls }), { selection: 'source,clean,rolling', from: '2026-01-08', to: '2026-01-14' })
    expect(again.record.status).toBe('success')
    expect(calls.sort()).toEqual(['clean@2026-01-10', 'rolling@2026-01-10', 'rolling@2026-01-11', 'rolling@2026-01-12'])
    expect(again.runPlan.steps.find((s) => s.id === 'clean@2026-01-10')?.reason.kind).toBe('failed-before')
  })

  it('a failed blocking check commits the partition but gates downstream in this run and later runs', async () => {
    const options: ToyOptions = { failingChecks: new Set(['source@2026-01-10']) }
    const { record } = await run(toyDefinitions(options), { selection: 'source,clean', partition: '2026-01-10' })
    expect(record.steps.map((s) => [s.asset, s.status])).toEqual([['source', 'failed'], ['clean', 'blocked']])
    expect((await storage.readManifest('source', 'dt=2026-01-10'))?.checks[0]).toMatchObject({ name: 'gate', passed: false })
    // a later run of only the downstream asset is blocked by the committed failure
    const later = await run(toyDefinitions(options), { selection: 'clean', partition: '2026-01-10' })
    expect(later.runPlan.steps[0]).toMatchObject({ action: 'blocked', reason: { kind: 'blocked', upstream: 'source' } })
    // once the input is fixed, rebuilding the upstream unblocks it
    const fixed = await run(toyDefinitions(), { selection: 'source,clean', partition: '2026-01-10' })
    expect(fixed.record.steps.map((s) => s.status)).toEqual(['success', 'success'])
  })

  it('stops launching steps when canceled and records the run as canceled', async () => {
    const controller = new AbortController()
    const calls: string[] = []
    const definitions = toyDefinitions({ calls, onCompute: (id) => id === 'clean@2026-01-03' && controller.abort() })
    const { record } = await run(definitions, { selection: 'source,clean', from: '2026-01-01', to: '2026-01-30' }, controller.signal)
    expect(record.status).toBe('canceled')
    expect(record.counts.canceled).toBeGreaterThan(0)
    expect(calls.length).toBeLessThan(60)
  })
})
