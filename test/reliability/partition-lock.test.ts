import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../framework/cli/index.js'
import { defineAsset, defineDefinitions } from '../../framework/definitions/index.js'
import { StrataError } from '../../framework/errors/index.js'
import { daily } from '../../framework/partitions/index.js'
import { S3Storage, lockLocalPartition, lockOwner, lockS3Partition, type PartitionLock } from '../../framework/storage/index.js'
import type { ObjectInfo, ObjectStore } from '../../framework/storage/object-store.js'
import { openObjectStore } from '../../resources/s3.js'
import { startS3Server, type S3TestServer } from '../support/s3-server.js'
import { platform } from '../../resources/platform.js'

const FIXTURE = fileURLToPath(new URL('../fixtures/lock-commit.mjs', import.meta.url))
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

interface ChildResult {
  outcome: 'committed' | 'locked' | 'error'
  start?: number
  end?: number
  code?: string
  message?: string
  hint?: string
}

/** Runs the lock-commit fixture (over dist/) as a real child process. */
function lockCommit(root: string, partition: string, runId: string, holdMs: number, waitMs: number, ttlMs = 5000) {
  const child = spawn(process.execPath, [FIXTURE, root, partition, runId, String(holdMs), String(waitMs), String(ttlMs)], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const acquired = new Promise<void>((resolve) => child.stdout.on('data', () => out.includes('"acquired"') && resolve()))
  const done = new Promise<ChildResult>((resolve, reject) =>
    child.on('exit', () => {
      const last = out.trim().split('\n').at(-1) ?? ''
      try {
        resolve(JSON.parse(last) as ChildResult)
      } catch {
        reject(new Error(`lock-commit printed no result:\n${out}\n${err}`))
      }
    }),
  )
  return { child, acquired, done }
}

describe('partition locks on a local folder, across real processes', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-lock-'))
  })
  afterEach(async () => rm(root, { recursive: true, force: true }))

  it('two processes on the same partition: exactly one commits, the other fails naming the partition, holder and expiry', async () => {
    const first = lockCommit(root, '2026-03-01', 'run-a', 800, 0)
    await first.acquired
    const second = lockCommit(root, '2026-03-01', 'run-b', 0, 0)
    const [a, b] = await Promise.all([first.done, second.done])
    expect(a.outcome).toBe('committed')
    expect(b.outcome).toBe('locked')
    expect(b.message).toContain('locked_asset/dt=2026-03-01')
    expect(b.message).toContain('run run-a')
    expect(b.message).toContain(`host ${hostname()}`)
    expect(b.message).toMatch(/pid \d+/)
    expect(b.message).toMatch(/expires at \d{4}-\d{2}-\d{2}T/)
    expect(b.hint).toContain('STRATA_LOCK_WAIT_MS')
    const manifest = JSON.parse(await readFile(join(root, 'locked_asset', 'dt=2026-03-01', '_manifest.json'), 'utf8')) as { runId: string }
    expect(manifest.runId).toBe('run-a')
    // Released: no lock file is left behind.
    expect(await readdir(join(root, '_strata', 'locks', 'locked_asset'))).toEqual([])
  })

  it('with a wait, the second process waits for the first commit, then commits after it', async () => {
    const first = lockCommit(root, '2026-03-01', 'run-a', 600, 0)
    await first.acquired
    const second = lockCommit(root, '2026-03-01', 'run-b', 0, 10_000)
    const [a, b] = await Promise.all([first.done, second.done])
    expect(a.outcome).toBe('committed')
    expect(b.outcome).toBe('committed')
    expect(b.start as number).toBeGreaterThanOrEqual(a.end as number)
  })

  it('two different partitions proceed in parallel', async () => {
    const one = lockCommit(root, '2026-03-01', 'run-a', 700, 0)
    const two = lockCommit(root, '2026-03-02', 'run-b', 700, 0)
    const [a, b] = await Promise.all([one.done, two.done])
    expect([a.outcome, b.outcome]).toEqual(['committed', 'committed'])
    // Their hold periods overlap: neither waited for the other.
    expect(Math.max(a.start as number, b.start as number)).toBeLessThan(Math.min(a.end as number, b.end as number))
  })

  it('a crashed holder (SIGKILL) on this host is taken over at once, though its lock has not expired', async () => {
    const crashed = lockCommit(root, '2026-03-01', 'run-crashed', 60_000, 0, 600_000)
    await crashed.acquired
    crashed.child.kill('SIGKILL')
    await crashed.done.catch(() => undefined)
    const next = await lockCommit(root, '2026-03-01', 'run-b', 0, 0, 600_000).done
    expect(next.outcome).toBe('committed')
  })
})

