import { mkdtemp, rm, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'
import { platform } from '../../../resources/platform.js'

let root: string
const app: StrataApp = { name: 'strata', version: '0', platform, load: async () => toyDefinitions(), commandSummaries: { 'make-things': 'a command the definitions add' } }

async function cli(...argv: string[]) {
  const io = captureIo({ STRATA_STORAGE: join(root, 'storage') }, root)
  const code = await runCli(argv, io, app)
  return { code, out: io.out(), err: io.err() }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-edges-'))
  expect((await cli('backfill', '+score', '--from', '2026-01-01', '--to', '2026-01-06')).code).toBe(0)
  expect((await cli('backfill', '+score', '--from', '2026-01-01', '--to', '2026-01-06')).out).toContain('nothing to do')
})
afterAll(async () => rm(root, { recursive: true, force: true }))

describe('the smaller edges a newcomer meets', () => {
  it('strata --help lists the commands the definitions add, without loading them', async () => {
    let loaded = false
    const io = captureIo({}, root)
    expect(await runCli(['--help'], io, { ...app, load: async () => ((loaded = true), toyDefinitions()) })).toBe(0)
    expect(io.out()).toMatch(/make-things\s+a command the definitions add/)
    expect(loaded).toBe(false)
  })

  it('a glob-like selection points at + ; the concurrency default in --help is the README one', async () => {
    const glob = await cli('materialize', '*score', '--partition', '2026-01-05', '--dry-run')
    expect(glob.code).toBe(2)
    expect(glob.err).toContain('"*" is not a wildcard here; for score and everything upstream write +score')
    const after = await cli('materialize', 'score*', '--partition', '2026-01-05', '--dry-run')
    expect(after.err).toContain('for score and everything downstream write score+')
    expect((await cli('materialize', '--help')).out).toMatch(/the number of cores \+\s+1/)
  })

  it('check with a date before the first partition says so (exit 2), not "declares no checks"', async () => {
    const { code, err } = await cli('check', 'source', '--partition', '2025-12-01')
    expect(code).toBe(2)
    expect(err).toContain('2025-12-01 is outside the partitions of source (2026-01-01)')
    expect(err).not.toContain('declares')
  })

  it('runs hides runs that had nothing to do (--all shows them); runs show takes a unique prefix and --json', async () => {
    const listed = await cli('runs')
    expect(listed.out).toContain('(1 run with nothing to do not shown; --all lists them)')
    const shown = JSON.parse((await cli('runs', '--json')).out) as { runId: string }[]
    expect(shown).toHaveLength(1)
    expect(JSON.parse((await cli('runs', '--all', '--json')).out)).toHaveLength(2)
    const runId = shown[0]!.runId
    const detail = await cli('runs', 'show', runId.slice(0, runId.length - 2), '--json')
    expect(detail.code).toBe(0)
    expect(JSON.parse(detail.out)).toMatchObject({ runId, status: 'success' })
    const ambiguous = await cli('runs', 'show', runId.slice(0, 4))
    expect(ambiguous.code).toBe(2)
    expect(ambiguous.err).toMatch(/is the start of 2 runs/)
  })

  it("repair's rebuild hint is a command that runs as printed", async () => {
    await unlink(join(root, 'storage', 'score', 'dt=2026-01-03', 'value.json'))
    await unlink(join(root, 'storage', 'clean', 'dt=2026-01-05', 'value.json'))
    const { code, out } = await cli('repair')
    expect(code).toBe(0)
    expect(out).toContain('rebuild them with: strata materialize clean,score --from 2026-01-03 --to 2026-01-05')
    expect(out).not.toContain('…')
  })
})
