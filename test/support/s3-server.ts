import { mkdtemp, rm, unlink } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The little of s3rver 3 the tests use (the package ships no types). */
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>
  close(): Promise<void>
}
type S3rverConstructor = new (options: {
  address: string
  port: number
  silent: boolean
  directory: string
  configureBuckets: { name: string; configs: string[] }[]
}) => S3rverInstance

const require = createRequire(import.meta.url)
const S3rver = require('s3rver') as S3rverConstructor

/**
 * s3rver 3 stores objects as files; its deleteObject then removes parent folders that became
 * empty, while a concurrent putObject into the same folder (two partitions' lock objects under
 * `_strata/locks/<asset>/`) may just have created it and writes without an error handler: an
 * uncaught ENOENT in the test process. Real S3 has no folders, so deletes here leave folders be.
 */
interface FilesystemStore {
  deleteObject(bucket: string, key: string): Promise<void>
  getResourcePath(bucket: string, key: string, resource: string): string
}
const store = (require('s3rver/lib/stores/filesystem.js') as { prototype: FilesystemStore }).prototype
store.deleteObject = async function deleteObject(this: FilesystemStore, bucket: string, key: string): Promise<void> {
  await Promise.all(
    ['object', 'object.md5', 'metadata.json'].map((resource) =>
      unlink(this.getResourcePath(bucket, key, resource)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error
      }),
    ),
  )
}

/** A running S3-compatible server for integration tests. */
export interface S3TestServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string
  /**
   * The environment a Strata process needs to use it: s3rver's fixed credentials, a region,
   * the endpoint, path-style addressing, and a private cache folder.
   */
  readonly env: Readonly<Record<string, string>>
  readonly buckets: readonly string[]
  stop(): Promise<void>
}

/**
 * Starts s3rver on 127.0.0.1 with a free port and a temp data folder, creates `buckets`.
 *
 * @example
 * beforeAll(async () => { server = await startS3Server(['strata-test']) })
 * afterAll(() => server.stop())
 */
export async function startS3Server(buckets: readonly string[] = ['strata-test']): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'strata-s3rver-'))
  const cacheDir = await mkdtemp(join(tmpdir(), 'strata-s3-cache-'))
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  })
  const { port } = await server.run()
  const endpoint = `http://127.0.0.1:${port}`
  return {
    endpoint,
    buckets,
    env: {
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_S3: endpoint,
      STRATA_S3_FORCE_PATH_STYLE: 'true',
      STRATA_S3_MAX_ATTEMPTS: '2',
      STRATA_CACHE_DIR: cacheDir,
    },
    async stop() {
      await server.close()
      await rm(directory, { recursive: true, force: true })
      await rm(cacheDir, { recursive: true, force: true })
    },
  }
}
