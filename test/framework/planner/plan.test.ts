import { describe, expect, it } from 'vitest'
import { plan, storedStateOf, type RunPlan } from '../../../framework/planner/index.js'
import type { Manifest } from '../../../framework/storage/index.js'
import { StrataError } from '../../../framework/errors/index.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'

const { graph } = toyDefinitions()
const empty = storedStateOf([])

function manifest(asset: string, partition: string, upstream: { asset: string; partition: string }[] = [], extra: Partial<Manifest> = {}): Manifest {
  return {
    formatVersion: 1,
    asset,
    partition,
    runId: 'r1',
    startedAt: '2026-02-01T00:00:00.000Z',
    committedAt: '2026-02-01T00:00:01.000Z',
    codeVersion: `${asset}-v1`,
    dataVersion: `${asset}@${partition}`,
    upstream: upstream.map((u) => ({ ...u, dataVersion: `${u.asset}@${u.partition}` })),
    rowCount: 1,
    schema: [],
    files: [],
    checks: [],
    metadata: {},
    ...extra,
  }
}

/** Every step of a plan materialized, as manifests recording exactly what each read. */
function materializedState(runPlan: RunPlan): Manifest[] {
  return runPlan.steps.map((step) => manifest(step.asset, step.partition, step.inputs.flatMap((input) => input.partitions.map((partition) => ({ asset: input.asset, partition })))))
}

function assertTopological(runPlan: RunPlan): void {
  const position = new Map(runPlan.steps.map((step, i) => [step.id, i]))
  for (const step of runPlan.steps) {
    for (const dep of step.dependsOn) expect(position.get(dep)!).toBeLessThan(position.get(step.id)!)
    for (const input of step.inputs) for (const p of input.partitions) {
      const id = `${input.asset}@${p}`
      if (position.has(id)) expect(position.get(id)!).toBeLessThan(position.get(step.id)!)
    }
  }
}

