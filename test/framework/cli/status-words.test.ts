import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'
import { platform } from '../../../resources/platform.js'

let root: string
// source(2026-01-03) commits with its blocking check failed: what reads it is blocked.
const app: StrataApp = { name: 'strata', version: '0', platform, load: async () => toyDefinitions({ failingChecks: new Set(['source@2026-01-03']) }) }

async function cli(argv: string[], stdout: { isTTY?: boolean; columns?: number } = {}) {
  const io = captureIo({ STRATA_STORAGE: join(root, 'storage') }, root)
  let out = ''
  const code = await runCli(argv, { ...io, stdout: { write: (text: string) => (out += text), ...stdout } }, app)
  return { code, out, err: io.err() }
}

type Cells = { partitions: { asset: string; partition: string; state: string; reason: string }[] }

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-status-words-'))
  await cli(['backfill', '+score', '--from', '2026-01-01', '--to', '2026-01-06', '--quiet'])
})
afterAll(async () => rm(root, { recursive: true, force: true }))

describe('status words', () => {
  it('one vocabulary: a partition has the same state whatever else is selected', async () => {
    const all = (JSON.parse((await cli(['status', '--from', '2026-01-01', '--to', '2026-01-06', '--json'])).out) as Cells).partitions
    const clean = (JSON.parse((await cli(['status', 'clean', '--from', '2026-01-01', '--to', '2026-01-06', '--json'])).out) as Cells).partitions
    expect(clean.every((cell) => cell.asset === 'clean')).toBe(true)
    for (const cell of clean) expect(all.find((other) => other.asset === 'clean' && other.partition === cell.partition)).toEqual(cell)
    // clean(2026-01-03) never ran (its source failed a blocking check): missing in both, not blocked in one
    expect(clean.find((cell) => cell.partition === '2026-01-03')).toMatchObject({ state: 'missing', reason: 'missing: not materialized yet' })
    expect(all.find((cell) => cell.asset === 'source' && cell.partition === '2026-01-03')?.state).toBe('failed')
  })

  it('a stale partition says why without speaking of a run', async () => {
    const { out } = await cli(['status', '--from', '2026-01-01', '--to', '2026-01-08'])
    expect(out).not.toContain('in this run')
    const cells = (JSON.parse((await cli(['status', '--from', '2026-01-01', '--to', '2026-01-08', '--json'])).out) as Cells).partitions
    for (const cell of cells.filter((c) => c.state === 'stale')) expect(cell.reason).toMatch(/^stale: /)
    expect(cells.find((cell) => cell.asset === 'score' && cell.partition === '2026-01-07')).toMatchObject({ state: 'missing', reason: 'missing: not materialized yet' })
  })

  it('on a terminal: colours, month markers, and ranges of days when one column a day would not fit', async () => {
    const { out } = await cli(['status', '--from', '2026-01-01', '--to', '2026-04-30'], { isTTY: true, columns: 80 })
    // eslint-disable-next-line no-control-regex -- the colour codes are what is tested
    const plain = out.replace(/\x1b\[[0-9;]*m/g, '')
    expect(out).toContain('\x1b[31mx\x1b[0m')
    for (const line of plain.split('\n')) expect(line.length).toBeLessThanOrEqual(80)
    expect(plain.split('\n')[0]).toMatch(/^\s+Jan\s+Feb\s+Mar\s+Apr$/)
    expect(plain).toMatch(/^2026-01-01 … 2026-04-30, 6 days a column; weekly assets show on their Monday$/m)
    const piped = await cli(['status', '--from', '2026-01-01', '--to', '2026-01-06'])
    expect(piped.out).not.toContain('\x1b[')
    expect(piped.out.split('\n')[0]).toMatch(/^\s+Jan$/)
  })
})
