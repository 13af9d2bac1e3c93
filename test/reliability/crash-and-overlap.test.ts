import { spawn } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { RunRecord } from '../../framework/runs/index.js'
import { startS3Server, type S3TestServer } from '../support/s3-server.js'

const FIXTURE = fileURLToPath(new URL('../fixtures/slow-run.mjs', import.meta.url))
let root: string
/** Where the toy CLI keeps its storage: a folder by default, a bucket of the S3 test server in the S3 cases. */
let storageEnv: () => Record<string, string> = () => ({ STRATA_STORAGE: join(root, 'storage') })

/** The toy CLI (test/fixtures/slow-run.mjs) as a real child process. */
function strata(args: readonly string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [FIXTURE, ...args], {
    env: { ...process.env, ...storageEnv(), MARKERS: root, STRATA_LANDING: join(root, 'landing'), CI: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out, err })))
  return { child, done }
}

/** Resolves once the child has started materializing `stepId` (it touches a marker file first). */
async function startedStep(pid: number, stepId: string): Promise<void> {
  const marker = `${stepId}-${pid}`
  for (;;) {
    if ((await readdir(join(root, 'started')).catch(() => [] as string[])).includes(marker)) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function builds(): Promise<string[]> {
  const text = await readFile(join(root, 'builds.log'), 'utf8').catch(() => '')
  return text.split('\n').filter(Boolean).map((line) => line.split(' ')[0] as string)
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-crash-'))
})
afterEach(async () => rm(root, { recursive: true, force: true }))

describe('a run killed with SIGKILL', () => {
  it('leaves nothing that blocks: the next run takes the dead holder\'s lock at once and says so; the killed run shows as crashed', async () => {
    const killed = strata(['materialize', 'slow', '--partition', '2026-03-02'], { SLOW_MS: '600000', STRATA_LOCK_TTL_MS: '600000' })
    await startedStep(killed.child.pid as number, 'slow@2026-03-02')
    killed.child.kill('SIGKILL')
    expect((await killed.done).signal).toBe('SIGKILL')
    const before = await strata(['status', '--from', '2026-03-02', '--to', '2026-03-02']).done
    expect(before.out).toMatch(/run \S+ crashed \(materialize slow\): its process \(pid \d+ on .+\) is gone; last seen \S+ — rerun it to finish/)
    const json = JSON.parse((await strata(['status', '--from', '2026-03-02', '--to', '2026-03-02', '--json']).done).out) as { runs: { runId: string; status: string }[] }
    expect(json.runs).toEqual([expect.objectContaining({ status: 'crashed' })])

    // The lock would not expire for ten minutes: only the dead-pid check lets this run in.
    const rerun = await strata(['materialize', 'slow', '--partition', '2026-03-02'], { STRATA_LOCK_TTL_MS: '600000', STRATA_LOCK_WAIT_MS: '0' }).done
    expect(rerun.err).toMatch(/took over the lock of run \S+ \(pid \d+ on this host, no longer running\)/)
    expect(rerun.code).toBe(0)
    expect(await builds()).toEqual(['slow@2026-03-02'])

    const runs = JSON.parse((await strata(['runs', '--json', '--all']).done).out) as RunRecord[]
    const crashed = runs.find((run) => run.status === 'crashed')
    expect(crashed?.crash).toMatchObject({ why: expect.stringMatching(/^its process \(pid \d+ on .+\) is gone$/), lastSeenAt: expect.any(String) })
    expect(runs.filter((run) => run.status === 'success')).toHaveLength(1)

    expect(json.runs[0]?.runId).toBe(crashed?.runId)
    // Followed up by a finished run, the crash is history: `runs` keeps it, `status` no longer shows it.
    expect((await strata(['status', '--from', '2026-03-02', '--to', '2026-03-02']).done).out).not.toContain('crashed')
  }, 60_000)

  it('records the last finished step of a run killed part-way', async () => {
    // The first step outlasts the 2 s between progress saves, so its end is on record before the kill.
    const killed = strata(['materialize', 'slow', '--from', '2026-03-01', '--to', '2026-03-02', '--concurrency', '1'], { SLOW_MS: '2500', HANG: 'slow@2026-03-02' })
    await startedStep(killed.child.pid as number, 'slow@2026-03-02')
    killed.child.kill('SIGKILL')
    await killed.done
    const [run] = JSON.parse((await strata(['runs', '--json', '--all']).done).out) as RunRecord[]
    expect(run?.status).toBe('crashed')
    expect(run?.crash?.lastCompletedStep).toBe('slow@2026-03-01')
    const shown = await strata(['runs', 'show', run?.runId as string]).done
    expect(shown.out).toMatch(/crashed: its process \(pid \d+ on .+\) is gone; last seen \S+, last finished step slow@2026-03-01/)
  }, 60_000)
})

describe('overlapping runs, as two processes', () => {
  it('both exit 0 and no partition is built twice: the run that waited skips what the other built', async () => {
    const env = { SLOW_MS: '150' }
    const [a, b] = await Promise.all([strata(['materialize', '*', '--from', '2026-03-01', '--to', '2026-03-08'], env).done, strata(['materialize', '*', '--from', '2026-03-05', '--to', '2026-03-12'], env).done])
    expect([a.code, b.code, a.err, b.err]).toEqual([0, 0, '', ''])
    const built = await builds()
    expect(built).toHaveLength(24)
    expect(new Set(built).size).toBe(24)
  }, 60_000)

  it('two forced runs of the very same partitions rebuild each once, though the rebuild has the same bytes', async () => {
    const args = ['materialize', '*', '--from', '2026-03-01', '--to', '2026-03-03']
    expect((await strata(args).done).code).toBe(0)
    // No build finishes before both runs have their plans: a run that plans after the other one
    // committed a partition has seen that build, and --force rebuilds it (under load two
    // processes can start that far apart).
    const gate = join(root, 'gate')
    const first = strata([...args, '--force'], { GATE: gate })
    const second = strata([...args, '--force'], { GATE: gate })
    // Three run records: the first build's and both forced runs' (each saved once its plan is made).
    while ((JSON.parse((await strata(['runs', '--json', '--all']).done).out) as unknown[]).length < 3) await new Promise((resolve) => setTimeout(resolve, 50))
    await writeFile(gate, '')
    const [a, b] = await Promise.all([first.done, second.done])
    expect([a.code, b.code]).toEqual([0, 0])
    const once = ['after@2026-03-01', 'after@2026-03-02', 'after@2026-03-03', 'slow@2026-03-01', 'slow@2026-03-02', 'slow@2026-03-03']
    expect((await builds()).sort()).toEqual([...once, ...once].sort())
    const runs = JSON.parse((await strata(['runs', '--json', '--all']).done).out) as RunRecord[]
    const skippedAsBuilt = runs.flatMap((run) => run.steps.filter((step) => step.builtBy !== undefined))
    expect(skippedAsBuilt.length).toBeGreaterThan(0)
    for (const step of skippedAsBuilt) expect(step.reason).toBe(`built by run ${step.builtBy}`)
  }, 60_000)

  it('with STRATA_LOCK_WAIT_MS=0 the second fails at once, naming the holder', async () => {
    const first = strata(['materialize', 'slow', '--partition', '2026-03-02'], { SLOW_MS: '600000' })
    await startedStep(first.child.pid as number, 'slow@2026-03-02')
    const second = await strata(['materialize', 'slow', '--partition', '2026-03-02'], { STRATA_LOCK_WAIT_MS: '0' }).done
    first.child.kill('SIGKILL')
    await first.done
    expect(second.code).toBe(1)
    expect(second.out + second.err).toMatch(/partition slow\/dt=2026-03-02 is being materialized by run \S+ on host \S+ \(pid \d+\)/)
  }, 60_000)
})

describe('the same on S3 storage (the S3 test server), as real processes', () => {
  let server: S3TestServer
  let prefix = 0
  beforeAll(async () => {
    server = await startS3Server(['strata-crash'])
  })
  afterAll(async () => {
    storageEnv = () => ({ STRATA_STORAGE: join(root, 'storage') })
    await server.stop()
  })
  beforeEach(() => {
    const location = `s3://strata-crash/run-${++prefix}`
    storageEnv = () => ({ ...server.env, STRATA_CACHE_DIR: join(root, 'cache'), STRATA_STORAGE: location })
  })

  it('a SIGKILLed holder is taken over at once and shows as crashed', async () => {
    const killed = strata(['materialize', 'slow', '--partition', '2026-03-02'], { SLOW_MS: '600000', STRATA_LOCK_TTL_MS: '600000' })
    await startedStep(killed.child.pid as number, 'slow@2026-03-02')
    killed.child.kill('SIGKILL')
    await killed.done
    const rerun = await strata(['materialize', 'slow', '--partition', '2026-03-02'], { STRATA_LOCK_TTL_MS: '600000', STRATA_LOCK_WAIT_MS: '0' }).done
    expect(rerun.err).toMatch(/took over the lock of run/)
    expect(rerun.code).toBe(0)
    const runs = JSON.parse((await strata(['runs', '--json', '--all']).done).out) as RunRecord[]
    expect(runs.map((run) => run.status).sort()).toEqual(['crashed', 'success'])
  }, 60_000)

  it('overlapping runs both exit 0 and build each partition once', async () => {
    const env = { SLOW_MS: '300' }
    const [a, b] = await Promise.all([strata(['materialize', '*', '--from', '2026-03-01', '--to', '2026-03-04'], env).done, strata(['materialize', '*', '--from', '2026-03-03', '--to', '2026-03-06'], env).done])
    expect([a.code, b.code, a.err, b.err]).toEqual([0, 0, '', ''])
    const built = await builds()
    expect(built).toHaveLength(12)
    expect(new Set(built).size).toBe(12)
  }, 60_000)
})