describe('partition lock protocol (in process)', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-lock-'))
  })
  afterEach(async () => rm(root, { recursive: true, force: true }))
  const file = () => join(root, '_strata', 'locks', 'a', 'dt=2026-03-01.lock')

  it('the heartbeat keeps a lock alive past its ttl while the holder runs', async () => {
    const lock = await lockLocalPartition(file(), 'a', 'dt=2026-03-01', lockOwner('run-long'), { ttlMs: 300 })
    await sleep(900)
    await expect(lockLocalPartition(file(), 'a', 'dt=2026-03-01', lockOwner('run-other'), { ttlMs: 300, waitMs: 0 })).rejects.toMatchObject({ code: 'locked' })
    await lock.assertHeld()
    await lock.release()
    const next = await lockLocalPartition(file(), 'a', 'dt=2026-03-01', lockOwner('run-other'), { ttlMs: 300 })
    await next.release()
  })

  it('a holder on another host blocks until its lock expires; a dead holder here is taken over at once and named', async () => {
    let clock = Date.now()
    const now = () => clock
    const remote = await lockLocalPartition(file(), 'a', 'dt=2026-03-01', { runId: 'run-remote', host: 'other-host', pid: 7 }, { ttlMs: 60_000, now })
    const unknown = { ttlMs: 60_000, now, waitMs: 0, liveness: () => 'unknown' as const }
    await expect(lockLocalPartition(file(), 'a', 'dt=2026-03-01', lockOwner('run-here'), unknown)).rejects.toMatchObject({ code: 'locked', message: expect.stringContaining('run-remote on host other-host (pid 7)') })
    clock += 61_000
    const after = await lockLocalPartition(file(), 'a', 'dt=2026-03-01', lockOwner('run-here'), unknown)
    expect(after.tookOverFrom).toBeUndefined()
    await after.release()
    await remote.release()

    const dead = await lockLocalPartition(file(), 'a', 'dt=2026-03-01', { runId: 'run-dead', host: 'h', pid: 8 }, { ttlMs: 60_000, now })
    const taker = await lockLocalPartition(file(), 'a', 'dt=2026-03-01', lockOwner('run-taker'), { ttlMs: 60_000, now, waitMs: 0, liveness: () => 'dead' })
    expect(taker.tookOverFrom).toMatchObject({ runId: 'run-dead', pid: 8 })
    await expect(dead.assertHeld()).rejects.toMatchObject({ code: 'locked' })
    await taker.release()
    await dead.release()
  })

  it('a holder whose lock was taken over (it stalled past the expiry) cannot commit', async () => {
    let clock = Date.now()
    const now = () => clock
    const stalled = await lockLocalPartition(file(), 'a', 'dt=2026-03-01', lockOwner('run-stalled'), { ttlMs: 60_000, now })
    clock += 120_000 // the heartbeat did not run: the lock is expired for everyone
    const taker = await lockLocalPartition(file(), 'a', 'dt=2026-03-01', lockOwner('run-taker'), { ttlMs: 60_000, now })
    const error = await stalled.assertHeld().catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(StrataError)
    expect((error as StrataError).code).toBe('locked')
    expect((error as StrataError).message).toMatch(/lost the lock/)
    await stalled.release() // must not remove the taker's lock
    await taker.assertHeld()
    await taker.release()
  })

  it('a damaged lock file (a crash between create and write) counts as held until ttl after it was written', async () => {
    const { mkdir } = await import('node:fs/promises')
    await mkdir(join(root, '_strata', 'locks', 'a'), { recursive: true })
    await writeFile(file(), '')
    await expect(lockLocalPartition(file(), 'a', 'dt=2026-03-01', lockOwner('r'), { ttlMs: 400, waitMs: 0 })).rejects.toMatchObject({ code: 'locked' })
    const lock = await lockLocalPartition(file(), 'a', 'dt=2026-03-01', lockOwner('r'), { ttlMs: 400, waitMs: 3000, pollMs: 50 })
    await lock.release()
  })
})

