import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe } from 'vitest'
import { LocalLanding, S3Landing } from '../../assets/landing/index.js'
import { openObjectStore } from '../../resources/s3.js'
import { startS3Server, type S3TestServer } from '../support/s3-server.js'
import { landingContract } from './landing-contract.js'

describe('landing contract: LocalLanding (a folder)', () => {
  landingContract(async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-landing-contract-'))
    return {
      landing: new LocalLanding(root),
      async put(path, body) {
        await mkdir(dirname(join(root, path)), { recursive: true })
        await writeFile(join(root, path), body)
      },
      cleanup: () => rm(root, { recursive: true, force: true }),
    }
  })
})

describe('landing contract: S3Landing (s3rver)', () => {
  const bucket = 'landing-contract'
  let server: S3TestServer
  beforeAll(async () => {
    server = await startS3Server([bucket])
  })
  afterAll(async () => {
    await server?.stop()
  })
  landingContract(async () => {
    const store = openObjectStore(`s3://${bucket}/l-${randomBytes(4).toString('hex')}`, { env: server.env })
    const cacheDir = await mkdtemp(join(tmpdir(), 'strata-landing-contract-cache-'))
    return {
      landing: new S3Landing(store, cacheDir),
      put: (path, body) => store.put(path, body),
      cleanup: () => rm(cacheDir, { recursive: true, force: true }),
    }
  })
})
