import { createHash } from 'node:crypto'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StrataError } from '../../../framework/errors/index.js'
import { dataVersionOf, type FailureRecord, type Manifest, type StagedPartition, type Storage } from '../../../framework/storage/index.js'

/**
 * What an implementation hands the contract suite: the storage, a way to remove it, and
 * hooks that damage its state behind its back (each implementation knows where its files are).
 */
export interface StorageUnderTest {
  readonly storage: Storage
  cleanup(): Promise<void>
  readonly corrupt: {
    /** Overwrite the committed `_manifest.json` of a partition with `content`. */
    damageManifest(asset: string, pathSegment: string, content: string): Promise<void>
    /** Delete one committed data file of a partition. */
    deleteDataFile(asset: string, pathSegment: string, name: string): Promise<void>
  }
  /** Every file/object the storage holds, relative to its root, sorted. */
  listAll(): Promise<string[]>
}

const ASSET = 'daily_sales'
const DAY = '2026-03-01'
const SEGMENT = `dt=${DAY}`

/** Inputs no storage may turn into a path: traversal, absolute, encoded, look-alike dots, NUL. */
const HOSTILE = ['../x', '/abs', '%2e%2e', '\u2024\u2024', 'a\0b', '..', '.', '', 'a/../../b']
const BAD_ASSETS = [...HOSTILE, 'Sales', '_strata', '9lives', 'a'.repeat(64)]
const BAD_SEGMENTS = [...HOSTILE, 'dt=2026-03-01/../../x', 'dt=2026-03-01\0', 'day=2026-03-01', 'dt=26-3-1', 'ALL']
const BAD_DOC_KEYS = [...HOSTILE, 'runs/../x', 'runs//x', 'runs/', 'runs/\u2024\u2024', 'runs/a b', 'runs\\x']

export function manifestFor(asset: string, partition: string, runId: string, metadata: Manifest['metadata'] = {}): Manifest {
  return {
    formatVersion: 1,
    asset,
    partition,
    runId,
    startedAt: '2026-03-02T02:00:00.000Z',
    committedAt: '2026-03-02T02:00:05.000Z',
    codeVersion: 'v1',
    dataVersion: '',
    upstream: [{ asset: 'landing_sales', partition, dataVersion: 'abc' }],
    rowCount: 3,
    schema: [{ name: 'customer_id', type: 'VARCHAR' }],
    files: [],
    checks: [{ name: 'unique_key', passed: true, severity: 'error', blocking: true, message: 'no duplicate customer_id' }],
    metadata,
  }
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')

async function stageWith(storage: Storage, files: Record<string, string>, runId = 'run-1', segment = SEGMENT, asset = ASSET): Promise<StagedPartition> {
  const partition = segment === 'all' ? 'all' : segment.slice(segment.indexOf('=') + 1)
  const staged = await storage.stage(asset, partition, segment, runId)
  for (const [name, content] of Object.entries(files)) await writeFile(join(staged.dir, name), content)
  return staged
}

async function commitFiles(storage: Storage, files: Record<string, string>, runId = 'run-1', segment = SEGMENT, asset = ASSET): Promise<Manifest> {
  const staged = await stageWith(storage, files, runId, segment, asset)
  return storage.commit(staged, manifestFor(asset, staged.partition, runId, { runId }))
}

async function expectStrataError(work: Promise<unknown>, code?: string): Promise<StrataError> {
  const error = await work.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error, 'expected a StrataError').toBeInstanceOf(StrataError)
  if (code) expect((error as StrataError).code).toBe(code)
  return error as StrataError
}

/**
 * The behaviour every {@link Storage} must have. Declares a vitest `describe`; each test gets a
 * fresh, empty storage from `makeStorage` and cleans it up afterwards.
 *
 * @example
 * storageContract('LocalStorage', async () => { … return { storage, cleanup, corrupt, listAll } })
 */