describe('concurrent materializations through the CLI (step runner holds the lock around stage → commit)', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-lock-cli-'))
  })
  afterEach(async () => rm(root, { recursive: true, force: true }))

  const app: StrataApp = {
    name: 'strata',
    version: '0.0.0-test',
    platform,
    load: async () =>
      defineDefinitions({
        assets: [
          defineAsset({
            key: 'slow',
            description: 'takes a while',
            partitions: daily({ start: '2026-03-01' }),
            codeVersion: 'v1',
            async materialize({ partition, runId, outputDir }) {
              await sleep(600)
              await writeFile(join(outputDir, 'value.json'), JSON.stringify({ partition, runId }))
              return { rowCount: 1 }
            },
          }),
        ],
        async openResources() {
          return { resources: {}, async close() {} }
        },
      }),
  }
  const cli = async (env: Record<string, string>, ...argv: string[]) => {
    const io = captureIo({ STRATA_STORAGE: join(root, 'storage'), STRATA_LOCK_TTL_MS: '5000', ...env }, root)
    const code = await runCli(argv, io, app)
    return { code, out: io.out(), err: io.err() }
  }

  it('same partition at once with STRATA_LOCK_WAIT_MS=0: one succeeds, the other fails with the lock error and leaves no failure record', async () => {
    const noWait = { STRATA_LOCK_WAIT_MS: '0' }
    const [a, b] = await Promise.all([cli(noWait, 'materialize', 'slow', '--partition', '2026-03-02', '--force'), cli(noWait, 'materialize', 'slow', '--partition', '2026-03-02', '--force')])
    expect([a.code, b.code].sort()).toEqual([0, 1])
    const loser = a.code === 1 ? a : b
    expect(loser.out + loser.err).toMatch(/partition slow\/dt=2026-03-02 is being materialized by run \S+ on host/)
    expect(await readdir(join(root, 'storage', '_strata', 'failures')).catch(() => [])).toEqual([])
    const status = await cli({}, 'status', '--json')
    expect(status.out).toContain('"materialized"')
  })

  it('same partition by default: the second waits, then finds it built by the first and skips it; both exit 0', async () => {
    const [a, b] = await Promise.all([cli({}, 'materialize', 'slow', '--partition', '2026-03-02', '--force'), cli({}, 'materialize', 'slow', '--partition', '2026-03-02', '--force')])
    expect([a.code, b.code]).toEqual([0, 0])
    expect([a.out, b.out].join('\n')).toMatch(/1 succeeded/)
    const runs = JSON.parse((await cli({}, 'runs', '--json', '--all')).out) as { runId: string; steps: { reason?: string; builtBy?: string }[] }[]
    const waited = runs.flatMap((run) => run.steps).filter((step) => step.builtBy !== undefined)
    expect(waited).toHaveLength(1)
    expect(runs.map((run) => run.runId)).toContain(waited[0]?.builtBy)
  })

  it('bad lock settings are a config error (exit 2)', async () => {
    const bad = await cli({ STRATA_LOCK_WAIT_MS: 'forever' }, 'materialize', 'slow', '--partition', '2026-03-02')
    expect(bad.code).toBe(2)
    expect(bad.err).toContain('STRATA_LOCK_WAIT_MS')
  })
})