describe('plan', () => {
  it('pulls in everything one day needs on an empty store, transitively, in dependency order', () => {
    const p = plan(graph, { selection: '+report', partition: '2026-01-20' }, empty)
    const ids = new Set(p.steps.map((s) => s.id))
    // label(D) needs label(D-1) back to its first partition, and the weeks' models.
    for (const day of ['2026-01-05', '2026-01-12', '2026-01-19', '2026-01-20']) expect(ids.has(`label@${day}`)).toBe(true)
    expect(ids.has('model@2026-01-19')).toBe(true)
    expect(ids.has('model@2026-01-05')).toBe(true)
    // the model of week 2026-01-19 trains on rolling(01-05 … 01-18), which needs clean(01-03 … 01-18)
    expect(ids.has('rolling@2026-01-05')).toBe(true)
    expect(ids.has('clean@2026-01-03')).toBe(true)
    expect(ids.has('source@2026-01-01')).toBe(true)
    expect(p.steps.every((s) => s.action === 'run' && (s.reason.kind === 'missing'))).toBe(true)
    expect(p.steps.filter((s) => s.requested).map((s) => s.id).sort()).toEqual(['clean@2026-01-20', 'label@2026-01-20', 'model@2026-01-19', 'report@2026-01-20', 'rolling@2026-01-20', 'score@2026-01-20', 'source@2026-01-20'])
    assertTopological(p)
    // self-dependency ordered day by day
    const labels = p.steps.filter((s) => s.asset === 'label')
    for (let i = 1; i < labels.length; i++) expect(labels[i]!.dependsOn).toContain(labels[i - 1]!.id)
  })

  it('skips what is up to date and says why', () => {
    const first = plan(graph, { selection: '*', from: '2026-01-01', to: '2026-01-30' }, empty)
    const second = plan(graph, { selection: '*', from: '2026-01-01', to: '2026-01-30' }, storedStateOf(materializedState(first)))
    expect(second.steps.every((s) => s.action === 'skip' && s.reason.kind === 'up-to-date')).toBe(true)
  })

  it('a changed code version makes exactly that asset and its downstream stale', () => {
    const first = plan(graph, { selection: '*', from: '2026-01-01', to: '2026-01-30' }, empty)
    const changed = toyDefinitions({ codeVersions: { score: 'score-v2' } }).graph
    const again = plan(changed, { selection: '*', from: '2026-01-01', to: '2026-01-30' }, storedStateOf(materializedState(first)))
    const running = new Set(again.steps.filter((s) => s.action === 'run').map((s) => s.asset))
    expect([...running].sort()).toEqual(['label', 'report', 'score'])
    expect(again.steps.find((s) => s.id === 'score@2026-01-10')!.reason).toEqual({ kind: 'code-version-changed', from: 'score-v1', to: 'score-v2' })
    expect(again.steps.find((s) => s.id === 'report@2026-01-10')!.reason.kind).toBe('upstream-rebuilt')
  })

  it('a changed upstream data version makes the reader stale', () => {
    const first = plan(graph, { selection: 'clean,rolling', from: '2026-01-01', to: '2026-01-10' }, storedStateOf([]))
    const manifests = materializedState(first).concat(['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09', '2026-01-10'].map((d) => manifest('source', d)))
    const clean5 = manifests.findIndex((m) => m.asset === 'clean' && m.partition === '2026-01-05')
    manifests[clean5] = { ...manifests[clean5]!, dataVersion: 'new' }
    const again = plan(graph, { selection: 'rolling', from: '2026-01-01', to: '2026-01-10' }, storedStateOf(manifests))
    expect(again.steps.filter((s) => s.action === 'run').map((s) => s.partition)).toEqual(['2026-01-05', '2026-01-06', '2026-01-07'])
    expect(again.steps.find((s) => s.partition === '2026-01-06')!.reason).toEqual({ kind: 'upstream-changed', upstream: 'clean', partition: '2026-01-05' })
  })

  it('blocks a step whose upstream outside the selection is missing, naming it', () => {
    const p = plan(graph, { selection: 'score', partition: '2026-01-10' }, empty)
    expect(p.steps).toHaveLength(1)
    expect(p.steps[0]!.action).toBe('blocked')
    expect(p.steps[0]!.reason).toMatchObject({ kind: 'blocked', upstream: 'rolling', partition: '2026-01-10' })
  })

  it('blocks downstream of a partition whose blocking check failed, and reruns that partition', () => {
    const failed = manifest('source', '2026-01-10', [], { checks: [{ name: 'gate', passed: false, severity: 'error', blocking: true, message: 'closed' }] })
    const p = plan(graph, { selection: 'clean', partition: '2026-01-10' }, storedStateOf([failed]))
    expect(p.steps[0]!.reason).toMatchObject({ kind: 'blocked', upstream: 'source', why: expect.stringContaining('failed blocking check gate') })
    const withSource = plan(graph, { selection: 'source,clean', partition: '2026-01-10' }, storedStateOf([failed]))
    expect(withSource.steps.map((s) => [s.id, s.reason.kind])).toEqual([['source@2026-01-10', 'failed-check'], ['clean@2026-01-10', 'missing']])
  })

  it('reruns a partition whose last run failed', () => {
    const p = plan(graph, { selection: 'source', partition: '2026-01-10' }, storedStateOf([], [{ asset: 'source', partition: '2026-01-10', runId: 'r9', failedAt: '2026-02-02T00:00:00Z', error: 'boom' }]))
    expect(p.steps[0]!.reason).toEqual({ kind: 'failed-before', runId: 'r9', error: 'boom' })
  })

  it('--force rebuilds only the requested partitions', () => {
    const first = plan(graph, { selection: '*', from: '2026-01-01', to: '2026-01-30' }, empty)
    const forced = plan(graph, { selection: 'score', from: '2026-01-10', to: '2026-01-11', force: true }, storedStateOf(materializedState(first)))
    expect(forced.steps.map((s) => [s.id, s.action])).toEqual([['score@2026-01-10', 'run'], ['score@2026-01-11', 'run']])
  })

  it('clips a range to each asset and takes the weeks overlapping it', () => {
    const p = plan(graph, { selection: 'model', from: '2026-01-01', to: '2026-01-13' }, empty)
    expect(p.steps.filter((s) => s.requested).map((s) => s.partition)).toEqual(['2026-01-05', '2026-01-12'])
  })

  it.each([
    [{ selection: 'score', partition: '2026-02-30' }, 'partition', /not a real calendar date/],
    [{ selection: 'score', partition: '20260101' }, 'partition', /not a date/],
    [{ selection: 'score', from: '2026-01-10', to: '2026-01-01' }, 'usage', /after --to/],
    [{ selection: 'scor', partition: '2026-01-10' }, 'selection', /unknown asset/],
    [{ selection: 'label', partition: '2026-01-02' }, 'partition', /before the first partition/],
    [{ selection: 'score' }, 'usage', /no partitions given/],
  ])('rejects bad input %#', (request, code, message) => {
    const error = (() => {
      try {
        plan(graph, request, empty)
      } catch (e) {
        return e
      }
    })() as StrataError
    expect(error).toBeInstanceOf(StrataError)
    expect(error.code).toBe(code)
    expect(error.message).toMatch(message)
    expect(error.hint).toBeTruthy()
    expect(error.exitCode).toBe(2)
  })
})
