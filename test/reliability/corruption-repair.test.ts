import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../framework/cli/index.js'
import { openObjectStore } from '../../resources/s3.js'
import { toyDefinitions } from '../fixtures/toy-definitions.js'
import { startS3Server, type S3TestServer } from '../support/s3-server.js'
import { platform } from '../../resources/platform.js'

const app: StrataApp = { name: 'strata', version: '0.0.0-test', platform, load: async () => toyDefinitions() }

interface RepairJson {
  scanned: number
  healthy: number
  damaged: { asset: string; pathSegment: string; problem: string; action: string; detail?: string }[]
  leftoversRemoved: number
  leftoversFound: number
}

describe('damaged partitions on a local folder: detected, never used, repaired by strata repair', () => {
  let root: string
  let storage: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-repair-'))
    storage = join(root, 'storage')
    expect((await cli('backfill', '+score', '--from', '2026-01-01', '--to', '2026-01-06')).code).toBe(0)
  })
  afterEach(async () => rm(root, { recursive: true, force: true }))

  async function cli(...argv: string[]) {
    const io = captureIo({ STRATA_STORAGE: storage }, root)
    const code = await runCli(argv, io, app)
    return { code, out: io.out(), err: io.err() }
  }
  const partitionDir = (asset: string, day: string) => join(storage, asset, `dt=${day}`)
  const repairJson = async (...flags: string[]) => {
    const result = await cli('repair', ...flags, '--json')
    return { ...result, report: JSON.parse(result.out) as RepairJson }
  }

  it('a damaged manifest stops planning with an error that names it and says to run strata repair; repair moves it aside; the next run rebuilds it', async () => {
    await writeFile(join(partitionDir('score', '2026-01-05'), '_manifest.json'), '{"formatVersion": 1, "asset": ')
    const blocked = await cli('materialize', 'score', '--partition', '2026-01-05', '--force')
    expect(blocked.code).toBe(1)
    expect(blocked.err).toContain('score/dt=2026-01-05/_manifest.json')
    expect(blocked.err).toContain('strata repair')
    expect((await cli('status')).code).toBe(1)

    const dry = await repairJson('--dry-run')
    expect(dry.code).toBe(1)
    expect(dry.report.damaged).toEqual([expect.objectContaining({ asset: 'score', pathSegment: 'dt=2026-01-05', action: 'found' })])
    expect(dry.report.damaged[0]!.problem).toContain('damaged JSON')
    expect(await stat(partitionDir('score', '2026-01-05'))).toBeTruthy() // a dry run changes nothing

    const fixed = await repairJson()
    expect(fixed.code).toBe(0)
    expect(fixed.report.damaged).toEqual([expect.objectContaining({ asset: 'score', pathSegment: 'dt=2026-01-05', action: 'quarantined' })])
    const kept = fixed.report.damaged[0]!.detail as string
    expect(kept.startsWith(join(storage, '_strata', 'damaged', 'score', 'dt=2026-01-05'))).toBe(true)
    expect(JSON.parse(await readFile(join(kept, '_repair.json'), 'utf8'))).toMatchObject({ asset: 'score', pathSegment: 'dt=2026-01-05' })

    const rebuilt = await cli('materialize', 'score', '--partition', '2026-01-05')
    expect(rebuilt.code).toBe(0)
    expect(rebuilt.out).toMatch(/1 succeeded/)
    expect((await repairJson()).report).toMatchObject({ damaged: [], healthy: expect.any(Number) })
  })

  it('a manifest of the wrong shape, and one that sits in another partition folder, are damage too', async () => {
    const manifest = JSON.parse(await readFile(join(partitionDir('score', '2026-01-04'), '_manifest.json'), 'utf8')) as Record<string, unknown>
    await writeFile(join(partitionDir('score', '2026-01-04'), '_manifest.json'), JSON.stringify({ ...manifest, files: 'nope' }))
    await writeFile(join(partitionDir('score', '2026-01-03'), '_manifest.json'), JSON.stringify({ ...manifest, partition: '2026-01-02' }))
    const { report } = await repairJson()
    expect(report.damaged.map((entry) => `${entry.pathSegment}:${entry.action}`).sort()).toEqual(['dt=2026-01-03:quarantined', 'dt=2026-01-04:quarantined'])
    expect(report.damaged.find((entry) => entry.pathSegment === 'dt=2026-01-04')?.problem).toContain('files is malformed')
    expect(report.damaged.find((entry) => entry.pathSegment === 'dt=2026-01-03')?.problem).toContain('not dt=2026-01-03')
    expect((await cli('backfill', '+score', '--from', '2026-01-01', '--to', '2026-01-06')).out).toMatch(/2 succeeded/)
  })

  it('a missing data file under a manifest fails the steps that read it (never silently used) until repair + rebuild', async () => {
    await rm(join(partitionDir('clean', '2026-01-03'), 'value.json'))
    const failed = await cli('materialize', 'rolling', '--partition', '2026-01-04', '--force')
    expect(failed.code).toBe(1)
    expect(failed.out).toMatch(/clean\/dt=2026-01-03\/value\.json listed in the manifest of clean\/dt=2026-01-03 is missing/)
    const { report } = await repairJson()
    expect(report.damaged).toEqual([expect.objectContaining({ asset: 'clean', pathSegment: 'dt=2026-01-03', action: 'quarantined' })])
    const rebuilt = await cli('materialize', '+rolling', '--partition', '2026-01-04', '--force')
    expect(rebuilt.code).toBe(0)
  })

  it('a file whose bytes changed but not its size is found by --verify (sha256), not by the quick scan', async () => {
    const file = join(partitionDir('source', '2026-01-02'), 'value.json')
    const text = await readFile(file, 'utf8')
    await writeFile(file, text.replace(/"value":\d/, (match) => `${match.slice(0, -1)}${(Number(match.at(-1)) + 1) % 10}`))
    expect((await repairJson('--dry-run')).report.damaged).toEqual([])
    const verified = await repairJson('--verify')
    expect(verified.report.damaged).toEqual([expect.objectContaining({ asset: 'source', pathSegment: 'dt=2026-01-02', action: 'quarantined' })])
    expect(verified.report.damaged[0]!.problem).toContain('sha256')
  })

  it('a half-written staging folder from a crash is invisible to readers and removed by repair once old', async () => {
    const leftover = join(storage, '_strata', 'staging', 'score', 'dt=2026-01-05', `run-crashed-${randomBytes(4).toString('hex')}`)
    await mkdir(leftover, { recursive: true })
    await writeFile(join(leftover, 'value.json'), '{"val')
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000)
    await utimes(leftover, old, old)
    const show = await cli('show', 'score', '--partition', '2026-01-05')
    expect(show.code).toBe(0)
    expect(JSON.parse(show.out)).toMatchObject({ partition: '2026-01-05' })
    const dry = await repairJson('--dry-run')
    expect(dry.report).toMatchObject({ damaged: [], leftoversFound: 1, leftoversRemoved: 0 })
    const fixed = await repairJson()
    expect(fixed.report.leftoversRemoved).toBeGreaterThanOrEqual(1)
    expect(await readdir(join(storage, '_strata', 'staging', 'score', 'dt=2026-01-05'))).toEqual([])
  })

  it('repair leaves a partition alone while a step holds its lock', async () => {
    await writeFile(join(partitionDir('score', '2026-01-05'), '_manifest.json'), 'garbage')
    const { lockLocalPartition, lockOwner } = await import('../../framework/storage/index.js')
    const lock = await lockLocalPartition(join(storage, '_strata', 'locks', 'score', 'dt=2026-01-05.lock'), 'score', 'dt=2026-01-05', lockOwner('run-busy'))
    try {
      const result = await repairJson()
      expect(result.code).toBe(1)
      expect(result.report.damaged).toEqual([expect.objectContaining({ action: 'skipped' })])
      expect(result.report.damaged[0]!.detail).toContain('run-busy')
    } finally {
      await lock.release()
    }
  })
})

