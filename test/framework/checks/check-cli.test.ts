import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { LocalStorage } from '../../../framework/storage/index.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'
import { platform } from '../../../resources/platform.js'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-check-cli-'))
})
afterEach(async () => rm(root, { recursive: true, force: true }))

async function cli(failingChecks: Set<string>, ...argv: string[]) {
  const app: StrataApp = { name: 'strata', version: '0', platform, load: async () => toyDefinitions({ failingChecks }) }
  const io = captureIo({ STRATA_STORAGE: join(root, 'storage') }, root)
  const code = await runCli(argv, io, app)
  return { code, out: io.out(), err: io.err() }
}

describe('strata check', () => {
  it('reruns checks without rebuilding, prints a table, stores results, exits 1 on a blocking failure', async () => {
    const fine = new Set<string>()
    expect((await cli(fine, 'materialize', '+clean', '--partition', '2026-01-03')).code).toBe(0)
    const failing = await cli(new Set(['source@2026-01-03']), 'check', '+clean', '--partition', '2026-01-03')
    expect(failing.code).toBe(1)
    expect(failing.out).toMatch(/asset\s+partition\s+check\s+severity\s+blocking\s+passed\s+message/)
    expect(failing.out).toMatch(/source\s+2026-01-03\s+gate\s+error\s+yes\s+NO\s+gate closed/)
    expect(failing.out).toContain('blocking failures: source(2026-01-03) gate')
    const manifest = await new LocalStorage(join(root, 'storage')).readManifest('source', 'dt=2026-01-03')
    expect(manifest?.checks).toEqual([expect.objectContaining({ name: 'gate', passed: false })])
    // the downstream is now blocked in a plan
    const dry = await cli(fine, 'materialize', 'clean', '--partition', '2026-01-03', '--dry-run', '--json')
    expect(JSON.parse(dry.out).steps[0]).toMatchObject({ action: 'blocked' })

    const passing = await cli(fine, 'check', 'source', '--partition', '2026-01-03', '--json')
    expect(passing.code).toBe(0)
    expect(JSON.parse(passing.out)).toMatchObject({ partition: '2026-01-03', results: [{ asset: 'source', check: 'gate', passed: true, blocking: true, severity: 'error' }], blockingFailures: [] })
  })

  it('a partition that is not materialized is reported and fails; bad usage exits 2', async () => {
    const missing = await cli(new Set(), 'check', 'source', '--partition', '2026-01-09')
    expect(missing.code).toBe(1)
    expect(missing.out).toContain('not materialized')
    expect((await cli(new Set(), 'check', 'source', '--partition', '2026-13-01')).code).toBe(2)
    expect((await cli(new Set(), 'check', 'source')).code).toBe(2)
  })
})
