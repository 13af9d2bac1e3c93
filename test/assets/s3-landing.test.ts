import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StrataError } from '../../framework/errors/index.js'
import { S3Landing, openS3Landing } from '../../assets/landing/index.js'
import { openObjectStore, type S3ObjectStore } from '../../resources/s3.js'
import { openLanding } from '../../assets/landing/index.js'
import type { Settings } from '../../framework/config/index.js'
import { startS3Server, type S3TestServer } from '../support/s3-server.js'

const BUCKET = 'landing-test'
const URL = `s3://${BUCKET}/cdi/landing`

// What every landing does is in the shared contract (landing-contract.ts); here only S3's own: the
// local cache, opening from settings, and S3's errors.
describe('S3Landing', () => {
  let server: S3TestServer
  let store: S3ObjectStore
  let cacheDir: string
  let landing: S3Landing

  beforeAll(async () => {
    server = await startS3Server([BUCKET])
    store = openObjectStore(URL, { env: server.env })
    cacheDir = await mkdtemp(join(tmpdir(), 'strata-landing-cache-'))
    landing = new S3Landing(store, cacheDir)
    await store.put('ingest_date=2026-03-02/customers.csv', 'customer_id\nc2\n')
    await store.put('ingest_date=2026-03-01/customers.csv', 'customer_id\nc1\n')
    await store.put('ingest_date=2026-03-01/trades.csv.gz', gzipSync('trade_id\nt1\n'))
    await store.put('ingest_date=2026-03-03/trades.csv', 'plain')
    await store.put('ingest_date=2026-03-03/trades.csv.gz', gzipSync('gz'))
    await store.put('ingest_date=2026-02-30/customers.csv', 'not a real day')
    await store.put('notes/readme.txt', 'not a day folder')
    await store.put('ingest_date=2026-03-04.csv', 'a file, not a folder')
  })
  afterAll(async () => {
    await server.stop()
    await rm(cacheDir, { recursive: true, force: true })
  })

  it('downloads a plain and a gzipped file into the local cache', async () => {
    const plain = await landing.file('2026-03-01', 'customers')
    expect(plain).toMatchObject({ name: 'customers.csv', gzip: false })
    expect(plain?.localPath.startsWith(cacheDir)).toBe(true)
    expect(await readFile(plain?.localPath as string, 'utf8')).toBe('customer_id\nc1\n')

    const gz = await landing.file('2026-03-01', 'trades')
    expect(gz).toMatchObject({ name: 'trades.csv.gz', gzip: true })
    expect(gunzipSync(await readFile(gz?.localPath as string)).toString()).toBe('trade_id\nt1\n')
    expect(gz?.localPath.endsWith('trades.csv.gz')).toBe(true)
  })

  it('reuses the cached copy while the object is unchanged, and fetches it again when it is re-landed', async () => {
    const first = await landing.file('2026-03-02', 'customers')
    expect(await landing.file('2026-03-02', 'customers')).toEqual(first)
    await store.put('ingest_date=2026-03-02/customers.csv', 'customer_id\nc2\nc3\n')
    const again = await landing.file('2026-03-02', 'customers')
    expect(again?.localPath).not.toBe(first?.localPath)
    expect(await readFile(again?.localPath as string, 'utf8')).toBe('customer_id\nc2\nc3\n')
  })

  it('openLanding returns an S3 landing for s3:// with the settings env', async () => {
    const settings = { landing: URL, env: { ...server.env, STRATA_CACHE_DIR: cacheDir } } as unknown as Settings
    const opened = openLanding(settings)
    expect(opened.location).toBe(URL)
    expect(await opened.listDays()).toEqual(['2026-03-01', '2026-03-02', '2026-03-03'])
  })

  it('reports a missing bucket as a config error, and bad credentials without printing the secret', async () => {
    const missing = openS3Landing('s3://no-such-bucket/x', { env: server.env })
    const bucketError = (await missing.listDays().catch((thrown: unknown) => thrown)) as StrataError
    expect(bucketError.code).toBe('config')
    expect(bucketError.hint).toContain('bucket')

    const secret = 'wrong-secret-do-not-print-1234'
    const denied = openS3Landing(URL, { env: { ...server.env, AWS_ACCESS_KEY_ID: 'AKIANOTAREALKEY', AWS_SECRET_ACCESS_KEY: secret } })
    const authError = (await denied.listDays().catch((thrown: unknown) => thrown)) as StrataError
    expect(authError.code).toBe('config')
    expect(authError.hint).toContain('credentials')
    expect(`${authError.message}\n${authError.hint}`).not.toContain(secret)
  })
})

describe('conditional writes on s3rver', () => {
  it('are detected as unsupported: s3rver ignores If-None-Match on PUT (real S3 honours it)', async () => {
    const server = await startS3Server(['probe-bucket'])
    try {
      const store = openObjectStore('s3://probe-bucket/x', { env: server.env })
      expect(await store.supportsConditionalWrites()).toBe(false)
      const keys: string[] = []
      for await (const object of store.list('')) keys.push(object.key)
      expect(keys).toEqual([])
    } finally {
      await server.stop()
    }
  })
})
