import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { statusOf } from '../../../framework/cli/commands/status-command.js'
import { loadStoredState } from '../../../framework/planner/index.js'
import { LocalStorage } from '../../../framework/storage/local-storage.js'
import { UiModel } from '../../../framework/ui/ui-model.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'
import { platform } from '../../../resources/platform.js'

let root: string
const definitions = toyDefinitions()
const app: StrataApp = { name: 'strata', version: '0.0.0-test', platform, load: async () => definitions }
const storage = () => new LocalStorage(join(root, 'storage'))

async function cli(...argv: string[]): Promise<void> {
  const io = captureIo({ STRATA_STORAGE: join(root, 'storage'), STRATA_LANDING: join(root, 'landing') }, root)
  expect(await runCli(argv, io, app), io.err()).toBe(0)
}

/** The same graph, but clean(2026-02-10) throws: a failure record in the middle of the range. */
async function failingCli(...argv: string[]): Promise<void> {
  const io = captureIo({ STRATA_STORAGE: join(root, 'storage'), STRATA_LANDING: join(root, 'landing') }, root)
  expect(await runCli(argv, io, { ...app, load: async () => toyDefinitions({ failing: new Set(['clean@2026-02-10']) }) })).toBe(1)
}

/** What a full `status` over the model's range says now, sorted for comparison. */
async function fullStatus(from: string, to: string) {
  const state = await loadStoredState(storage(), definitions.graph)
  return sorted(statusOf(definitions.graph, state, { selection: '*', from, to }).cells)
}
const sorted = <T extends { asset: string; partition: string }>(cells: readonly T[]) => [...cells].sort((a, b) => `${a.asset}@${a.partition}`.localeCompare(`${b.asset}@${b.partition}`))

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-ui-model-'))
  await cli('materialize', '+score', '--from', '2026-01-01', '--to', '2026-02-28')
})
afterAll(async () => rm(root, { recursive: true, force: true }))

describe('UiModel', () => {
  it('re-plans only from the changed days, and gets what a full status gets', async () => {
    const model = await UiModel.open(definitions, storage())
    const first = await model.status()
    expect(sorted(first.cells)).toEqual(await fullStatus(first.from, first.to))

    // New partitions late in the range: label and report, which read the weekly model.
    await cli('materialize', '+report', '--from', '2026-02-16', '--to', '2026-02-20')
    await model.refresh(true)
    const second = await model.status()
    expect(second.from).toBe(first.from)
    expect(sorted(second.cells)).toEqual(await fullStatus(second.from, second.to))
    expect(second.health.get('report')?.counts.materialized).toBe(5)

    // A failed rebuild in the middle: clean(2026-02-10) is failed, and what reads it (lookback 3,
    // the weeks of model that read those, the labels of those weeks) is stale.
    await failingCli('materialize', 'clean', '--partition', '2026-02-10', '--force')
    await model.refresh(true)
    const third = await model.status()
    const full = await fullStatus(third.from, third.to)
    expect(sorted(third.cells)).toEqual(full)
    expect(full.find((cell) => cell.asset === 'clean' && cell.partition === '2026-02-10')?.state).toBe('failed')
    expect(full.filter((cell) => cell.state === 'stale').map((cell) => `${cell.asset}@${cell.partition}`)).toEqual(expect.arrayContaining(['rolling@2026-02-10', 'rolling@2026-02-12', 'score@2026-02-12', 'model@2026-02-16', 'report@2026-02-16']))

    // The range grows: new days after the old end.
    await cli('materialize', '+score', '--from', '2026-03-01', '--to', '2026-03-20')
    await model.refresh(true)
    const fourth = await model.status()
    expect(fourth.to).toBe('2026-03-20')
    expect(sorted(fourth.cells)).toEqual(await fullStatus(fourth.from, fourth.to))
  })
})
