import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { RunStore, type RunRecord } from '../../../framework/runs/index.js'
import { LocalStorage } from '../../../framework/storage/index.js'
import { toyDefinitions, type ToyOptions } from '../../fixtures/toy-definitions.js'
import { platform } from '../../../resources/platform.js'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-outcomes-'))
})
afterEach(async () => rm(root, { recursive: true, force: true }))

async function cli(options: ToyOptions, ...argv: string[]) {
  const app: StrataApp = { name: 'strata', version: '0.0.0-test', platform, load: async () => toyDefinitions(options) }
  const io = captureIo({ STRATA_STORAGE: join(root, 'storage'), STRATA_LANDING: join(root, 'landing') }, root)
  const code = await runCli(argv, io, app)
  return { code, out: io.out(), err: io.err() }
}

const stepOf = (record: RunRecord, asset: string, partition: string) => record.steps.find((s) => s.asset === asset && s.partition === partition)

describe('run records, summary lines and exit codes agree', () => {
  it('a downstream of a partition that failed a blocking check in an earlier run: blocked, recorded failed, exit 1', async () => {
    const failingChecks = new Set(['source@2026-01-03'])
    expect((await cli({ failingChecks }, 'materialize', 'source', '--partition', '2026-01-03')).code).toBe(1)
    const { code, out } = await cli({ failingChecks }, 'materialize', 'clean', '--partition', '2026-01-03')
    expect(code).toBe(1)
    expect(out).toMatch(/^run \S+: failed in [\d.]+ s — 0 succeeded, 0 failed, 1 blocked$/m)
    expect(out).toContain('blocked clean(2026-01-03): blocked: source(2026-01-03) failed blocking check gate')
    expect(out).not.toContain('nothing to do')
    const runId = /^run (\S+):/m.exec(out)?.[1] ?? ''
    const recorded = await new RunStore(new LocalStorage(join(root, 'storage'))).read(runId)
    expect(recorded).toMatchObject({ status: 'failed', counts: { blocked: 1, succeeded: 0, failed: 0, skipped: 0, upToDate: 0 } })
    expect(recorded.steps).toEqual([expect.objectContaining({ asset: 'clean', partition: '2026-01-03', status: 'blocked' })])
  })

  it('--json prints the record with the four non-run outcomes apart: up-to-date, blocked, skipped, canceled', async () => {
    expect((await cli({}, 'backfill', 'source,clean', '--from', '2026-01-01', '--to', '2026-01-02')).code).toBe(0)
    const failingChecks = new Set(['source@2026-01-03'])
    const failing = new Set(['source@2026-01-04'])
    const { code, out } = await cli({ failingChecks, failing }, 'backfill', 'source,clean', '--from', '2026-01-01', '--to', '2026-01-05', '--json')
    expect(code).toBe(1)
    const record = JSON.parse(out) as RunRecord
    expect(record.status).toBe('failed')
    expect(stepOf(record, 'clean', '2026-01-01')).toMatchObject({ status: 'up-to-date', reason: 'up to date' })
    expect(stepOf(record, 'source', '2026-01-03')).toMatchObject({ status: 'failed', error: { code: 'check' } })
    expect(stepOf(record, 'clean', '2026-01-03')).toMatchObject({ status: 'blocked', reason: 'upstream source@2026-01-03 failed blocking check gate' })
    expect(stepOf(record, 'clean', '2026-01-04')).toMatchObject({ status: 'skipped', reason: 'upstream source@2026-01-04 failed' })
    expect(stepOf(record, 'clean', '2026-01-05')?.status).toBe('success')
    expect(record.counts).toEqual({ planned: 10, succeeded: 2, failed: 2, upToDate: 4, blocked: 1, skipped: 1, canceled: 0 })
  })

  it('the summary line names each outcome; runs show prints the words', async () => {
    await cli({}, 'backfill', 'source,clean', '--from', '2026-01-01', '--to', '2026-01-01')
    const { code, out } = await cli({ failingChecks: new Set(['source@2026-01-02']), failing: new Set(['source@2026-01-03']) }, 'backfill', 'source,clean', '--from', '2026-01-01', '--to', '2026-01-03')
    expect(code).toBe(1)
    expect(out).toMatch(/^run (\S+): failed in [\d.]+ s — 0 succeeded, 2 failed, 1 blocked, 1 skipped \(upstream failed\), 2 up to date$/m)
    const runId = /^run (\S+):/m.exec(out)?.[1] ?? ''
    const shown = await cli({}, 'runs', 'show', runId)
    expect(shown.out).toMatch(/clean\s+2026-01-03\s+skipped \(upstream failed\)/)
    expect(shown.out).toMatch(/clean\s+2026-01-02\s+blocked/)
    expect(shown.out).toContain('2 up to date')
    expect(shown.out).not.toMatch(/2026-01-01\s+up to date/)
  })

  it('a run where everything is up to date succeeds and says so', async () => {
    await cli({}, 'materialize', 'source', '--partition', '2026-01-01')
    const { code, out } = await cli({}, 'materialize', 'source', '--partition', '2026-01-01')
    expect(code).toBe(0)
    expect(out).toMatch(/success in [\d.]+ s — 0 succeeded, 0 failed, 1 up to date/)
    expect(out).toContain('nothing to do')
  })
})
