import { appendFile, readFile, rename, utimes, writeFile } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { loadDefinitions } from '../../../assets/definitions.js'
import type { Manifest } from '../../../framework/storage/index.js'
import { platform } from '../../../resources/platform.js'

const app: StrataApp = { name: 'strata', version: '0.0.0-test', platform, load: loadDefinitions }
let root: string

async function cli(...argv: string[]) {
  const io = captureIo({ STRATA_STORAGE: join(root, 'storage'), STRATA_LANDING: join(root, 'landing'), CI: '1' }, root)
  const code = await runCli(argv, io, app)
  return { code, out: io.out(), err: io.err() }
}

interface DryStep {
  id: string
  action: string
  reason: { kind: string; change?: string }
}
async function dryRun(): Promise<DryStep[]> {
  const { code, out } = await cli('materialize', '+curated', '--from', '2026-09-05', '--to', '2026-09-07', '--dry-run', '--json')
  expect(code).toBe(0)
  return (JSON.parse(out) as { steps: DryStep[] }).steps
}
const toRun = (steps: DryStep[]) => steps.filter((step) => step.action === 'run').map((step) => step.id)
const day = (d: string) => join(root, 'landing', `ingest_date=${d}`)

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-source-'))
  expect((await cli('generate-sample', '--customers', '200', '--days', '8', '--start', '2026-09-01', '--seed', '13', '--profile', 'light')).code).toBe(0)
  expect((await cli('materialize', '+curated', '--from', '2026-09-05', '--to', '2026-09-07')).code).toBe(0)
}, 60_000)
afterAll(async () => rm(root, { recursive: true, force: true }))

describe('the landing as an observed source', () => {
  it('records the fingerprint of every landing file raw read', async () => {
    const manifest = JSON.parse(await readFile(join(root, 'storage', 'raw', 'dt=2026-09-07', '_manifest.json'), 'utf8')) as Manifest
    expect(manifest.source?.source).toBe('landing')
    expect(manifest.source?.files.map((file) => file.name)).toEqual(['channel_events.csv', 'customers.csv', 'marketing.csv', 'statements.csv', 'tickets.csv', 'trades.csv'])
    for (const file of manifest.source?.files ?? []) expect(file).toMatchObject({ bytes: expect.any(Number), modified: expect.any(String), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(toRun(await dryRun())).toEqual([])
  })

  it('a re-delivered file with one more row makes raw(D) and its downstream stale, naming the file; a run rebuilds just those', async () => {
    const trades = join(day('2026-09-07'), 'trades.csv')
    const lines = (await readFile(trades, 'utf8')).trimEnd().split('\n')
    const last = lines.at(-1) as string
    await appendFile(trades, `${last.replace(/^[^,]*/, 'T9999999')}\n`)
    const steps = await dryRun()
    expect(toRun(steps)).toEqual(['raw@2026-09-07', 'curated@2026-09-07'])
    const raw = steps.find((step) => step.id === 'raw@2026-09-07')
    expect(raw?.reason.kind).toBe('source-changed')
    expect(raw?.reason.change).toMatch(/^trades\.csv: [\d,]+ → [\d,]+ bytes, modified \d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/)

    const status = await cli('status', 'raw', '--from', '2026-09-05', '--to', '2026-09-07', '--json')
    const cell = (JSON.parse(status.out) as { partitions: { partition: string; state: string; reason: string }[] }).partitions.find((p) => p.partition === '2026-09-07')
    expect(cell).toMatchObject({ state: 'stale', reason: expect.stringContaining('landing changed since it was built: trades.csv') })

    const run = await cli('materialize', '+curated', '--from', '2026-09-05', '--to', '2026-09-07')
    expect(run.code).toBe(0)
    expect(run.out).toMatch(/2 succeeded/)
    expect(toRun(await dryRun())).toEqual([])
  })

  it('a touched file with the same bytes changes nothing; other bytes of the same size do', async () => {
    const file = join(day('2026-09-06'), 'marketing.csv')
    const later = new Date(Date.now() + 60_000)
    await utimes(file, later, later)
    expect(toRun(await dryRun())).toEqual([])
    const text = await readFile(file, 'utf8')
    const swapped = text.replace(/webinar_attended|email_open/, (word) => (word === 'email_open' ? 'email_opeN' : 'webinar_attendeD'))
    expect(swapped.length).toBe(text.length)
    await writeFile(file, swapped)
    await utimes(file, later, later)
    const steps = await dryRun()
    expect(steps.find((step) => step.id === 'raw@2026-09-06')?.reason.change).toMatch(/^marketing\.csv: [\d,]+ bytes, content changed/)
  })

  it('a removed file, or a gzipped one beside it, makes the partition stale', async () => {
    const file = join(day('2026-09-05'), 'tickets.csv')
    await rename(file, `${file}.bak`)
    expect((await dryRun()).find((step) => step.id === 'raw@2026-09-05')?.reason.change).toBe('tickets.csv: removed')
    await rename(`${file}.bak`, file)
    await writeFile(join(day('2026-09-05'), 'notes.txt'), 'not a landing file')
    expect(toRun(await dryRun())).toEqual(['raw@2026-09-06', 'curated@2026-09-06'])
  })
})
