import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'
import { platform } from '../../../resources/platform.js'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-cli-'))
})
afterEach(async () => rm(root, { recursive: true, force: true }))

const app: StrataApp = { name: 'strata', version: '0.0.0-test', platform, load: async () => toyDefinitions() }

async function cli(...argv: string[]) {
  const io = captureIo({ STRATA_STORAGE: join(root, 'storage'), STRATA_LANDING: join(root, 'landing') }, root)
  const code = await runCli(argv, io, app)
  return { code, out: io.out(), err: io.err() }
}

describe('strata CLI', () => {
  it('--help lists the commands and exits 0', async () => {
    const { code, out } = await cli('--help')
    expect(code).toBe(0)
    for (const command of ['materialize', 'backfill', 'status', 'show', 'lineage', 'assets', 'runs']) expect(out).toContain(command)
  })

  it('lists assets with partitions and dependencies', async () => {
    const { code, out } = await cli('assets', '--json')
    expect(code).toBe(0)
    const assets = JSON.parse(out) as { asset: string; partitions: string; deps: { asset: string }[] }[]
    expect(assets.map((a) => a.asset)).toEqual(['source', 'clean', 'rolling', 'score', 'model', 'label', 'report'])
    expect(assets.find((a) => a.asset === 'label')?.deps.map((d) => d.asset)).toEqual(['score', 'model', 'label'])
  })

  it('prints asset lineage as mermaid, with the self-dependency', async () => {
    const { code, out } = await cli('lineage', 'label', '--upstream', '--format', 'mermaid')
    expect(code).toBe(0)
    expect(out).toMatch(/^graph LR/)
    expect(out).toContain('source -->')
    expect(out).toMatch(/label -->\|"[^"]*"\| label/)
  })

  it('dry-runs a plan: counts per asset, first/last partition and reasons; --json has every step', async () => {
    const { code, out } = await cli('materialize', '+report', '--partition', '2026-01-20', '--dry-run')
    expect(code).toBe(0)
    expect(out).toMatch(/plan for \+report over 2026-01-20: \d+ to run, 0 up to date, 0 blocked/)
    expect(out).toMatch(/label\s+16\s+0\s+0\s+2026-01-05\s+2026-01-20\s+missing \(16\)/)
    const json = await cli('materialize', '+report', '--partition', '2026-01-20', '--dry-run', '--json')
    const steps = (JSON.parse(json.out) as { steps: { id: string; action: string }[] }).steps
    expect(steps.at(-1)).toMatchObject({ id: 'report@2026-01-20', action: 'run' })
  })

  it.each([
    [['materialize', 'score', '--partition', '2026-02-30', '--dry-run'], /not a real calendar date/],
    [['materialize', 'score', '--partition', '2026-1-1', '--dry-run'], /not a date/],
    [['materialize', 'score', '--from', '2026-01-10', '--to', '2026-01-01', '--dry-run'], /after --to/],
    [['materialize', 'scroe', '--partition', '2026-01-10', '--dry-run'], /unknown asset "scroe"[\s\S]*did you mean "score"/],
    [['materialize', 'label', '--partition', '2026-01-02', '--dry-run'], /before the first partition of asset label \(2026-01-05\)/],
    [['materialize', "score'; DROP TABLE x; --", '--partition', '2026-01-10'], /selection/],
    [['materialize', 'score'], /no partitions given/],
    [['backfill', 'score', '--from', '2026-01-01'], /backfill needs --from and --to/],
    [['materialize', 'score', '--partition', '2026-01-10', '--concurrency', 'lots'], /--concurrency/],
    [['lineage', 'score', '--format', 'svg'], /--format "svg"/],
    [['show', 'score', '--partition', '2026-01-10'], /is not materialized/],
    [['runs', 'show', 'nope'], /./],
    [['frobnicate'], /unknown command/],
  ])('exits 2 with a clear message on bad input: %j', async (argv, message) => {
    const { code, err } = await cli(...argv)
    expect(err).toMatch(message)
    expect(code).toBe(2)
  })

  it('materializes, then status, show, runs and partition lineage read what was committed', async () => {
    const run = await cli('backfill', '*', '--from', '2026-01-01', '--to', '2026-01-12')
    expect(run.err).toBe('')
    expect(run.code).toBe(0)
    expect(run.out).toMatch(/run \S+: success/)
    const again = await cli('backfill', '*', '--from', '2026-01-01', '--to', '2026-01-12')
    expect(again.out).toContain('nothing to do: every partition asked for is up to date')

    const status = await cli('status', '--from', '2026-01-01', '--to', '2026-01-14', '--json')
    const cells = (JSON.parse(status.out) as { partitions: { asset: string; partition: string; state: string }[] }).partitions
    expect(cells.find((c) => c.asset === 'score' && c.partition === '2026-01-12')?.state).toBe('materialized')
    expect(cells.find((c) => c.asset === 'score' && c.partition === '2026-01-13')?.state).toBe('missing')
    const grid = await cli('status', '--from', '2026-01-01', '--to', '2026-01-14')
    expect(grid.out).toMatch(/score\s+(#\s+){12}\.\s+\.\n/)

    const show = await cli('show', 'score', '--partition', '2026-01-05')
    expect(JSON.parse(show.out)).toMatchObject({ partition: '2026-01-05' })

    const runs = await cli('runs', '--all', '--json')
    const records = JSON.parse(runs.out) as { runId: string; status: string }[]
    expect(records).toHaveLength(2)
    const detail = await cli('runs', 'show', records[1]!.runId)
    expect(detail.out).toContain('success')

    const lineage = await cli('lineage', 'rolling', '--partition', '2026-01-05')
    expect(lineage.out).toMatch(/^rolling\(2026-01-05\) data [0-9a-f]{12}/)
    expect(lineage.out).toContain('clean 2026-01-03 … 2026-01-05, 3 partitions')
    expect(lineage.out).toContain('… source (--depth 2 or more to see their partitions)')
    expect((await cli('lineage', 'rolling', '--partition', '2026-01-05', '--depth', '2')).out).toContain('source 2026-01-03 … 2026-01-05, 3 partitions')
  })
})
