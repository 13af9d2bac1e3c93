import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'
import { platform } from '../../../resources/platform.js'

let root: string
const app: StrataApp = { name: 'strata', version: '0', platform, load: async () => toyDefinitions() }

async function cli(...argv: string[]) {
  const io = captureIo({ STRATA_STORAGE: join(root, 'storage') }, root)
  const code = await runCli(argv, io, app)
  return { code, out: io.out(), err: io.err() }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-partition-lineage-'))
  // label(D) reads score(D), the model of D's week and label(D-1): a chain back to 2026-01-05.
  expect((await cli('backfill', '*', '--from', '2026-01-01', '--to', '2026-01-31')).code).toBe(0)
})
afterAll(async () => rm(root, { recursive: true, force: true }))

describe('partition lineage', () => {
  it('by default shows one level of partitions, names the assets further up, and summarises the self-dependency chain in one line', async () => {
    const { code, out } = await cli('lineage', 'label', '--partition', '2026-01-31')
    expect(code).toBe(0)
    const lines = out.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^label\(2026-01-31\) data [0-9a-f]{12}$/)
    expect(lines).toContainEqual(expect.stringMatching(/^├─ score\(2026-01-31\) data [0-9a-f]{12}$/))
    expect(lines).toContainEqual(expect.stringMatching(/^├─ model\(2026-01-26\) data [0-9a-f]{12}$/))
    expect(lines).toContain('└─ label 2026-01-05 … 2026-01-30, 26 partitions, each from the day before')
    expect(lines).toContain('│  └─ … source, clean, rolling (--depth 2 or more to see their partitions)')
    expect(lines.length).toBeLessThanOrEqual(8)
  })

  it('--depth N expands N levels; windows are one range line', async () => {
    const { out } = await cli('lineage', 'label', '--partition', '2026-01-31', '--depth', '3')
    expect(out).toContain('rolling 2026-01-12 … 2026-01-25, 14 partitions') // the model's training window
    expect(out).toContain('clean 2026-01-29 … 2026-01-31, 3 partitions') // rolling(D) looks back 3 days
    expect(out.split('\n').length).toBeLessThan(20)
  })

  it('json, dot and mermaid have one node per line of the text', async () => {
    const text = (await cli('lineage', 'label', '--partition', '2026-01-31', '--depth', '2')).out.trimEnd().split('\n')
    const json = JSON.parse((await cli('lineage', 'label', '--partition', '2026-01-31', '--depth', '2', '--json')).out) as { asset: string; partitions: string[]; chain?: { step: string }; children: unknown[] }
    expect(json.asset).toBe('label')
    expect(json.children).toContainEqual(expect.objectContaining({ asset: 'label', chain: { step: 'each from the day before' } }))
    const dot = (await cli('lineage', 'label', '--partition', '2026-01-31', '--depth', '2', '--format', 'dot')).out
    expect(dot.match(/ -> /g)?.length).toBe(text.length - 1)
    expect(dot.trimEnd().endsWith('}')).toBe(true)
    const mermaid = (await cli('lineage', 'label', '--partition', '2026-01-31', '--depth', '2', '--format', 'mermaid')).out
    expect(mermaid).toMatch(/^graph LR/)
    expect(mermaid.match(/ --> /g)?.length).toBe(text.length - 1)
  })

  it('downstream: the readers, grouped per asset, with the chain of later days in one line', async () => {
    const { code, out } = await cli('lineage', 'label', '--partition', '2026-01-10', '--downstream', '--depth', '2')
    expect(code).toBe(0)
    expect(out).toContain('label 2026-01-11 … 2026-01-31, 21 partitions, each read by the day after')
    expect(out).toContain('report 2026-01-10 … 2026-01-11, 2 partitions') // report(D) reads label(D) and label(D-1)
  })

  it('a partition that is not materialized says so and exits 2; a bad --depth too', async () => {
    const missing = await cli('lineage', 'label', '--partition', '2026-02-05')
    expect(missing.code).toBe(2)
    expect(missing.err).toContain('label(2026-02-05) is not materialized, so it has no lineage yet')
    expect(missing.err).toContain('hint: Materialize it first: strata materialize +label --partition 2026-02-05')
    const depth = await cli('lineage', 'label', '--partition', '2026-01-31', '--depth', '0')
    expect(depth.code).toBe(2)
    expect(depth.err).toContain('--depth "0" is not a whole number from 1 to 1000')
  })
})
