import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { toyScheduledDefinitions } from '../../fixtures/toy-scheduled-definitions.js'
import { platform } from '../../../resources/platform.js'

let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-freshness-cli-'))
  // score built for 01-01 … 01-09 except 01-05 (a late partition in the middle of the range)
  for (const range of [['2026-01-01', '2026-01-04'], ['2026-01-06', '2026-01-09']]) expect((await cli('backfill', '+score', '--from', range[0]!, '--to', range[1]!)).code).toBe(0)
})
afterAll(async () => rm(root, { recursive: true, force: true }))

const app: StrataApp = {
  name: 'strata',
  version: '0',
  platform,
  load: async () => toyScheduledDefinitions({ freshness: { score: { dueBy: '03:00Z', warnAfter: '02:00Z' } }, landingDays: ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09'] }),
}

async function cli(...argv: string[]) {
  const io = captureIo({ STRATA_STORAGE: join(root, 'storage') }, root)
  const code = await runCli(argv, io, app)
  return { code, out: io.out(), err: io.err() }
}

describe('strata freshness', () => {
  it('lists the late partition in the middle of the range with its lag, and exits 1', async () => {
    const { code, out } = await cli('freshness', '--at', '2026-01-10T01:00:00Z')
    expect(code).toBe(1)
    expect(out).toMatch(/score\s+late\s+D due by 03:00Z on D\+1, warn after 02:00Z\s+2026-01-08\s+3d 22h\s+2026-01-05/)
    expect(out).toMatch(/landing \(source\)\s+fresh/)
  })

  it('--json has each asset state, late partitions and lag', async () => {
    const { code, out } = await cli('freshness', '--at', '2026-01-10T02:30:00+00:00', '--json')
    expect(code).toBe(1)
    const report = JSON.parse(out) as { ok: boolean; assets: { asset: string; state: string; late: { partition: string }[]; warn: { partition: string }[] }[] }
    expect(report.ok).toBe(false)
    const score = report.assets.find((a) => a.asset === 'score')
    expect(score?.late.map((p) => p.partition)).toEqual(['2026-01-05'])
    expect(report.assets.find((a) => a.asset === 'landing')?.state).toBe('fresh') // 01-09 landed; it was due at 01:00 on 01-10
  })

  it('works from manifests at a time before any deadline and exits 0 when nothing is late', async () => {
    const { code, out } = await cli('freshness', '--at', '2026-01-05T02:00:00Z')
    expect(code).toBe(0)
    expect(out).toContain('nothing late')
  })

  it('late landing data alone fails it: exit 1, the source row late, the assets fresh', async () => {
    // Only the landing has a policy here; ingest_date=2026-01-09 was due at 01:00 on 01-10.
    const landingOnly: StrataApp = { name: 'strata', version: '0', platform, load: async () => toyScheduledDefinitions({ landingDays: ['2026-01-06', '2026-01-07', '2026-01-08'] }) }
    const io = captureIo({ STRATA_STORAGE: join(root, 'storage') }, root)
    const code = await runCli(['freshness', '--at', '2026-01-10T01:30:00Z'], io, landingOnly)
    expect(io.out()).toMatch(/landing \(source\)\s+late\s+D due by 01:00Z on D\+1, warn after 00:30Z\s+2026-01-09\s+30m\s+2026-01-09/)
    expect(code).toBe(1)
    const onTime = captureIo({ STRATA_STORAGE: join(root, 'storage') }, root)
    expect(await runCli(['freshness', '--at', '2026-01-10T00:59:00Z'], onTime, landingOnly)).toBe(0)
  })

  it.each(['yesterday', '2026-01-10T01:00:00', '2026-01-32T00:00:00Z'])('a bad --at (%s) exits 2 with a hint', async (value) => {
    const { code, err } = await cli('freshness', '--at', value)
    expect(code).toBe(2)
    expect(err).toContain('hint: e.g. --at 2026-03-02T03:30:00Z')
  })
})
