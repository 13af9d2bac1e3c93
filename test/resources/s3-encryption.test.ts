import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../framework/cli/index.js'
import { resolveSettings, serverSideEncryptionOf } from '../../framework/config/index.js'
import { settingsDocument } from '../../framework/config/settings-document.js'
import { s3TextWriter } from '../../resources/glue-catalog.js'
import { platform } from '../../resources/platform.js'
import { createS3Client, openObjectStore } from '../../resources/s3.js'
import { toyScheduledDefinitions } from '../fixtures/toy-scheduled-definitions.js'
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js'
import { startS3Server, type S3TestServer } from '../support/s3-server.js'

/**
 * `s3.serverSideEncryption` / `s3.kmsKeyId` reach every write Strata makes. The requests are
 * recorded at a proxy in front of s3rver, so what is asserted is what went over the wire.
 */

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'
const SSE = 'x-amz-server-side-encryption'
const SSE_KEY = 'x-amz-server-side-encryption-aws-kms-key-id'

interface Seen {
  readonly method: string
  readonly path: string
  readonly query: string
  readonly sse: string | undefined
  readonly keyId: string | undefined
}

let server: S3TestServer
let proxy: FaultProxy
let seen: Seen[] = []
let cwd: string
const bucket = 'strata-sse'

/** The environment that sends everything through the recording proxy. */
const proxied = (): Record<string, string> => ({ ...server.env, AWS_ENDPOINT_URL_S3: proxy.endpoint, AWS_ENDPOINT_URL: proxy.endpoint })

/** The write requests recorded: PutObject (plain and conditional), CreateMultipartUpload, UploadPart. */
function writes(): { puts: Seen[]; creates: Seen[]; parts: Seen[] } {
  const puts = seen.filter((r) => r.method === 'PUT' && !/(^|&)partNumber=/.test(r.query))
  const parts = seen.filter((r) => r.method === 'PUT' && /(^|&)partNumber=/.test(r.query))
  const creates = seen.filter((r) => r.method === 'POST' && /(^|&)uploads(=|&|$)/.test(r.query))
  return { puts, creates, parts }
}

beforeAll(async () => {
  server = await startS3Server([bucket])
  proxy = await startFaultProxy({
    target: server.endpoint,
    seed: 1,
    rates: {},
    conditionalWrites: true,
    observe: ({ method, url, headers }) => {
      const [path = '/', query = ''] = url.split('?')
      const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)
      seen.push({ method, path: decodeURIComponent(path), query, sse: one(headers[SSE]), keyId: one(headers[SSE_KEY]) })
    },
  })
  cwd = await mkdtemp(join(tmpdir(), 'strata-sse-'))
})
afterAll(async () => {
  await proxy?.stop()
  await server?.stop()
  await rm(cwd, { recursive: true, force: true })
})

