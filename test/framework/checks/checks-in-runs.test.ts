import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { notNull, recheckPartition, valuesBetween } from '../../../framework/checks/index.js'
import { defineAsset, defineDefinitions, silentLogger, type Definitions } from '../../../framework/definitions/index.js'
import { localExecutor } from '../../../framework/executors/index.js'
import { daily, sameDay } from '../../../framework/partitions/index.js'
import { loadStoredState, plan, type PlanRequest } from '../../../framework/planner/index.js'
import { RunStore, newRunId } from '../../../framework/runs/index.js'
import { LocalStorage } from '../../../framework/storage/index.js'
import { openDuckDb } from '../../../resources/duckdb.js'
import { sqlString, type SqlEngine } from '../../../framework/sql/index.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'

let root: string
let storage: LocalStorage
let duckdb: SqlEngine
beforeAll(async () => {
  duckdb = await openDuckDb({ threads: 1 })
})
afterAll(() => duckdb.close())
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-checks-run-'))
  storage = new LocalStorage(root)
})
afterEach(async () => rm(root, { recursive: true, force: true }))

async function run(definitions: Definitions, request: PlanRequest) {
  const runPlan = plan(definitions.graph, request, await loadStoredState(storage, definitions.graph))
  const record = await localExecutor().execute(
    runPlan,
    { graph: definitions.graph, storage, resources: {}, runId: newRunId(new Date()), log: silentLogger, duckdb: async () => duckdb },
    { command: 'test', concurrency: 2 },
  )
  return { runPlan, record }
}

/** orders (Parquet, checked) → totals. `nullIds` puts a null id into the orders of that day; `big` an amount over 1000. */
function ordersDefinitions(knobs: { nullIds?: Set<string>; big?: Set<string> } = {}): Definitions {
  const orders = defineAsset({
    key: 'orders',
    description: 'orders of the day',
    partitions: daily({ start: '2026-01-01' }),
    codeVersion: 'orders-v1',
    checks: [notNull('order_id'), valuesBetween('amount', 0, 1000, { severity: 'warn' })],
    async materialize({ partition, outputDir }) {
      const id = knobs.nullIds?.has(partition) ? 'NULL' : '2'
      const amount = knobs.big?.has(partition) ? '5000.0' : '20.0'
      await duckdb.run(`COPY (SELECT * FROM (VALUES (1, 10.0), (${id}, ${amount})) t(order_id, amount)) TO ${sqlString(join(outputDir, 'orders.parquet'))} (FORMAT parquet)`)
      return {}
    },
  })
  const totals = defineAsset({ key: 'totals', description: 'daily totals', partitions: daily({ start: '2026-01-01' }), deps: { orders: sameDay() }, codeVersion: 'totals-v1', async materialize() { return { metadata: { ok: true } } } })
  return defineDefinitions({ assets: [orders, totals], async openResources() { return { resources: {}, async close() {} } } })
}

