import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { captureIo, runCli, type CliIo, type StrataApp } from '../../../framework/cli/index.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'
import { platform } from '../../../resources/platform.js'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-progress-'))
})
afterEach(async () => rm(root, { recursive: true, force: true }))

// clean(2026-01-03) fails: its rolling and score dependents are skipped, the other days run.
const app: StrataApp = { name: 'strata', version: '0', platform, load: async () => toyDefinitions({ failing: new Set(['clean@2026-01-03']) }) }
const env = () => ({ STRATA_STORAGE: join(root, 'storage') })

/** An io whose stderr is a terminal 120 columns wide. */
function terminalIo(): CliIo & { out(): string; err(): string } {
  const io = captureIo(env(), root)
  let err = ''
  return { ...io, stderr: { write: (text: string) => (err += text), isTTY: true, columns: 120 }, err: () => err }
}

const occurrences = (text: string, part: string) => text.split(part).length - 1

describe('run progress', () => {
  it('without a terminal: one line per finished step with its duration; the failure explained once, in the summary', async () => {
    const io = captureIo(env(), root)
    expect(await runCli(['backfill', '+score', '--from', '2026-01-01', '--to', '2026-01-03'], io, app)).toBe(1)
    const out = io.out()
    expect(out).toMatch(/^\[1\/\d+\] done {5}source\(2026-01-0\d\) in \d+\.\d s$/m)
    expect(out).toMatch(/^\[\d+\/\d+\] failed {3}clean\(2026-01-03\) in \d+\.\d s \(why: in the summary below\)$/m)
    expect(occurrences(out, 'boom in clean')).toBe(1)
    expect(out).toMatch(/ {2}failed clean\(2026-01-03\): boom in clean/)
    expect(io.err()).not.toContain('boom in clean')
  })

  it('on a terminal: a bar with elapsed time, ETA and the running steps; the failure on its own line, explained once', async () => {
    const io = terminalIo()
    expect(await runCli(['backfill', '+score', '--from', '2026-01-01', '--to', '2026-01-03'], io, app)).toBe(1)
    const err = io.err()
    expect(err).toMatch(/#+-* \d+\/\d+ steps, 1 failed \| \d+\.\d s elapsed \| ETA \S+ \| finished/)
    // eslint-disable-next-line no-control-regex -- the terminal's erase-line codes come before the line
    expect(err).toMatch(/(^|\n|\x1b\[0K|\x1b\[2K)failed clean\(2026-01-03\) after \d+\.\d s \(why: in the summary below\)\n/)
    expect(occurrences(err + io.out(), 'boom in clean')).toBe(1)
    expect(io.out()).not.toMatch(/^\[\d+\/\d+\]/m)
  })

  it('--quiet prints neither; --json keeps stdout JSON', async () => {
    const quiet = terminalIo()
    await runCli(['backfill', '+score', '--from', '2026-01-01', '--to', '2026-01-02', '--quiet'], quiet, app)
    expect(quiet.err()).toBe('')
    expect(quiet.out()).toMatch(/^run \S+: success/)
    const json = captureIo(env(), root)
    await runCli(['materialize', 'score', '--partition', '2026-01-02', '--force', '--json'], json, app)
    expect(JSON.parse(json.out())).toMatchObject({ status: 'success' })
  })
})

describe('the terminal bar', () => {
  it('names the steps running now', async () => {
    const { progressReporter } = await import('../../../framework/cli/progress.js')
    let err = ''
    const io = { ...captureIo({}, root), stderr: { write: (text: string) => (err += text), isTTY: true, columns: 120 } }
    const reporter = progressReporter(io, { total: 2 })
    let finish: () => void = () => undefined
    const step = { id: 'score@2026-01-05', asset: 'score', partition: '2026-01-05' } as Parameters<Parameters<typeof reporter.watch>[0]>[0]
    const launched = reporter.watch(() => new Promise((resolve) => (finish = () => resolve({ asset: 'score', partition: '2026-01-05', status: 'success' }))))(step, {} as Parameters<Parameters<typeof reporter.watch>[0]>[1])
    // The bar is drawn when the first step starts, before any finishes.
    expect(err).toMatch(/-+ 0\/2 steps \| \d+\.\d s elapsed \| ETA \S+ \| running score\(2026-01-05\)/)
    finish()
    await launched
    reporter.update({ done: 1, total: 2, failed: 0 })
    reporter.done()
    expect(err).toMatch(/1\/2 steps \| \d+\.\d s elapsed \| ETA \S+ \| finished/)
  })
})