describe('damaged partitions on S3', () => {
  let server: S3TestServer
  let root: string
  beforeAll(async () => {
    server = await startS3Server(['strata-repair'])
    root = await mkdtemp(join(tmpdir(), 'strata-repair-s3-'))
  })
  afterAll(async () => {
    await server.stop()
    await rm(root, { recursive: true, force: true })
  })

  it('a damaged pointer and a missing version file are moved aside, and the next run rebuilds them', async () => {
    const location = `s3://strata-repair/r-${randomBytes(3).toString('hex')}`
    const cli = async (...argv: string[]) => {
      const io = captureIo({ ...server.env, STRATA_STORAGE: location }, root)
      const code = await runCli(argv, io, app)
      return { code, out: io.out(), err: io.err() }
    }
    expect((await cli('backfill', 'source', '--from', '2026-01-01', '--to', '2026-01-03')).code).toBe(0)
    const store = openObjectStore(location, { env: server.env })
    await store.put('source/dt=2026-01-02/_manifest.json', 'not json')
    const pointer = JSON.parse(((await store.get('source/dt=2026-01-03/_manifest.json')) as Buffer).toString('utf8')) as { location: string }
    await store.delete([`source/dt=2026-01-03/${pointer.location}/value.json`])

    const result = await cli('repair', '--json')
    const report = JSON.parse(result.out) as RepairJson
    expect(report.damaged.map((entry) => `${entry.pathSegment}:${entry.action}`).sort()).toEqual(['dt=2026-01-02:quarantined', 'dt=2026-01-03:quarantined'])
    expect(result.code).toBe(0)
    expect(await store.get('source/dt=2026-01-02/_manifest.json')).toBeUndefined()
    const kept: string[] = []
    for await (const object of store.list('_strata/damaged/source/')) kept.push(object.key)
    expect(kept.some((key) => key.endsWith('/_manifest.json'))).toBe(true)

    const rebuilt = await cli('backfill', 'source', '--from', '2026-01-01', '--to', '2026-01-03')
    expect(rebuilt.out).toMatch(/2 succeeded/)
    expect(rebuilt.code).toBe(0)
  })
})
