import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { defineSchedule, type CatchUpPolicy, type TickReport } from '../../../framework/schedules/index.js'
import { addDays, dateKeyOf } from '../../../framework/partitions/index.js'
import { toyScheduledDefinitions, type ToyScheduledOptions } from '../../fixtures/toy-scheduled-definitions.js'
import { platform } from '../../../resources/platform.js'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-schedule-cli-'))
})
afterEach(async () => rm(root, { recursive: true, force: true }))

async function cli(options: ToyScheduledOptions, argv: readonly string[], signal?: AbortSignal) {
  const app: StrataApp = { name: 'strata', version: '0', platform, load: async () => toyScheduledDefinitions(options) }
  const io = { ...captureIo({ STRATA_STORAGE: join(root, 'storage') }, root), ...(signal ? { signal } : {}) }
  const code = await runCli(argv, io, app)
  return { code, out: io.out(), err: io.err() }
}

/** Run records, newest first by start time (run ids only sort to the second). */
const runsOf = async () =>
  (JSON.parse((await cli({}, ['runs', '--json', '--limit', '50'])).out) as { runId: string; command: string; startedAt: string; partitions: { from: string } }[]).sort((a, b) => b.startedAt.localeCompare(a.startedAt))

describe('strata schedule', () => {
  it('list shows name, cron, timezone, selection, catch-up and the next tick', async () => {
    const { code, out } = await cli({}, ['schedule', 'list', '--at', '2026-01-10T03:00:00Z'])
    expect(code).toBe(0)
    expect(out).toMatch(/daily\s+0 2 \* \* \*\s+UTC\s+\*\s+all \(max 7\)\s+2026-01-11T02:00:00.000Z\s+-/)
    const json = JSON.parse((await cli({}, ['schedule', 'list', '--json'])).out) as { name: string; catchUp: string }[]
    expect(json).toEqual([expect.objectContaining({ name: 'daily', catchUp: 'all (max 7)' })])
  })

  it('two ticks for the same time launch one run; the second says nothing was launched', async () => {
    const first = await cli({}, ['schedule', 'tick', '--at', '2026-01-10T02:05:00Z'])
    expect(first.code).toBe(0)
    expect(first.out).toMatch(/^daily 2026-01-10T02:00:00.000Z: run \S+ for 2026-01-09: success/m)
    // a cron log gets a line per finished step before the tick's summary
    expect(first.out).toMatch(/^\[1\/\d+\] done {5}\w+\(2026-01-0\d\) in \d+\.\d s$/m)
    const second = await cli({}, ['schedule', 'tick', '--at', '2026-01-10T02:05:00Z', '--json'])
    expect(second.code).toBe(0)
    const [report] = JSON.parse(second.out) as TickReport[]
    expect(report?.outcomes).toEqual([expect.objectContaining({ action: 'already-recorded', status: 'success', runKey: 'daily:2026-01-10T02:00:00.000Z' })])
    expect((await cli({}, ['schedule', 'tick', '--at', '2026-01-10T02:05:00Z'])).out).toMatch(/already recorded \(run \S+, success\): nothing launched/)
    const runs = await runsOf()
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ command: 'schedule tick daily', partitions: { from: '2026-01-09' } })
    const list = await cli({}, ['schedule', 'list', '--at', '2026-01-10T03:00:00Z'])
    expect(list.out).toMatch(/2026-01-11T02:00:00.000Z\s+2026-01-10T02:00:00.000Z/)
  })

  it.each([
    [{ policy: 'skip' }, ['2026-01-12'], 2],
    [{ policy: 'latest' }, ['2026-01-12'], 2],
    [{ policy: 'all', max: 7 }, ['2026-01-10', '2026-01-11', '2026-01-12'], 0],
    [{ policy: 'all', max: 2 }, ['2026-01-11', '2026-01-12'], 1],
  ] as [CatchUpPolicy, string[], number][])('a daemon stopped for three days catches up by policy %j', async (catchUp, partitions, skipped) => {
    expect((await cli({ catchUp }, ['schedule', 'tick', '--at', '2026-01-10T02:00:00Z'])).code).toBe(0)
    const caughtUp = await cli({ catchUp }, ['schedule', 'tick', '--at', '2026-01-13T02:10:00Z', '--json'])
    expect(caughtUp.code).toBe(0)
    const [report] = JSON.parse(caughtUp.out) as TickReport[]
    expect(report?.outcomes.filter((o) => o.action === 'skipped')).toHaveLength(skipped)
    expect(report?.outcomes.filter((o) => o.action === 'launched').map((o) => o.partitions.from)).toEqual(partitions)
    // runs, oldest first, after the first tick's run (2026-01-09)
    const runs = (await runsOf()).reverse().map((r) => r.partitions.from)
    expect(runs).toEqual(['2026-01-09', ...partitions])
    // skipped ticks are recorded: ticking again launches nothing
    const again = JSON.parse((await cli({ catchUp }, ['schedule', 'tick', '--at', '2026-01-13T02:10:00Z', '--json'])).out) as TickReport[]
    expect(again[0]?.outcomes.map((o) => o.action)).toEqual(['already-recorded'])
  })

  it('a failed run fails the tick (exit 1) and is recorded; --schedule picks one, an unknown one exits 2', async () => {
    const failing = await cli({ failing: new Set(['score@2026-01-09']) }, ['schedule', 'tick', '--schedule', 'daily', '--at', '2026-01-10T02:00:00Z'])
    expect(failing.code).toBe(1)
    expect(failing.out).toMatch(/run \S+ for 2026-01-09: failed/)
    const unknown = await cli({}, ['schedule', 'tick', '--schedule', 'weekly'])
    expect(unknown.code).toBe(2)
    expect(unknown.err).toContain('Known schedules: daily')
    expect((await cli({}, ['schedule', 'tick', '--at', 'tomorrow'])).code).toBe(2)
  })

  it('schedule run ticks at start, logs freshness, and returns 0 when the signal aborts', async () => {
    const small = defineSchedule({ name: 'sources', description: 'landing only', cron: '0 2 * * *', timezone: 'UTC', selection: 'source', catchUp: { policy: 'skip' }, partitionsFor: (tick) => ({ from: addDays(dateKeyOf(tick), -1), to: addDays(dateKeyOf(tick), -1) }) })
    const controller = new AbortController()
    const options: ToyScheduledOptions = { schedules: [small], freshness: { source: { dueBy: '03:00Z' } } }
    const app: StrataApp = { name: 'strata', version: '0', platform, load: async () => toyScheduledDefinitions(options) }
    // Abort as soon as the freshness line of the start-up tick is written: no polling, no wall clock.
    const io = captureIo({ STRATA_STORAGE: join(root, 'storage') }, root)
    const stderr = { write: (text: string) => (io.stderr.write(text), text.includes('freshness at') && controller.abort()) }
    // --at fixes the scheduler's clock: the catch-up tick is 2026-01-10 02:00, whatever today is.
    expect(await runCli(['schedule', 'run', '--at', '2026-01-10T02:30:00Z'], { ...io, stderr, signal: controller.signal }, app)).toBe(0)
    expect(io.err()).toContain('scheduler started: sources (0 2 * * * UTC, next ')
    expect(io.err()).toMatch(/sources \S+: run \S+ for \d{4}-\d{2}-\d{2}: success/)
    expect(io.err()).toMatch(/freshness at \S+: \d+ fresh/)
    expect(io.err()).toContain('scheduler stopped')
    expect(io.err()).toContain('freshness at 2026-01-10T02:30:00.000Z')
    const runs = await runsOf()
    expect(runs).toHaveLength(1)
    expect(runs[0]?.partitions.from).toBe('2026-01-09')
  })
})