export function storageContract(name: string, makeStorage: () => Promise<StorageUnderTest>): void {
  describe(`Storage contract: ${name}`, () => {
    let subject: StorageUnderTest
    let storage: Storage

    beforeEach(async () => {
      subject = await makeStorage()
      storage = subject.storage
    })
    afterEach(async () => {
      await subject.cleanup()
    })

    describe('stage / commit / read', () => {
      it('round-trips a partition: commit fills files and data version, readManifest and localDir return them', async () => {
        const files = { 'part-0.parquet': 'alpha'.repeat(100), 'part-1.parquet': 'beta' }
        const committed = await commitFiles(storage, files)

        const expectedFiles = Object.entries(files)
          .map(([fileName, content]) => ({ name: fileName, bytes: Buffer.byteLength(content), sha256: sha256(content) }))
          .sort((a, b) => a.name.localeCompare(b.name))
        expect([...committed.files].sort((a, b) => a.name.localeCompare(b.name))).toEqual(expectedFiles)
        expect(committed.dataVersion).toBe(dataVersionOf(expectedFiles))
        expect(committed.runId).toBe('run-1')

        const read = await storage.readManifest(ASSET, SEGMENT)
        expect(read).toEqual(committed)

        const dir = await storage.localDir(committed, SEGMENT)
        for (const [fileName, content] of Object.entries(files)) {
          expect(await readFile(join(dir, fileName), 'utf8')).toBe(content)
        }
      })

      it('returns undefined for a partition never committed', async () => {
        expect(await storage.readManifest(ASSET, SEGMENT)).toBeUndefined()
        expect(await storage.readManifest(ASSET, 'all')).toBeUndefined()
      })

      it('keeps the previous version readable while a new one is only staged', async () => {
        const first = await commitFiles(storage, { 'a.parquet': 'one' }, 'run-1')
        await stageWith(storage, { 'a.parquet': 'two, not yet committed' }, 'run-2')
        expect(await storage.readManifest(ASSET, SEGMENT)).toEqual(first)
        const dir = await storage.localDir(first, SEGMENT)
        expect(await readFile(join(dir, 'a.parquet'), 'utf8')).toBe('one')
      })

      it('replaces an existing version: the new files are visible, files of the old one are gone', async () => {
        await commitFiles(storage, { 'a.parquet': 'old a', 'b.parquet': 'old b' }, 'run-1')
        const second = await commitFiles(storage, { 'b.parquet': 'new b', 'c.parquet': 'new c' }, 'run-2')

        const read = await storage.readManifest(ASSET, SEGMENT)
        expect(read?.runId).toBe('run-2')
        expect(read?.files.map((file) => file.name).sort()).toEqual(['b.parquet', 'c.parquet'])
        const dir = await storage.localDir(second, SEGMENT)
        const names = (await readdir(dir)).filter((entry) => entry !== '_manifest.json').sort()
        expect(names).toEqual(['b.parquet', 'c.parquet'])
        expect(await readFile(join(dir, 'b.parquet'), 'utf8')).toBe('new b')
        expect(await storage.listManifests(ASSET)).toHaveLength(1)
      })

      it('gives the same data version when the same content is committed again (idempotent rerun)', async () => {
        const first = await commitFiles(storage, { 'a.parquet': 'same' }, 'run-1')
        const second = await commitFiles(storage, { 'a.parquet': 'same' }, 'run-2')
        expect(second.dataVersion).toBe(first.dataVersion)
        expect((await storage.readManifest(ASSET, SEGMENT))?.runId).toBe('run-2')
      })

      it('commits an unpartitioned asset under `all`', async () => {
        await commitFiles(storage, { 'model.json': '{}' }, 'run-1', 'all', 'segment_model')
        expect((await storage.readManifest('segment_model', 'all'))?.partition).toBe('all')
      })

      it('rejects a manifest whose files do not match the staged files', async () => {
        const staged = await stageWith(storage, { 'a.parquet': 'real' })
        const lying = { ...manifestFor(ASSET, DAY, 'run-1'), files: [{ name: 'a.parquet', bytes: 4, sha256: sha256('fake') }] }
        await expectStrataError(storage.commit(staged, lying))
        expect(await storage.readManifest(ASSET, SEGMENT)).toBeUndefined()
      })

      it('rejects a manifest of another partition', async () => {
        const staged = await stageWith(storage, { 'a.parquet': 'x' })
        await expectStrataError(storage.commit(staged, manifestFor(ASSET, '2026-03-02', 'run-1')))
        expect(await storage.readManifest(ASSET, SEGMENT)).toBeUndefined()
      })
    })

    describe('discard', () => {
      it('throws the staged files away without committing anything', async () => {
        const staged = await stageWith(storage, { 'a.parquet': 'x' })
        await storage.discard(staged)
        expect(await storage.readManifest(ASSET, SEGMENT)).toBeUndefined()
        await expectStrataError(storage.commit(staged, manifestFor(ASSET, DAY, 'run-1')))
        expect(await storage.readManifest(ASSET, SEGMENT)).toBeUndefined()
      })

      it('leaves the committed version alone', async () => {
        const committed = await commitFiles(storage, { 'a.parquet': 'keep' }, 'run-1')
        await storage.discard(await stageWith(storage, { 'a.parquet': 'drop' }, 'run-2'))
        expect(await storage.readManifest(ASSET, SEGMENT)).toEqual(committed)
      })
    })

    describe('listManifests', () => {
      it('lists every committed partition of an asset and nothing of others', async () => {
        await commitFiles(storage, { 'a.parquet': '1' }, 'run-1', 'dt=2026-03-01')
        await commitFiles(storage, { 'a.parquet': '2' }, 'run-1', 'dt=2026-03-02')
        await commitFiles(storage, { 'a.parquet': '3' }, 'run-1', 'week=2026-03-02', 'weekly_sales')
        await stageWith(storage, { 'a.parquet': 'staged only' }, 'run-2', 'dt=2026-03-03')

        const partitions = (await storage.listManifests(ASSET)).map((manifest) => manifest.partition).sort()
        expect(partitions).toEqual(['2026-03-01', '2026-03-02'])
        expect((await storage.listManifests('weekly_sales')).map((manifest) => manifest.partition)).toEqual(['2026-03-02'])
        expect(await storage.listManifests('never_built')).toEqual([])
      })
    })

    describe('failure records', () => {
      const failure: FailureRecord = { asset: ASSET, partition: DAY, runId: 'run-1', failedAt: '2026-03-02T02:00:00.000Z', error: 'boom' }

      it('are written, read and listed, and cleared by the next commit', async () => {
        expect(await storage.readFailure(ASSET, SEGMENT)).toBeUndefined()
        await storage.writeFailure(ASSET, SEGMENT, failure)
        await storage.writeFailure(ASSET, 'dt=2026-03-02', { ...failure, partition: '2026-03-02' })
        expect(await storage.readFailure(ASSET, SEGMENT)).toEqual(failure)
        expect((await storage.listFailures(ASSET)).map((record) => record.partition).sort()).toEqual(['2026-03-01', '2026-03-02'])

        await commitFiles(storage, { 'a.parquet': 'fixed' }, 'run-2')
        expect(await storage.readFailure(ASSET, SEGMENT)).toBeUndefined()
        expect((await storage.listFailures(ASSET)).map((record) => record.partition)).toEqual(['2026-03-02'])
      })

      it('are replaced by a newer failure of the same partition', async () => {
        await storage.writeFailure(ASSET, SEGMENT, failure)
        await storage.writeFailure(ASSET, SEGMENT, { ...failure, runId: 'run-2', error: 'again' })
        expect(await storage.readFailure(ASSET, SEGMENT)).toMatchObject({ runId: 'run-2', error: 'again' })
        expect(await storage.listFailures(ASSET)).toHaveLength(1)
      })
    })

    describe('documents', () => {
      it('round-trip JSON and list by prefix', async () => {
        const record = { runId: 'a', nested: { list: [1, 'two', null, true] } }
        await storage.writeDocument('runs/20260301T020000Z-aaaaaa', record)
        await storage.writeDocument('runs/20260302T020000Z-bbbbbb', { runId: 'b' })
        await storage.writeDocument('ticks/daily/2026-03-01', { done: true })
        await storage.writeDocument('runs_archive', { old: true })

        expect(await storage.readDocument('runs/20260301T020000Z-aaaaaa')).toEqual(record)
        expect(await storage.readDocument('runs/missing')).toBeUndefined()
        expect(await storage.listDocuments('runs/')).toEqual(['runs/20260301T020000Z-aaaaaa', 'runs/20260302T020000Z-bbbbbb'])
        expect(await storage.listDocuments('runs/20260302')).toEqual(['runs/20260302T020000Z-bbbbbb'])
        expect(await storage.listDocuments('ticks/')).toEqual(['ticks/daily/2026-03-01'])
        expect(await storage.listDocuments('')).toEqual([
          'runs/20260301T020000Z-aaaaaa',
          'runs/20260302T020000Z-bbbbbb',
          'runs_archive',
          'ticks/daily/2026-03-01',
        ])
        expect(await storage.listDocuments('nothing/')).toEqual([])
      })

      it('create a document only when none has the key; the first one stays', async () => {
        expect(await storage.createDocument('schedules/daily/ticks/20260301T020000Z', { runId: 'a' })).toBe(true)
        expect(await storage.createDocument('schedules/daily/ticks/20260301T020000Z', { runId: 'b' })).toBe(false)
        expect(await storage.readDocument('schedules/daily/ticks/20260301T020000Z')).toEqual({ runId: 'a' })
        expect(await storage.listDocuments('schedules/')).toEqual(['schedules/daily/ticks/20260301T020000Z'])
        for (const bad of BAD_DOC_KEYS) await expectStrataError(storage.createDocument(bad, {}), 'usage')
      })

      it('overwrite an existing document', async () => {
        await storage.writeDocument('schedules/daily', { tick: 1 })
        await storage.writeDocument('schedules/daily', { tick: 2 })
        expect(await storage.readDocument('schedules/daily')).toEqual({ tick: 2 })
        expect(await storage.listDocuments('schedules/')).toEqual(['schedules/daily'])
      })
    })

    describe('hostile keys', () => {
      it('rejects invalid asset keys with a StrataError before touching anything', async () => {
        const before = await subject.listAll()
        for (const bad of BAD_ASSETS) {
          await expectStrataError(storage.stage(bad, DAY, SEGMENT, 'run-1'), 'usage')
          await expectStrataError(storage.readManifest(bad, SEGMENT), 'usage')
          await expectStrataError(storage.listManifests(bad), 'usage')
          await expectStrataError(storage.writeFailure(bad, SEGMENT, { asset: bad, partition: DAY, runId: 'r', failedAt: 'now', error: 'x' }), 'usage')
          await expectStrataError(storage.readFailure(bad, SEGMENT), 'usage')
          await expectStrataError(storage.listFailures(bad), 'usage')
        }
        expect(await subject.listAll()).toEqual(before)
      })

      it('rejects invalid path segments and run ids with a StrataError before touching anything', async () => {
        const before = await subject.listAll()
        for (const bad of BAD_SEGMENTS) {
          await expectStrataError(storage.stage(ASSET, DAY, bad, 'run-1'), 'usage')
          await expectStrataError(storage.readManifest(ASSET, bad), 'usage')
          await expectStrataError(storage.writeFailure(ASSET, bad, { asset: ASSET, partition: DAY, runId: 'r', failedAt: 'now', error: 'x' }), 'usage')
          await expectStrataError(storage.readFailure(ASSET, bad), 'usage')
        }
        for (const bad of HOSTILE) await expectStrataError(storage.stage(ASSET, DAY, SEGMENT, bad), 'usage')
        expect(await subject.listAll()).toEqual(before)
      })

      it('rejects invalid document keys and prefixes with a StrataError before touching anything', async () => {
        const before = await subject.listAll()
        for (const bad of BAD_DOC_KEYS) {
          await expectStrataError(storage.writeDocument(bad, { x: 1 }), 'usage')
          await expectStrataError(storage.readDocument(bad), 'usage')
        }
        for (const bad of ['../', '/abs', 'a/../', '%2e%2e/', '\u2024\u2024/', 'a\0/', 'runs//']) {
          await expectStrataError(storage.listDocuments(bad), 'usage')
        }
        expect(await subject.listAll()).toEqual(before)
      })

      it('rejects a forged staged partition', async () => {
        const staged = await stageWith(storage, { 'a.parquet': 'x' })
        const forged: StagedPartition = { ...staged, asset: '../evil' }
        await expectStrataError(storage.commit(forged, manifestFor('../evil', DAY, 'run-1')), 'usage')
        await expectStrataError(storage.discard({ ...staged, pathSegment: '../../x' }), 'usage')
      })
    })

    describe('damage', () => {
      it('localDir reports a missing data file as corrupt, naming the file and how to rebuild', async () => {
        const committed = await commitFiles(storage, { 'a.parquet': 'aaa', 'b.parquet': 'bbb' })
        await subject.corrupt.deleteDataFile(ASSET, SEGMENT, 'b.parquet')
        const error = await expectStrataError(storage.localDir(committed, SEGMENT), 'corrupt')
        expect(error.message).toContain('b.parquet')
        expect(error.hint).toBe(`rebuild the partition: strata materialize ${ASSET} --partition ${DAY} --force`)
      })

      it.each([
        ['bad JSON', '{"formatVersion": 1, "asset": '],
        ['a wrong shape', JSON.stringify({ formatVersion: 1, asset: ASSET, files: 'nope' })],
        ['an escaping file name', JSON.stringify({ ...manifestFor(ASSET, DAY, 'r'), files: [{ name: '../../etc/passwd', bytes: 1, sha256: 'a'.repeat(64) }] })],
      ])('a damaged manifest (%s) is reported as corrupt, never taken for a missing one', async (_label, content) => {
        await commitFiles(storage, { 'a.parquet': 'aaa' })
        await subject.corrupt.damageManifest(ASSET, SEGMENT, content)
        const error = await expectStrataError(storage.readManifest(ASSET, SEGMENT), 'corrupt')
        expect(error.message).toContain('_manifest.json')
        expect(error.hint).toContain(`strata materialize ${ASSET} --partition ${DAY} --force`)
        await expectStrataError(storage.listManifests(ASSET), 'corrupt')
      })

      it('a damaged partition is repaired by committing it again', async () => {
        await commitFiles(storage, { 'a.parquet': 'aaa' })
        await subject.corrupt.damageManifest(ASSET, SEGMENT, 'garbage')
        const fixed = await commitFiles(storage, { 'a.parquet': 'rebuilt' }, 'run-2')
        expect(await storage.readManifest(ASSET, SEGMENT)).toEqual(fixed)
      })
    })
  })
}