describe('partition locks on S3', () => {
  let server: S3TestServer
  const cacheDirs: string[] = []
  beforeAll(async () => {
    server = await startS3Server(['strata-lock'])
  })
  afterAll(async () => {
    await server.stop()
    await Promise.all(cacheDirs.map((dir) => rm(dir, { recursive: true, force: true })))
  })

  const freshStorage = async (prefix: string) => {
    const store = openObjectStore(`s3://strata-lock/${prefix}`, { env: server.env })
    const cacheDir = await mkdtemp(join(tmpdir(), 'strata-lock-s3-'))
    cacheDirs.push(cacheDir)
    return new S3Storage({ store, cacheDir, locks: { ttlMs: 5000, pollMs: 50, waitMs: 0 } })
  }

  it('s3rver ignores If-None-Match: the read-back check still lets exactly one of two storages in, every time', async () => {
    const prefix = `p-${randomBytes(3).toString('hex')}`
    const [one, two] = [await freshStorage(prefix), await freshStorage(prefix)]
    for (let round = 0; round < 6; round++) {
      const results = await Promise.allSettled([one.lock('asset', 'dt=2026-03-01', lockOwner(`run-1-${round}`)), two.lock('asset', 'dt=2026-03-01', lockOwner(`run-2-${round}`))])
      const held = results.filter((result): result is PromiseFulfilledResult<PartitionLock> => result.status === 'fulfilled')
      expect(held).toHaveLength(1)
      const refused = results.find((result) => result.status === 'rejected') as PromiseRejectedResult
      expect((refused.reason as StrataError).code).toBe('locked')
      expect((refused.reason as StrataError).message).toContain('asset/dt=2026-03-01')
      await held[0]!.value.assertHeld()
      await held[0]!.value.release()
    }
  })

  it('two different partitions are locked in parallel', async () => {
    const prefix = `p-${randomBytes(3).toString('hex')}`
    const [one, two] = [await freshStorage(prefix), await freshStorage(prefix)]
    const [a, b] = await Promise.all([one.lock('asset', 'dt=2026-03-01', lockOwner('run-1')), two.lock('asset', 'dt=2026-03-02', lockOwner('run-2'))])
    await a.assertHeld()
    await b.assertHeld()
    await Promise.all([a.release(), b.release()])
  })

  it('on a store that honours conditional writes, putIfAbsent decides, and a retried PUT that went through counts as ours', async () => {
    const objects = new Map<string, Buffer>()
    let swallowFirstSuccess = true
    const store: ObjectStore = {
      location: 's3://memory/x',
      async get(key) {
        return objects.get(key)
      },
      async head(key): Promise<ObjectInfo | undefined> {
        const body = objects.get(key)
        return body ? { key, size: body.length, lastModified: new Date(), etag: '' } : undefined
      },
      async download() {
        return undefined
      },
      async put(key, body) {
        objects.set(key, Buffer.from(body))
      },
      async upload() {
        return { bytes: 0 }
      },
      async *list() {},
      async *listPrefixes() {},
      async delete(keys) {
        for (const key of keys) objects.delete(key)
      },
      async putIfAbsent(key, body) {
        if (objects.has(key)) return false
        objects.set(key, Buffer.from(body))
        // The first answer is "lost" and the SDK's retry sees 412, as through a flaky network.
        if (swallowFirstSuccess) {
          swallowFirstSuccess = false
          return false
        }
        return true
      },
    }
    const lock = await lockS3Partition(store, '_strata/locks/a/dt=2026-03-01.lock', 'a', 'dt=2026-03-01', lockOwner('run-1'), { settleMs: 0 })
    await lock.assertHeld()
    await expect(lockS3Partition(store, '_strata/locks/a/dt=2026-03-01.lock', 'a', 'dt=2026-03-01', lockOwner('run-2'), { settleMs: 0, waitMs: 0 })).rejects.toMatchObject({ code: 'locked' })
    await lock.release()
    expect(objects.size).toBe(0)
  })
})
