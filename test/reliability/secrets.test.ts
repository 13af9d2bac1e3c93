import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../framework/cli/index.js'
import { defineAsset, defineDefinitions } from '../../framework/definitions/index.js'
import { daily } from '../../framework/partitions/index.js'
import { platform } from '../../resources/platform.js'

/** Fake, but shaped like the real thing: an AKIA key id, a 40-character secret, a session token. */
const ACCESS_KEY_ID = 'AKIAQZZFAKE7EXAMPLEX'
const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYFAKEKEY4Q0'
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEFAKESESSIONTOKENxx//////////wEaCXVzLWVhc3QtMSJHMEUCIQDfake+token/value=='
/** Different ones, planted only in a config file. */
const CONFIG_KEY_ID = 'AKIAQZZCONFIG0KEY0ID'
const CONFIG_SECRET = 'cOnFiGsEcReTfAkE0123456789abcdefGHIJKLMN'
const SECRETS = [ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN, CONFIG_KEY_ID, CONFIG_SECRET]

const run = promisify(execFile)
const bin = fileURLToPath(new URL('../../bin/strata.js', import.meta.url))

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Every file under `dir` as text (binary files included: a secret must not be in those either). */
async function everyFile(dir: string): Promise<{ path: string; text: string }[]> {
  const files: { path: string; text: string }[] = []
  const visit = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true }).catch(() => [])) {
      const path = join(current, entry.name)
      if (entry.isDirectory()) await visit(path)
      else files.push({ path, text: (await readFile(path)).toString('latin1') })
    }
  }
  await visit(dir)
  return files
}

function expectNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) expect(text.includes(secret), `${where} contains ${secret.slice(0, 6)}…`).toBe(false)
  // A fragment is a leak too (e.g. a truncated message).
  for (const secret of SECRETS) expect(text.includes(secret.slice(4, 20)), `${where} contains part of ${secret.slice(0, 6)}…`).toBe(false)
}

const AWS_ENV = { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: SESSION_TOKEN, AWS_REGION: 'us-east-1' }

describe('AWS credentials never reach output, logs, run records or manifests', () => {
  let root: string
  let port: number
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-secrets-'))
    port = await closedPort()
  })
  afterAll(async () => rm(root, { recursive: true, force: true }))
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('through the real binary: failing S3 commands, config files holding keys (valid and malformed)', async () => {
    const cwd = join(root, 'binary')
    await mkdir(join(cwd, 'landing'), { recursive: true })
    const outputs: string[] = []
    const strata = async (env: Record<string, string>, ...args: string[]) => {
      const fullEnv = { ...process.env, ...AWS_ENV, STRATA_LANDING: join(cwd, 'landing'), STRATA_START: '2026-03-01', CI: '1', STRATA_S3_MAX_ATTEMPTS: '1', STRATA_CACHE_DIR: join(cwd, 'cache'), ...env }
      try {
        const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd, env: fullEnv })
        outputs.push(stdout, stderr)
        return 0
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string }
        outputs.push(e.stdout, e.stderr)
        return e.code
      }
    }
    const unreachable = { STRATA_STORAGE: 's3://strata-secrets/x', AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`, STRATA_S3_FORCE_PATH_STYLE: 'true' }
    expect(await strata(unreachable, 'status', '--json')).toBe(1)
    expect(await strata(unreachable, 'runs', '--json')).toBe(1)
    expect(await strata(unreachable, 'materialize', 'raw', '--partition', '2026-03-01', '--json')).not.toBe(0)
    expect(await strata(unreachable, 'repair', '--json')).not.toBe(0)
    expect(outputs.join('\n')).toMatch(/127\.0\.0\.1/) // the errors did say what failed

    await writeFile(join(cwd, 'keys.json'), JSON.stringify({ storage: './storage', aws: { accessKeyId: CONFIG_KEY_ID, secretAccessKey: CONFIG_SECRET } }))
    expect(await strata({ STRATA_CONFIG: 'keys.json' }, 'status', '--json')).toBe(2)
    await writeFile(join(cwd, 'broken.json'), `{"storage": "./storage", "aws": {"secretAccessKey": ${CONFIG_SECRET}}}`)
    expect(await strata({ STRATA_CONFIG: 'broken.json' }, 'status')).toBe(2)
    await writeFile(join(cwd, 'typed.json'), JSON.stringify({ storage: './storage', aws: { region: CONFIG_SECRET } }))
    expect(await strata({ STRATA_CONFIG: 'typed.json' }, 'status')).toBe(2)

    outputs.forEach((text, i) => expectNoSecret(text, `output ${i}`))
    for (const file of await everyFile(join(cwd, 'cache'))) expectNoSecret(file.text, file.path)
  }, 60_000)

  it('in process: a step whose error quotes the credentials, --json records, run records and manifests stay clean', async () => {
    for (const [name, value] of Object.entries(AWS_ENV)) vi.stubEnv(name, value)
    const storage = join(root, 'local', 'storage')
    const app: StrataApp = {
      name: 'strata',
      version: '0.0.0-test',
      platform,
      load: async () =>
        defineDefinitions({
          assets: [
            defineAsset({
              key: 'leaky',
              description: 'a library that puts credentials in its error messages',
              partitions: daily({ start: '2026-03-01' }),
              codeVersion: 'v1',
              async materialize({ partition, outputDir }) {
                if (partition === '2026-03-02') {
                  throw new Error(`auth failed for ${process.env.AWS_ACCESS_KEY_ID} with secret ${process.env.AWS_SECRET_ACCESS_KEY} token=${process.env.AWS_SESSION_TOKEN}`)
                }
                await writeFile(join(outputDir, 'value.json'), JSON.stringify({ partition, note: 'no secrets here' }))
                return { rowCount: 1, metadata: { ok: true } }
              },
            }),
          ],
          async openResources() {
            return { resources: {}, async close() {} }
          },
        }),
    }
    const outputs: string[] = []
    const cli = async (...argv: string[]) => {
      const io = captureIo({ ...AWS_ENV, STRATA_STORAGE: storage }, root)
      const code = await runCli(argv, io, app)
      outputs.push(io.out(), io.err())
      return { code, out: io.out() }
    }
    expect((await cli('backfill', 'leaky', '--from', '2026-03-01', '--to', '2026-03-02')).code).toBe(1)
    const record = await cli('materialize', 'leaky', '--partition', '2026-03-02', '--json')
    expect(record.code).toBe(1)
    expect(record.out).toContain('[redacted]')
    const runs = JSON.parse((await cli('runs', '--json')).out) as { runId: string }[]
    await cli('runs', 'show', runs[0]!.runId)
    await cli('runs', 'show', runs[0]!.runId, '--json')
    await cli('status', '--json')
    await cli('lineage', 'leaky', '--partition', '2026-03-01', '--format', 'json')

    outputs.forEach((text, i) => expectNoSecret(text, `output ${i}`))
    const files = await everyFile(storage)
    expect(files.some((file) => file.path.includes(join('_strata', 'docs', 'runs')))).toBe(true)
    expect(files.some((file) => file.path.endsWith('_manifest.json'))).toBe(true)
    for (const file of files) expectNoSecret(file.text, file.path)
  })
})
