import { createHash, randomBytes } from 'node:crypto'
import { open, mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { StrataError } from '../../../framework/errors/index.js'
import { S3Storage, openStorage, type Manifest } from '../../../framework/storage/index.js'
import { silentLogger } from '../../../framework/definitions/logger.js'
import { S3ObjectStore, createS3Client, openObjectStore, parseS3Url } from '../../../resources/s3.js'
import { platform } from '../../../resources/platform.js'
import type { ObjectStore } from '../../../framework/storage/object-store.js'
import { startS3Server, type S3TestServer } from '../../support/s3-server.js'
import { manifestFor, storageContract } from './storage-contract.js'

const BUCKET = 'strata-test'
const HOUR = 60 * 60 * 1000
let server: S3TestServer
let counter = 0

beforeAll(async () => {
  server = await startS3Server([BUCKET])
})
afterAll(async () => {
  await server.stop()
})

/** A fresh prefix and cache folder, so every test starts from an empty storage. */
async function freshStorage(options: { now?: () => number; wrap?: (store: ObjectStore) => ObjectStore; verifyHashes?: boolean } = {}) {
  const url = `s3://${BUCKET}/t${++counter}-${randomBytes(3).toString('hex')}/store`
  const store = openObjectStore(url, { env: server.env })
  const cacheDir = await mkdtemp(join(tmpdir(), 'strata-s3-test-'))
  const storage = new S3Storage({ store: options.wrap ? options.wrap(store) : store, cacheDir, ...(options.now ? { now: options.now } : {}), verifyHashes: options.verifyHashes ?? false })
  const listAll = async (): Promise<string[]> => {
    const keys: string[] = []
    for await (const object of store.list('')) keys.push(object.key)
    return keys.sort()
  }
  const cleanup = async (): Promise<void> => {
    await store.delete(await listAll())
    await rm(cacheDir, { recursive: true, force: true })
  }
  return { url, store, storage, cacheDir, listAll, cleanup }
}

async function currentLocation(store: ObjectStore, asset: string, segment: string): Promise<string> {
  const body = await store.get(`${asset}/${segment}/_manifest.json`)
  return (JSON.parse((body as Buffer).toString('utf8')) as Manifest).location as string
}

storageContract('S3Storage', async () => {
  const { store, storage, listAll, cleanup } = await freshStorage()
  return {
    storage,
    cleanup,
    corrupt: {
      damageManifest: (asset, segment, content) => store.put(`${asset}/${segment}/_manifest.json`, content),
      deleteDataFile: async (asset, segment, name) => store.delete([`${asset}/${segment}/${await currentLocation(store, asset, segment)}/${name}`]),
    },
    listAll,
  }
})

describe('S3Storage (S3 only)', () => {
  const ASSET = 'daily_sales'
  const DAY = '2026-03-01'
  const SEGMENT = `dt=${DAY}`
  let subject: Awaited<ReturnType<typeof freshStorage>>
  let offset: number
  const clock = (): number => Date.now() + offset

  beforeEach(async () => {
    offset = 0
    subject = await freshStorage({ now: clock })
  })
  afterEach(async () => {
    await subject.cleanup()
  })

  async function commit(files: Record<string, string | Buffer>, runId: string, storage: S3Storage = subject.storage): Promise<Manifest> {
    const staged = await storage.stage(ASSET, DAY, SEGMENT, runId)
    for (const [name, content] of Object.entries(files)) await writeFile(join(staged.dir, name), content)
    return storage.commit(staged, manifestFor(ASSET, DAY, runId))
  }

  const versionsIn = (keys: string[]): string[] => [...new Set(keys.filter((key) => key.startsWith(`${ASSET}/${SEGMENT}/v=`)).map((key) => key.split('/')[2] as string))].sort()

  it('uses the documented layout: a v= folder per commit and the manifest pointer beside it', async () => {
    const committed = await commit({ 'a.parquet': 'one' }, 'run-1')
    expect(committed.location).toMatch(/^v=run-1-[0-9a-f]{8}$/)
    await subject.storage.writeFailure(ASSET, 'dt=2026-03-02', { asset: ASSET, partition: '2026-03-02', runId: 'r', failedAt: 'now', error: 'e' })
    await subject.storage.writeDocument('runs/abc', { ok: true })
    expect(await subject.listAll()).toEqual([
      '_strata/docs/runs/abc.json',
      '_strata/failures/daily_sales/dt=2026-03-02.json',
      'daily_sales/dt=2026-03-01/_manifest.json',
      `daily_sales/dt=2026-03-01/${committed.location}/a.parquet`,
    ])
    expect(subject.storage.dataLocation(committed, SEGMENT)).toBe(`${subject.url}/daily_sales/dt=2026-03-01/${committed.location}/`)
  })

  it('hides a superseded version, keeps it readable during the grace period, then deletes it', async () => {
    const first = await commit({ 'a.parquet': 'version one' }, 'run-1')
    const second = await commit({ 'a.parquet': 'version two!' }, 'run-2')
    expect(await subject.storage.readManifest(ASSET, SEGMENT)).toEqual(second)
    expect(await subject.storage.listManifests(ASSET)).toEqual([second])

    // Still inside the grace period: the old version is marked but present, and a reader that
    // read its manifest before the switch still gets its files (from S3, not the cache).
    const keys = await subject.listAll()
    expect(versionsIn(keys)).toEqual([first.location, second.location].sort())
    expect(keys).toContain(`${ASSET}/${SEGMENT}/${first.location}/_superseded`)
    await rm(join(subject.cacheDir, 'partitions'), { recursive: true, force: true })
    expect(await readFile(join(await subject.storage.localDir(first, SEGMENT), 'a.parquet'), 'utf8')).toBe('version one')

    offset = 2 * HOUR
    expect(await subject.storage.cleanStaging(HOUR)).toBe(1)
    expect(versionsIn(await subject.listAll())).toEqual([second.location])
    expect(await subject.storage.readManifest(ASSET, SEGMENT)).toEqual(second)
    await rm(join(subject.cacheDir, 'partitions'), { recursive: true, force: true })
    const error = await subject.storage.localDir(first, SEGMENT).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(StrataError)
    expect((error as StrataError).code).toBe('storage')
    expect((error as StrataError).hint).toBe('Read the manifest again and retry.')
  })

  it('deletes versions past the grace period at the next commit of the partition', async () => {
    await commit({ 'a.parquet': '1' }, 'run-1')
    await commit({ 'a.parquet': '2' }, 'run-2')
    offset = 2 * HOUR
    const third = await commit({ 'a.parquet': '3' }, 'run-3')
    expect(versionsIn(await subject.listAll())).toEqual([third.location])
  })

  it('a crash before the pointer switch leaves the previous version current; the orphan is cleaned later', async () => {
    const first = await commit({ 'a.parquet': 'safe' }, 'run-1')
    // The process "dies" at the pointer PUT: the new version is uploaded, nothing points at it.
    const crashing = await freshStorageSharing(subject, (store) => ({
      ...delegate(store),
      put: async (key, body) => {
        if (key.endsWith('/_manifest.json')) throw new Error('killed before the switch')
        return store.put(key, body)
      },
    }))
    await expect(commit({ 'a.parquet': 'lost' }, 'run-2', crashing)).rejects.toThrow('killed before the switch')

    expect(versionsIn(await subject.listAll())).toHaveLength(2)
    expect(await subject.storage.readManifest(ASSET, SEGMENT)).toEqual(first)
    await rm(join(subject.cacheDir, 'partitions'), { recursive: true, force: true })
    expect(await readFile(join(await subject.storage.localDir(first, SEGMENT), 'a.parquet'), 'utf8')).toBe('safe')

    expect(await subject.storage.cleanStaging(HOUR)).toBe(0) // the orphan could be a commit in flight
    offset = 2 * HOUR
    expect(await subject.storage.cleanStaging(HOUR)).toBe(2) // the orphan version and the local staged folder
    expect(versionsIn(await subject.listAll())).toEqual([first.location])
    expect(await subject.storage.readManifest(ASSET, SEGMENT)).toEqual(first)
  })

  it('a commit that fails while uploading removes its partial version at once', async () => {
    const first = await commit({ 'a.parquet': 'safe' }, 'run-1')
    let uploads = 0
    const failing = await freshStorageSharing(subject, (store) => ({
      ...delegate(store),
      upload: async (key, path) => {
        if (++uploads === 2) throw new StrataError('aws', 'network down', 'retry')
        return store.upload(key, path)
      },
    }))
    await expect(commit({ 'a.parquet': 'x', 'b.parquet': 'y', 'c.parquet': 'z' }, 'run-2', failing)).rejects.toThrow('network down')
    expect(versionsIn(await subject.listAll())).toEqual([first.location])
  })

  it('uploads a file above 16 MiB as a multipart upload and reads it back intact', async () => {
    const size = 17 * 1024 * 1024 + 123
    // A client that records the commands it sends (s3rver's multipart ETags carry no part count).
    const client = createS3Client({ env: server.env })
    const commands: string[] = []
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName ?? '?')
        return next(args)
      },
      { step: 'initialize' },
    )
    const storage = new S3Storage({ store: new S3ObjectStore(client, parseS3Url(subject.url)), cacheDir: subject.cacheDir })
    const staged = await storage.stage(ASSET, DAY, SEGMENT, 'run-big')
    const path = join(staged.dir, 'big.parquet')
    const handle = await open(path, 'w')
    const block = randomBytes(1024 * 1024)
    for (let i = 0; i < 17; i++) await handle.write(block)
    await handle.write(block.subarray(0, 123))
    await handle.close()
    const content = await readFile(path)
    const committed = await storage.commit(staged, manifestFor(ASSET, DAY, 'run-big'))

    expect(commands.filter((name) => name === 'CreateMultipartUploadCommand')).toHaveLength(1)
    expect(commands.filter((name) => name === 'UploadPartCommand')).toHaveLength(3) // 8 + 8 + 1 MiB
    expect(commands.filter((name) => name === 'CompleteMultipartUploadCommand')).toHaveLength(1)
    expect(commands).not.toContain('AbortMultipartUploadCommand')
    const head = await subject.store.head(`${ASSET}/${SEGMENT}/${committed.location}/big.parquet`)
    expect(head?.size).toBe(size)
    await rm(join(subject.cacheDir, 'partitions'), { recursive: true, force: true })
    const copy = await readFile(join(await subject.storage.localDir(committed, SEGMENT), 'big.parquet'))
    expect(createHash('sha256').update(copy).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'))
  })

  it('reuses a complete cached copy and downloads again when it is damaged', async () => {
    const committed = await commit({ 'a.parquet': 'abcdef', 'b.parquet': 'xyz' }, 'run-1')
    const dir = await subject.storage.localDir(committed, SEGMENT)
    expect(dir.startsWith(join(subject.cacheDir, 'partitions'))).toBe(true)

    // A reused copy is not downloaded again: an object removed behind the cache's back is
    // noticed by the listing, a cached file is not re-fetched.
    const downloads: string[] = []
    const counting = await freshStorageSharing(subject, (store) => ({
      ...delegate(store),
      download: async (key, local) => {
        downloads.push(key)
        return store.download(key, local)
      },
    }))
    expect(await counting.localDir(committed, SEGMENT)).toBe(dir)
    expect(downloads).toEqual([])

    await truncate(join(dir, 'a.parquet'), 2)
    expect(await counting.localDir(committed, SEGMENT)).toBe(dir)
    expect(await readFile(join(dir, 'a.parquet'), 'utf8')).toBe('abcdef')
    expect(downloads).toHaveLength(2)

    await rm(join(dir, 'b.parquet'))
    await writeFile(join(dir, 'junk.parquet'), 'not in the manifest')
    expect(await counting.localDir(committed, SEGMENT)).toBe(dir)
    expect((await readdir(dir)).sort()).toEqual(['a.parquet', 'b.parquet'])

    // Same size, different bytes: only caught when hashes are verified.
    await writeFile(join(dir, 'a.parquet'), 'ABCDEF')
    const hashing = await freshStorageSharing(subject, (store) => store, true)
    expect(await readFile(join(await hashing.localDir(committed, SEGMENT), 'a.parquet'), 'utf8')).toBe('abcdef')
  })

  it('reports an object whose bytes do not match the manifest as corrupt', async () => {
    const committed = await commit({ 'a.parquet': 'abcdef' }, 'run-1')
    await subject.store.put(`${ASSET}/${SEGMENT}/${committed.location}/a.parquet`, 'ABCDEF')
    await rm(join(subject.cacheDir, 'partitions'), { recursive: true, force: true })
    const error = (await subject.storage.localDir(committed, SEGMENT).catch((thrown: unknown) => thrown)) as StrataError
    expect(error.code).toBe('corrupt')
    expect(error.message).toContain('sha256')
    expect(error.hint).toBe(`rebuild the partition: strata materialize ${ASSET} --partition ${DAY} --force`)
    expect(await readdir(join(subject.cacheDir, 'partitions', ASSET, SEGMENT))).toEqual([])
  })

  it('rejects a pointer whose location is not a version folder', async () => {
    const committed = await commit({ 'a.parquet': 'x' }, 'run-1')
    await subject.store.put(`${ASSET}/${SEGMENT}/_manifest.json`, JSON.stringify({ ...committed, location: '../../other' }))
    const error = (await subject.storage.readManifest(ASSET, SEGMENT).catch((thrown: unknown) => thrown)) as StrataError
    expect(error.code).toBe('corrupt')
    expect(error.message).toContain('_manifest.json')
  })

  it('openStorage opens S3Storage for s3:// with the env given', async () => {
    const storage = await openStorage(`${subject.url}`, { env: server.env, log: silentLogger, platform })
    expect(storage).toBeInstanceOf(S3Storage)
    expect(storage.location).toBe(subject.url)
    await storage.writeDocument('hello', { from: 'openStorage' })
    expect(await subject.storage.readDocument('hello')).toEqual({ from: 'openStorage' })
  })
})

/** Another S3Storage over the same bucket prefix and cache, its store wrapped by `wrap`. */
async function freshStorageSharing(
  subject: { store: S3ObjectStore; cacheDir: string },
  wrap: (store: S3ObjectStore) => ObjectStore,
  verifyHashes = false,
): Promise<S3Storage> {
  return new S3Storage({ store: wrap(subject.store), cacheDir: subject.cacheDir, verifyHashes })
}

/** The ObjectStore methods of `store`, bound, to override a few in a test. */
function delegate(store: ObjectStore): ObjectStore {
  return {
    location: store.location,
    get: (key) => store.get(key),
    head: (key) => store.head(key),
    download: (key, path) => store.download(key, path),
    put: (key, body) => store.put(key, body),
    upload: (key, path) => store.upload(key, path),
    list: (prefix) => store.list(prefix),
    listPrefixes: (prefix) => store.listPrefixes(prefix),
    delete: (keys) => store.delete(keys),
    putIfAbsent: (key, body) => store.putIfAbsent(key, body),
  }
}
