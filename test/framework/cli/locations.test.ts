import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { loadDefinitions } from '../../../assets/definitions.js'
import { startS3Server, type S3TestServer } from '../../support/s3-server.js'
import { platform } from '../../../resources/platform.js'

// The CDI definitions, as bin/strata.js wires them: their landing source is what is checked.
const app: StrataApp = { name: 'strata', version: '0', platform, load: loadDefinitions }
let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-locations-'))
})
afterEach(async () => rm(root, { recursive: true, force: true }))

async function cli(argv: string[], env: Record<string, string> = {}) {
  const io = captureIo({ STRATA_START: '', ...env }, root)
  const code = await runCli(argv, io, app)
  return { code, out: io.out(), err: io.err() }
}

describe('wrong or missing locations are usage errors naming the path, its setting and the fix', () => {
  it('from a folder without data/, status names the default landing location and exits 2', async () => {
    const { code, out, err } = await cli(['status'])
    expect(code).toBe(2)
    expect(out).toBe('')
    expect(err).toContain(`error: landing location ${join(root, 'data/landing')} (from the default (./data/landing, relative to ${root})) does not exist`)
    expect(err).toMatch(/hint: Run strata from the folder that holds data\/, or point --landing \(or STRATA_LANDING, or "landing" in strata.config.json\) at the folder that holds the ingest_date=YYYY-MM-DD folders\. To start with sample data there: strata demo\./)
  })

  it('--landing that does not exist: materialize names the flag, not a partition range', async () => {
    const { code, err } = await cli(['--landing', './no-such-folder', 'materialize', 'raw', '--partition', '2026-11-22'])
    expect(code).toBe(2)
    expect(err).toContain(`landing location ${join(root, 'no-such-folder')} (from --landing) does not exist`)
    expect(err).toContain('hint: Point --landing at the folder that holds the ingest_date=YYYY-MM-DD folders')
    expect(err).not.toMatch(/first partition/)
  })

  it('a landing folder without ingest_date= folders names STRATA_LANDING; a config file names its key', async () => {
    await mkdir(join(root, 'empty'))
    const fromEnv = await cli(['materialize', '*', '--partition', '2026-12-01'], { STRATA_LANDING: join(root, 'empty') })
    expect(fromEnv.code).toBe(2)
    expect(fromEnv.err).toContain(`landing location ${join(root, 'empty')} (from STRATA_LANDING) holds no ingest_date=YYYY-MM-DD folders`)
    await writeFile(join(root, 'strata.config.json'), JSON.stringify({ landing: './empty' }))
    const fromConfig = await cli(['freshness'])
    expect(fromConfig.code).toBe(2)
    expect(fromConfig.err).toContain(`(from "landing" in ${join(root, 'strata.config.json')}) holds no ingest_date=YYYY-MM-DD folders`)
  })

  it('--storage that is a file (or below one) is a usage error for status and materialize', async () => {
    await mkdir(join(root, 'data/landing/ingest_date=2026-12-01'), { recursive: true })
    await writeFile(join(root, 'a-file'), 'x')
    const status = await cli(['--storage', 'a-file', 'status'])
    expect(status.code).toBe(2)
    expect(status.err).toContain(`storage location ${join(root, 'a-file')} is not a folder (from --storage)`)
    expect(status.err).toContain('hint: Point --storage at a folder (it is created when missing) or s3://bucket/prefix')
    const run = await cli(['materialize', 'raw', '--partition', '2026-12-01'], { STRATA_STORAGE: join(root, 'a-file', 'below') })
    expect(run.code).toBe(2)
    expect(run.err).toContain(`storage location ${join(root, 'a-file', 'below')} cannot be a folder: ${join(root, 'a-file')} is a file (from STRATA_STORAGE)`)
    expect(run.err).not.toContain('ENOTDIR')
  })

  it('an empty store says so, and what to do', async () => {
    await mkdir(join(root, 'data/landing/ingest_date=2026-12-01'), { recursive: true })
    const { code, out } = await cli(['status'])
    expect(code).toBe(0)
    expect(out).toBe(`no partitions materialized yet in ${join(root, 'data/storage')} — try \`strata demo\`\n`)
  })

  it('a typo in a config key gets a "did you mean"', async () => {
    await writeFile(join(root, 'strata.config.json'), JSON.stringify({ storag: './x', aws: { glueDatabse: 'cdi' } }))
    const { code, err } = await cli(['status'])
    expect(code).toBe(2)
    expect(err).toContain('"storag": did you mean "storage"?')
    expect(err).toContain('"glueDatabse": did you mean "glueDatabase"?')
  })
})

describe('an S3 bucket that does not exist', () => {
  let server: S3TestServer
  beforeAll(async () => {
    server = await startS3Server(['strata-present'])
  })
  afterAll(() => server.stop())

  it('is a usage error naming the bucket and the setting, when the command first lists it', async () => {
    await mkdir(join(root, 'data/landing/ingest_date=2026-12-01'), { recursive: true })
    const { code, err } = await cli(['--storage', 's3://strata-absent/prefix', 'status'], server.env)
    expect(code).toBe(2)
    expect(err).toContain('error: storage location s3://strata-absent/prefix (from --storage): the bucket strata-absent does not exist')
    expect(err).toContain('hint: Create the bucket, or point --storage at the right s3://bucket/prefix')
    const landing = await cli(['status'], { ...server.env, STRATA_LANDING: 's3://strata-absent/landing' })
    expect(landing.code).toBe(2)
    expect(landing.err).toContain('landing location s3://strata-absent/landing (from STRATA_LANDING): the bucket strata-absent does not exist')
  })
})