describe('checks in runs', () => {
  it('results land in the manifest and the run record; a warn failure does not block, an error failure does', async () => {
    const { record } = await run(ordersDefinitions({ nullIds: new Set(['2026-01-02']), big: new Set(['2026-01-01']) }), { selection: '*', from: '2026-01-01', to: '2026-01-02' })
    const manifest1 = await storage.readManifest('orders', 'dt=2026-01-01')
    expect(manifest1?.checks).toEqual([
      expect.objectContaining({ name: 'not_null_order_id', passed: true, severity: 'error', blocking: true }),
      expect.objectContaining({ name: 'values_between_amount', passed: false, severity: 'warn', failingCount: 1, sample: [{ order_id: 2, amount: '5000.0' }] }),
    ])
    const step = (asset: string, partition: string) => record.steps.find((s) => s.asset === asset && s.partition === partition)
    expect(step('orders', '2026-01-01')).toMatchObject({ status: 'success', checks: manifest1?.checks })
    expect(step('totals', '2026-01-01')?.status).toBe('success')
    // the blocking failure commits (nothing lost), fails the step and skips its downstream in this run
    expect(step('orders', '2026-01-02')).toMatchObject({ status: 'failed', error: { code: 'check' } })
    expect(step('orders', '2026-01-02')?.checks?.[0]).toMatchObject({ passed: false, failingCount: 1 })
    expect(step('totals', '2026-01-02')).toMatchObject({ status: 'blocked', reason: 'upstream orders@2026-01-02 failed blocking check not_null_order_id' })
    expect((await storage.readManifest('orders', 'dt=2026-01-02'))?.checks[0]?.passed).toBe(false)
    const saved = await new RunStore(storage).read(record.runId)
    expect(saved.steps.find((s) => s.asset === 'orders' && s.partition === '2026-01-02')?.checks?.[0]?.name).toBe('not_null_order_id')
  })

  it('a failed blocking check gates downstream in later runs until the partition is rebuilt and passes', async () => {
    const failingChecks = new Set(['source@2026-01-03'])
    const first = await run(toyDefinitions({ failingChecks }), { selection: 'source', partition: '2026-01-03' })
    expect(first.record.status).toBe('failed')

    // A later run of only the downstream asset: blocked, with the reason, and nothing computed.
    const calls: string[] = []
    const later = await run(toyDefinitions({ failingChecks, calls }), { selection: 'clean', partition: '2026-01-03' })
    expect(later.runPlan.steps).toEqual([expect.objectContaining({ id: 'clean@2026-01-03', action: 'blocked', reason: expect.objectContaining({ upstream: 'source', why: expect.stringContaining('failed blocking check gate') }) })])
    expect(calls).toEqual([])
    // Other partitions are not affected.
    const other = await run(toyDefinitions({ failingChecks }), { selection: '+clean', partition: '2026-01-04' })
    expect(other.record.status).toBe('success')

    // Rebuilt but still failing: still blocked.
    const again = await run(toyDefinitions({ failingChecks }), { selection: '+clean', partition: '2026-01-03' })
    expect(again.record.steps.find((s) => s.asset === 'clean')?.status).toBe('blocked')

    // The input is fixed; selecting the upstream too rebuilds it (its check failed last time) and then the downstream runs.
    const fixed: string[] = []
    const rebuilt = await run(toyDefinitions({ calls: fixed }), { selection: '+clean', partition: '2026-01-03' })
    expect(rebuilt.runPlan.steps.find((s) => s.asset === 'source')?.reason).toEqual({ kind: 'failed-check', check: 'gate' })
    expect(fixed).toEqual(['source@2026-01-03', 'clean@2026-01-03'])
    expect(rebuilt.record.status).toBe('success')
  })

  it('recheckPartition reruns checks without rebuilding, stores them in the manifest and unblocks downstream', async () => {
    const failingChecks = new Set(['source@2026-01-03'])
    await run(toyDefinitions({ failingChecks }), { selection: 'source', partition: '2026-01-03' })
    const before = await storage.readManifest('source', 'dt=2026-01-03')
    const definitions = toyDefinitions()
    const outcome = await recheckPartition({ graph: definitions.graph, storage, duckdb, runId: newRunId(new Date()) }, 'source', '2026-01-03')
    expect(outcome).toMatchObject({ status: 'checked', checks: [{ name: 'gate', passed: true }] })
    const after = await storage.readManifest('source', 'dt=2026-01-03')
    expect(after).toMatchObject({ dataVersion: before?.dataVersion, runId: before?.runId, committedAt: before?.committedAt, checks: [{ passed: true }] })
    const calls: string[] = []
    const next = await run(toyDefinitions({ calls }), { selection: 'clean', partition: '2026-01-03' })
    expect(next.record.status).toBe('success')
    expect(calls).toEqual(['clean@2026-01-03'])
    expect(await recheckPartition({ graph: definitions.graph, storage, duckdb, runId: newRunId(new Date()) }, 'source', '2026-01-09')).toMatchObject({ status: 'missing' })
  })
})
