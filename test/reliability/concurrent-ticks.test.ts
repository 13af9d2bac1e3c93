import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../framework/cli/index.js'
import { silentLogger } from '../../framework/definitions/index.js'
import { RunStore } from '../../framework/runs/index.js'
import { tickSchedule, TickStore, type TickReport } from '../../framework/schedules/index.js'
import { LocalStorage, openStorage, type Storage } from '../../framework/storage/index.js'
import { dailySchedule } from '../../schedules/daily-schedule.js'
import { toyScheduledDefinitions } from '../fixtures/toy-scheduled-definitions.js'
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js'
import { startS3Server, type S3TestServer } from '../support/s3-server.js'
import { platform } from '../../resources/platform.js'

/**
 * Ten `schedule tick` calls for the same tick time at once launch exactly one run, locally and
 * on S3. `STRATA_TICK_TRIES` repeats each child-process case (default 1; RELIABILITY.md gives
 * the figures of a longer run).
 */
const execFileAsync = promisify(execFile)
const bin = fileURLToPath(new URL('../../bin/strata.js', import.meta.url))
const TICKERS = 10
const TRIES = Math.max(1, Number(process.env.STRATA_TICK_TRIES ?? '1'))

let dir: string
let landing: string

async function strata(env: Readonly<Record<string, string>>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, CI: '1', ...env }, maxBuffer: 16 * 1024 * 1024 })
    return { code: 0, out: stdout, err: stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, out: e.stdout, err: e.stderr }
  }
}

/** `count` reports of one tick time: how many launched, and the run ids they name. */
function tally(reports: readonly TickReport[]) {
  const outcomes = reports.flatMap((report) => report.outcomes)
  return { launched: outcomes.filter((o) => o.action === 'launched'), already: outcomes.filter((o) => o.action === 'already-recorded'), runIds: new Set(outcomes.map((o) => o.runId)) }
}

/** Ten child processes tick at once; returns their reports and the runs stored afterwards. */
async function tenChildTicks(env: Readonly<Record<string, string>>, at: string, storage: Storage) {
  const results = await Promise.all(Array.from({ length: TICKERS }, () => strata(env, 'schedule', 'tick', '--at', at, '--json')))
  for (const result of results) expect(result.code, result.err).toBe(0)
  const reports = results.map((result) => (JSON.parse(result.out) as TickReport[])[0] as TickReport)
  const runs = await new RunStore(storage).list({ limit: 100 })
  return { ...tally(reports), runs }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-ticks-'))
  landing = join(dir, 'landing')
  const sample = await strata({ STRATA_LANDING: landing, STRATA_STORAGE: join(dir, 'unused') }, 'generate-sample', '--customers', '40', '--days', String(2 + TRIES), '--start', '2026-09-01', '--seed', '5')
  expect(sample.code, sample.err).toBe(0)
}, 60_000)
afterAll(async () => rm(dir, { recursive: true, force: true }))

/** The tick of try `n`: 02:05 on the day after 2026-09-0(2+n), so each try builds its own day. */
const tickOf = (n: number) => `2026-09-${String(3 + n).padStart(2, '0')}T02:05:00Z`

