import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join, relative } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StrataError } from '../../../framework/errors/index.js'
import { LocalStorage, type Manifest } from '../../../framework/storage/index.js'
import { manifestFor, storageContract } from './storage-contract.js'

async function listTree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort()
}

storageContract('LocalStorage', async () => {
  const root = await mkdtemp(join(tmpdir(), 'strata-local-'))
  return {
    storage: new LocalStorage(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
    corrupt: {
      damageManifest: (asset, segment, content) => writeFile(join(root, asset, segment, '_manifest.json'), content),
      deleteDataFile: (asset, segment, name) => rm(join(root, asset, segment, name)),
    },
    listAll: () => listTree(root),
  }
})

describe('LocalStorage (local only)', () => {
  const ASSET = 'daily_sales'
  const SEGMENT = 'dt=2026-03-01'
  let root: string
  let storage: LocalStorage

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-local-'))
    storage = new LocalStorage(root)
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  async function commit(files: Record<string, string>, runId: string, target = storage): Promise<Manifest> {
    const staged = await target.stage(ASSET, '2026-03-01', SEGMENT, runId)
    for (const [name, content] of Object.entries(files)) await writeFile(join(staged.dir, name), content)
    return target.commit(staged, manifestFor(ASSET, '2026-03-01', runId))
  }

  /** What the first rename of a commit does; a crash right after it leaves exactly this. */
  async function moveToTrash(at: number): Promise<string> {
    const trash = join(root, '_strata', 'trash', ASSET, SEGMENT, `${String(at).padStart(15, '0')}-abcd1234`)
    await mkdir(join(trash, '..'), { recursive: true })
    await rename(join(root, ASSET, SEGMENT), trash)
    return trash
  }

  it('resolves its root to an absolute path and uses the documented layout', async () => {
    const relativeStorage = new LocalStorage(relative(process.cwd(), root))
    expect(isAbsolute(relativeStorage.root)).toBe(true)
    expect(relativeStorage.location).toBe(root)

    const staged = await storage.stage(ASSET, '2026-03-01', SEGMENT, 'run-1')
    expect(relative(root, staged.dir)).toMatch(/^_strata\/staging\/daily_sales\/dt=2026-03-01\/run-1-[0-9a-f]+$/)
    await writeFile(join(staged.dir, 'a.parquet'), 'x')
    await storage.commit(staged, manifestFor(ASSET, '2026-03-01', 'run-1'))
    await storage.writeFailure(ASSET, 'dt=2026-03-02', { asset: ASSET, partition: '2026-03-02', runId: 'r', failedAt: 'now', error: 'e' })
    await storage.writeDocument('runs/abc', { ok: true })

    expect(await listTree(root)).toEqual([
      '_strata/docs/runs/abc.json',
      '_strata/failures/daily_sales/dt=2026-03-02.json',
      'daily_sales/dt=2026-03-01/_manifest.json',
      'daily_sales/dt=2026-03-01/a.parquet',
    ])
  })

  describe('recovery from a crash between the two renames', () => {
    it('restores the trashed version on read', async () => {
      await commit({ 'a.parquet': 'version one' }, 'run-1')
      const second = await commit({ 'a.parquet': 'version two' }, 'run-2')
      await moveToTrash(Date.now())

      expect(await storage.readManifest(ASSET, SEGMENT)).toEqual(second)
      expect(await readFile(join(root, ASSET, SEGMENT, 'a.parquet'), 'utf8')).toBe('version two')
      expect(await readdir(join(root, '_strata', 'trash', ASSET, SEGMENT))).toEqual([])
    })

    it('restores through listManifests and localDir too, and a new commit then succeeds', async () => {
      const first = await commit({ 'a.parquet': 'one' }, 'run-1')
      await moveToTrash(Date.now())
      expect(await storage.listManifests(ASSET)).toEqual([first])

      await moveToTrash(Date.now() + 1)
      expect(await storage.localDir(first, SEGMENT)).toBe(join(root, ASSET, SEGMENT))

      const second = await commit({ 'a.parquet': 'two' }, 'run-2')
      expect(await storage.readManifest(ASSET, SEGMENT)).toEqual(second)
    })

    it('skips newer incomplete trash entries (no manifest, or missing files) and restores the newest complete one', async () => {
      const first = await commit({ 'a.parquet': 'one' }, 'run-1')
      const now = Date.now()
      await moveToTrash(now)
      const noManifest = join(root, '_strata', 'trash', ASSET, SEGMENT, `${String(now + 1).padStart(15, '0')}-00000001`)
      await mkdir(noManifest, { recursive: true })
      await writeFile(join(noManifest, 'a.parquet'), 'half deleted')
      const missingFile = join(root, '_strata', 'trash', ASSET, SEGMENT, `${String(now + 2).padStart(15, '0')}-00000002`)
      await mkdir(missingFile, { recursive: true })
      await writeFile(join(missingFile, '_manifest.json'), JSON.stringify({ ...first, runId: 'run-x' }))

      expect(await storage.readManifest(ASSET, SEGMENT)).toEqual(first)
    })

    it('a reader and a committer racing in one process both end consistent', async () => {
      await commit({ 'a.parquet': 'one' }, 'run-1')
      const commits = Array.from({ length: 5 }, (_, i) => commit({ 'a.parquet': `v${i}`.repeat(i + 1) }, `run-${i + 2}`))
      const reads = Array.from({ length: 20 }, () => storage.readManifest(ASSET, SEGMENT))
      const [committed, read] = await Promise.all([Promise.all(commits), Promise.all(reads)])
      for (const manifest of read) expect(manifest).toBeDefined()
      const final = await storage.readManifest(ASSET, SEGMENT)
      expect(committed.map((manifest) => manifest.runId)).toContain(final?.runId)
      await expect(storage.localDir(final as Manifest, SEGMENT)).resolves.toBe(join(root, ASSET, SEGMENT))
      expect(await readdir(join(root, '_strata', 'trash', ASSET, SEGMENT))).toEqual([])
    })

    it('two LocalStorage instances (as two processes would) committing the same partition both succeed', async () => {
      const other = new LocalStorage(root)
      await commit({ 'a.parquet': 'base' }, 'run-0')
      const results = await Promise.all([
        ...Array.from({ length: 4 }, (_, i) => commit({ 'a.parquet': `left ${i}` }, `left-${i}`)),
        ...Array.from({ length: 4 }, (_, i) => commit({ 'a.parquet': `right ${i}` }, `right-${i}`, other)),
      ])
      const final = await storage.readManifest(ASSET, SEGMENT)
      expect(results.map((manifest) => manifest.dataVersion)).toContain(final?.dataVersion)
      await expect(other.localDir(final as Manifest, SEGMENT)).resolves.toBeTruthy()
    })
  })

  describe('cleanStaging', () => {
    it('removes abandoned staging folders once they are old enough', async () => {
      const staged = await storage.stage(ASSET, '2026-03-01', SEGMENT, 'run-crashed')
      await writeFile(join(staged.dir, 'a.parquet'), 'orphan')
      expect(await storage.cleanStaging(60_000)).toBe(0)
      const old = new Date(Date.now() - 120_000)
      await utimes(staged.dir, old, old)
      expect(await storage.cleanStaging(60_000)).toBe(1)
      await expect(stat(staged.dir)).rejects.toThrow()
    })

    it('removes old trash leftovers but never the only copy of a version', async () => {
      const first = await commit({ 'a.parquet': 'one' }, 'run-1')
      await moveToTrash(Date.now() - 120_000)
      expect(await storage.cleanStaging(60_000)).toBe(0)
      expect(await storage.readManifest(ASSET, SEGMENT)).toEqual(first)

      // A leftover of a commit that crashed while deleting its trash: target present, trash stale.
      await mkdir(join(root, '_strata', 'trash', ASSET, SEGMENT, `${String(Date.now() - 120_000).padStart(15, '0')}-deadbeef`), { recursive: true })
      expect(await storage.cleanStaging(60_000)).toBe(1)
      expect(await readdir(join(root, '_strata', 'trash', ASSET, SEGMENT))).toEqual([])
      expect(await storage.readManifest(ASSET, SEGMENT)).toEqual(first)
    })
  })

  describe('localDir', () => {
    it('checks sizes always and sha256 only with verifyHashes', async () => {
      const committed = await commit({ 'a.parquet': 'abcdef' }, 'run-1')
      await writeFile(join(root, ASSET, SEGMENT, 'a.parquet'), 'abcdeX')
      await expect(storage.localDir(committed, SEGMENT)).resolves.toBe(join(root, ASSET, SEGMENT))
      const strict = new LocalStorage(root, { verifyHashes: true })
      await expect(strict.localDir(committed, SEGMENT)).rejects.toMatchObject({ code: 'corrupt', message: expect.stringContaining('a.parquet') })

      await writeFile(join(root, ASSET, SEGMENT, 'a.parquet'), 'abc')
      await expect(storage.localDir(committed, SEGMENT)).rejects.toMatchObject({ code: 'corrupt', message: expect.stringContaining('3 bytes') })
    })

    it('refuses a stale manifest after the partition was recommitted', async () => {
      const first = await commit({ 'a.parquet': 'one' }, 'run-1')
      await commit({ 'a.parquet': 'two' }, 'run-2')
      await expect(storage.localDir(first, SEGMENT)).rejects.toMatchObject({ code: 'storage', hint: 'Read the manifest again and retry.' })
    })
  })

  it('reports a partition folder without a manifest as corrupt', async () => {
    await mkdir(join(root, ASSET, SEGMENT), { recursive: true })
    await expect(storage.readManifest(ASSET, SEGMENT)).rejects.toMatchObject({ code: 'corrupt', message: expect.stringContaining('_manifest.json') })
  })

  it('reports a damaged failure record or document as corrupt, naming the file', async () => {
    await mkdir(join(root, '_strata', 'failures', ASSET), { recursive: true })
    await writeFile(join(root, '_strata', 'failures', ASSET, `${SEGMENT}.json`), '{"asset":')
    await expect(storage.readFailure(ASSET, SEGMENT)).rejects.toMatchObject({ code: 'corrupt', message: expect.stringContaining(`${SEGMENT}.json`) })

    await storage.writeDocument('runs/x', { ok: 1 })
    await writeFile(join(root, '_strata', 'docs', 'runs', 'x.json'), 'nope')
    await expect(storage.readDocument('runs/x')).rejects.toMatchObject({ code: 'corrupt', message: expect.stringContaining('x.json') })
  })

  it('leaves no temp files behind and rejects values JSON cannot hold', async () => {
    await storage.writeDocument('a', { v: 1 })
    expect(await readdir(join(root, '_strata', 'tmp'))).toEqual([])
    await expect(storage.writeDocument('b', undefined)).rejects.toBeInstanceOf(StrataError)
  })

  it('rejects staged folders holding something other than plain files', async () => {
    const staged = await storage.stage(ASSET, '2026-03-01', SEGMENT, 'run-1')
    await mkdir(join(staged.dir, 'nested'))
    await expect(storage.commit(staged, manifestFor(ASSET, '2026-03-01', 'run-1'))).rejects.toMatchObject({ code: 'usage' })
    expect(await storage.readManifest(ASSET, SEGMENT)).toBeUndefined()
  })
})