describe('s3.serverSideEncryption settings', () => {
  it('come from the config file, the environment winning; none by default', () => {
    expect(serverSideEncryptionOf({}, {})).toBeUndefined()
    expect(serverSideEncryptionOf({ s3: { serverSideEncryption: 'AES256' } }, {})).toEqual({ mode: 'AES256' })
    expect(serverSideEncryptionOf({ s3: { serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/cdi' } }, {})).toEqual({ mode: 'aws:kms', kmsKeyId: 'alias/cdi' })
    expect(serverSideEncryptionOf({ s3: { serverSideEncryption: 'AES256' } }, { STRATA_S3_SSE: 'aws:kms', STRATA_S3_KMS_KEY_ID: KEY_ARN })).toEqual({ mode: 'aws:kms', kmsKeyId: KEY_ARN })
  })

  it('a key id without aws:kms, an unknown mode, or a bad config value is a config error naming the setting and the fix', async () => {
    const file = join(cwd, 'bad-sse.json')
    await writeFile(file, JSON.stringify({ s3: { kmsKeyId: 'alias/cdi' } }))
    expect(() => resolveSettings({ config: file }, {}, cwd, 1)).toThrow(
      expect.objectContaining({ code: 'config', message: expect.stringContaining('s3.kmsKeyId is set, but s3.serverSideEncryption (STRATA_S3_SSE) is not "aws:kms"'), hint: expect.stringContaining('"serverSideEncryption": "aws:kms"') }),
    )
    await writeFile(file, JSON.stringify({ s3: { serverSideEncryption: 'AES256', kmsKeyId: 'alias/cdi' } }))
    expect(() => resolveSettings({ config: file }, {}, cwd, 1)).toThrow(expect.objectContaining({ code: 'config', message: expect.stringContaining('s3.serverSideEncryption is "AES256", not "aws:kms"') }))
    expect(() => resolveSettings({}, { STRATA_S3_KMS_KEY_ID: 'alias/cdi' }, cwd, 1)).toThrow(expect.objectContaining({ code: 'config', message: expect.stringContaining('STRATA_S3_KMS_KEY_ID is set') }))
    expect(() => resolveSettings({}, { STRATA_S3_SSE: 'kms' }, cwd, 1)).toThrow(expect.objectContaining({ code: 'config', message: 'STRATA_S3_SSE="kms" is not AES256 or aws:kms' }))
    await writeFile(file, JSON.stringify({ s3: { serverSideEncryption: 'aws:KMS' } }))
    expect(() => resolveSettings({ config: file }, {}, cwd, 1)).toThrow(expect.objectContaining({ code: 'config', message: expect.stringContaining('/s3/serverSideEncryption must be equal to one of the allowed values') }))
  })

  it('travel to a Fargate task in the settings document, from the environment too', () => {
    const launcher = resolveSettings({ storage: 's3://strata-sse/x', landing: 's3://strata-sse/l' }, { STRATA_S3_SSE: 'aws:kms', STRATA_S3_KMS_KEY_ID: KEY_ARN }, cwd, 2)
    const document = settingsDocument(launcher)
    expect(document.s3).toEqual({ serverSideEncryption: 'aws:kms', kmsKeyId: KEY_ARN })
    const task = resolveSettings({}, { STRATA_SETTINGS: JSON.stringify(document) }, '/', 2)
    expect(serverSideEncryptionOf(task.config, task.env)).toEqual({ mode: 'aws:kms', kmsKeyId: KEY_ARN })
    expect(settingsDocument(resolveSettings({ storage: 's3://strata-sse/x' }, {}, cwd, 2)).s3).toBeUndefined()
  })
})

describe('every S3 write carries the encryption headers (recorded at a proxy in front of s3rver)', () => {
  it('object store: PUT, conditional PUT, single-PUT upload, multipart upload; and the Glue symlink manifests', async () => {
    seen = []
    const dir = await mkdtemp(join(tmpdir(), 'strata-sse-files-'))
    try {
      const store = openObjectStore(`s3://${bucket}/store`, { env: proxied(), encryption: { mode: 'aws:kms', kmsKeyId: KEY_ARN }, multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024 })
      await store.put('a/doc.json', '{}')
      expect(await store.putIfAbsent('a/once.json', '1')).toBe(true)
      expect(await store.putIfAbsent('a/once.json', '2')).toBe(false)
      await writeFile(join(dir, 'small.bin'), randomBytes(1024))
      await store.upload('a/small.bin', join(dir, 'small.bin'))
      await writeFile(join(dir, 'big.bin'), randomBytes(11 * 1024 * 1024))
      await store.upload('a/big.bin', join(dir, 'big.bin'))
      await s3TextWriter(createS3Client({ env: proxied() }), { mode: 'aws:kms', kmsKeyId: KEY_ARN })(`s3://${bucket}/glue/score/symlink.txt`, 's3://x/y.parquet\n')
      // The objects are there and whole (the server accepted the headers).
      expect((await store.head('a/big.bin'))?.size).toBe(11 * 1024 * 1024)

      const { puts, creates, parts } = writes()
      expect(puts.map((r) => r.path)).toEqual([`/${bucket}/store/a/doc.json`, `/${bucket}/store/a/once.json`, `/${bucket}/store/a/once.json`, `/${bucket}/store/a/small.bin`, `/${bucket}/glue/score/symlink.txt`])
      expect(creates.map((r) => r.path)).toEqual([`/${bucket}/store/a/big.bin`])
      expect(parts).toHaveLength(3)
      for (const request of [...puts, ...creates]) expect({ path: request.path, sse: request.sse, keyId: request.keyId }).toEqual({ path: request.path, sse: 'aws:kms', keyId: KEY_ARN })
      // SSE-S3/KMS parameters belong on the create only; UploadPart takes them for SSE-C alone.
      for (const part of parts) expect(part.sse).toBeUndefined()

      seen = []
      const aes = openObjectStore(`s3://${bucket}/store`, { env: proxied(), encryption: { mode: 'AES256' } })
      await aes.put('a/aes.json', '{}')
      expect(writes().puts.map((r) => [r.sse, r.keyId])).toEqual([['AES256', undefined]])
      seen = []
      await openObjectStore(`s3://${bucket}/store`, { env: proxied() }).put('a/plain.json', '{}')
      expect(writes().puts.map((r) => [r.sse, r.keyId])).toEqual([[undefined, undefined]])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)

  it('a pipeline run and a schedule tick: data files, manifests, locks, run records and ticks, from strata.config.json', async () => {
    const dir = await mkdtemp(join(cwd, 'run-'))
    await writeFile(join(dir, 'strata.config.json'), JSON.stringify({ storage: `s3://${bucket}/pipeline`, s3: { serverSideEncryption: 'aws:kms', kmsKeyId: KEY_ARN } }))
    const app: StrataApp = { name: 'strata', version: '0.0.0-test', platform, load: async () => toyScheduledDefinitions() }
    const env = { ...proxied(), STRATA_CACHE_DIR: join(dir, 'cache') }
    seen = []
    const materialize = captureIo(env, dir)
    expect(await runCli(['materialize', 'source,clean', '--partition', '2026-01-02'], materialize, app), materialize.err()).toBe(0)
    const tick = captureIo(env, dir)
    expect(await runCli(['schedule', 'tick', '--at', '2026-01-03T02:05:00Z'], tick, app), tick.err()).toBe(0)

    const { puts } = writes()
    const kinds = new Set(
      puts.map((r) => {
        const key = r.path.slice(`/${bucket}/pipeline/`.length)
        if (key.startsWith('_strata/locks/')) return 'lock'
        if (key.startsWith('_strata/docs/runs/')) return 'run record'
        if (/^_strata\/docs\/schedules\/[^/]+\/ticks\//.test(key)) return 'tick'
        if (key.startsWith('_strata/probe/')) return 'conditional-write probe'
        if (key.endsWith('/_manifest.json')) return 'manifest'
        if (key.endsWith('.json') && /\/dt=/.test(key)) return 'data file'
        return `other: ${key}`
      }),
    )
    expect([...kinds].filter((kind) => kind.startsWith('other: '))).toEqual([])
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['conditional-write probe', 'data file', 'lock', 'manifest', 'run record', 'tick']))
    for (const request of puts) expect({ path: request.path, sse: request.sse, keyId: request.keyId }).toEqual({ path: request.path, sse: 'aws:kms', keyId: KEY_ARN })
  }, 60_000)
})

describe('generate-sample into an S3 landing', () => {
  it('encrypts the landed files as the settings say', async () => {
    seen = []
    const { runGenerateSample } = await import('../../assets/commands/generate-sample-command.js')
    await runGenerateSample(`s3://${bucket}/landing`, proxied(), { customers: '5', days: '1', start: '2026-01-01', seed: '1', profile: 'light' }, { s3: { serverSideEncryption: 'AES256' } })
    const { puts } = writes()
    expect(puts.length).toBeGreaterThanOrEqual(6)
    for (const request of puts) expect({ path: request.path, sse: request.sse }).toEqual({ path: request.path, sse: 'AES256' })
  }, 30_000)
})