describe('concurrent schedule ticks, local storage', () => {
  it('ten tickers in one process (all read before any writes) launch one run', async () => {
    const storage = new LocalStorage(join(dir, 'in-process'))
    const store = new TickStore(storage)
    const launched: string[] = []
    const reports = await Promise.all(
      Array.from({ length: TICKERS }, (_, i) =>
        tickSchedule({
          schedule: dailySchedule(),
          at: new Date('2026-10-04T02:05:00Z'),
          store,
          storage,
          launch: async ({ runId }) => {
            launched.push(runId)
            return { status: 'success' }
          },
          newRunId: () => `20261004T020500Z-${String(i).padStart(6, '0')}`,
          log: silentLogger,
        }),
      ),
    )
    expect(launched).toHaveLength(1)
    const { launched: outcomes, already } = tally(reports)
    expect(outcomes).toHaveLength(1)
    expect(already).toHaveLength(TICKERS - 1)
    expect((await store.read('daily', new Date('2026-10-04T02:00:00Z')))?.runId).toBe(launched[0])
  })

  it(`ten \`strata schedule tick\` processes at once launch exactly one run (${TRIES} ${TRIES === 1 ? 'try' : 'tries'})`, async () => {
    const storageRoot = join(dir, 'storage')
    const env = { STRATA_LANDING: landing, STRATA_STORAGE: storageRoot }
    let doubleLaunches = 0
    for (let n = 0; n < TRIES; n++) {
      const { launched, already, runIds, runs } = await tenChildTicks(env, tickOf(n), new LocalStorage(storageRoot))
      if (launched.length !== 1) doubleLaunches++
      expect(launched).toHaveLength(1)
      expect(launched[0]?.status).toBe('success')
      expect(already).toHaveLength(TICKERS - 1)
      // Every ticker names the same run, and exactly one run record exists per try.
      expect(runIds.size).toBe(1)
      expect(runs).toHaveLength(n + 1)
      expect(runs.map((r) => r.runId)).toContain(launched[0]?.runId)
    }
    process.stderr.write(`concurrent ticks, local: ${TRIES} tries × ${TICKERS} processes, ${doubleLaunches} double launches\n`)
  }, 60_000 * TRIES)
})

describe('concurrent schedule ticks, S3 (s3rver behind a proxy that honours If-None-Match as S3 does)', () => {
  let server: S3TestServer
  let proxy: FaultProxy
  beforeAll(async () => {
    server = await startS3Server(['strata-ticks'])
    proxy = await startFaultProxy({ target: server.endpoint, seed: 1, rates: {}, conditionalWrites: true })
  })
  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
  })
  const s3Env = (location: string) => ({ ...server.env, AWS_ENDPOINT_URL_S3: proxy.endpoint, STRATA_STORAGE: location })

  it('ten tickers in one process launch one run; the other nine see the claim (412 from the conditional PUT)', async () => {
    const location = `s3://strata-ticks/in-process-${randomBytes(3).toString('hex')}`
    const app: StrataApp = { name: 'strata', version: '0', platform, load: async () => toyScheduledDefinitions() }
    const before = proxy.stats.preconditionFailed
    const results = await Promise.all(
      Array.from({ length: TICKERS }, async () => {
        const io = captureIo(s3Env(location), dir)
        const code = await runCli(['schedule', 'tick', '--at', '2026-01-10T02:05:00Z', '--json'], io, app)
        return { code, out: io.out(), err: io.err() }
      }),
    )
    for (const result of results) expect(result.code, result.err).toBe(0)
    const { launched, already, runIds } = tally(results.map((result) => (JSON.parse(result.out) as TickReport[])[0] as TickReport))
    expect(launched).toHaveLength(1)
    expect(already).toHaveLength(TICKERS - 1)
    expect(runIds.size).toBe(1)
    expect(proxy.stats.preconditionFailed - before).toBeGreaterThanOrEqual(TICKERS - 1)
    const storage = await openStorage(location, { env: s3Env(location), log: silentLogger, platform })
    expect(await new RunStore(storage).list({ limit: 50 })).toHaveLength(1)
  }, 60_000)

  it(`ten \`strata schedule tick\` processes at once launch exactly one run (${TRIES} ${TRIES === 1 ? 'try' : 'tries'})`, async () => {
    const location = `s3://strata-ticks/children-${randomBytes(3).toString('hex')}`
    const env = { ...s3Env(location), STRATA_LANDING: landing }
    const storage = await openStorage(location, { env, log: silentLogger, platform })
    let doubleLaunches = 0
    for (let n = 0; n < TRIES; n++) {
      const { launched, already, runIds, runs } = await tenChildTicks(env, tickOf(n), storage)
      if (launched.length !== 1) doubleLaunches++
      expect(launched).toHaveLength(1)
      expect(launched[0]?.status).toBe('success')
      expect(already).toHaveLength(TICKERS - 1)
      expect(runIds.size).toBe(1)
      expect(runs).toHaveLength(n + 1)
    }
    process.stderr.write(`concurrent ticks, S3: ${TRIES} tries × ${TICKERS} processes, ${doubleLaunches} double launches\n`)
  }, 90_000 * TRIES)
})
