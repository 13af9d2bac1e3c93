import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalStorage, type Manifest } from '../../../framework/storage/index.js'
import { mulberry32 } from '../../../assets/lib/mulberry32.js'

/** The helpers the child process uses, so writer and checker agree on every byte. */
interface CrashFixture {
  ASSET: string
  SEGMENT: string
  fileNamesOf(version: number): string[]
  contentOf(version: number, file: number): Buffer
  commitVersion(storage: LocalStorage, version: number): Promise<Manifest>
}

const FIXTURE = fileURLToPath(new URL('../../fixtures/crash-commit.mjs', import.meta.url))
const DIST_INDEX = fileURLToPath(new URL('../../../dist/framework/storage/index.js', import.meta.url))
const TRIALS = 24
const SEED = 20260301

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Starts the committing child, SIGKILLs it `delayMs` after it is ready, and returns the
 * highest version it reported as committed (a commit that returned must stay visible).
 */
async function runAndKill(root: string, firstVersion: number, delayMs: number): Promise<number | undefined> {
  const child = spawn(process.execPath, [FIXTURE, root, String(firstVersion)], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.startsWith('ready\n')) resolve()
    })
    void exited.then(() => reject(new Error(`crash-commit exited before it was ready:\n${stderr}`)))
  })
  await sleep(delayMs)
  child.kill('SIGKILL')
  const { signal } = await exited
  expect(signal, `crash-commit died on its own:\n${stderr}`).toBe('SIGKILL')
  const committed = [...stdout.matchAll(/^committed (\d+)$/gm)].map((match) => Number(match[1]))
  return committed.length > 0 ? Math.max(...committed) : undefined
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

describe('LocalStorage survives SIGKILL at any moment of a commit', () => {
  let root: string
  let storage: LocalStorage
  let fixture: CrashFixture

  beforeAll(async () => {
    if (!existsSync(DIST_INDEX)) throw new Error(`${DIST_INDEX} is missing: run npx tsc -p tsconfig.build.json (vitest's global setup does)`)
    fixture = (await import(FIXTURE)) as CrashFixture
    root = await mkdtemp(join(tmpdir(), 'strata-crash-'))
    storage = new LocalStorage(root, { verifyHashes: true })
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  /** The partition holds exactly one complete version, at least as new as `atLeast`. */
  async function expectOneCompleteVersion(atLeast: number): Promise<number> {
    const manifest = await storage.readManifest(fixture.ASSET, fixture.SEGMENT)
    expect(manifest, 'the previous version must stay readable').toBeDefined()
    const version = (manifest as Manifest).metadata.version as number
    expect(version).toBeGreaterThanOrEqual(atLeast)

    const dir = await storage.localDir(manifest as Manifest, fixture.SEGMENT)
    const names = fixture.fileNamesOf(version)
    expect((manifest as Manifest).files.map((file) => file.name).sort()).toEqual(names)
    expect((await readdir(dir)).filter((name) => name !== '_manifest.json').sort()).toEqual(names)
    for (const [index, name] of names.entries()) {
      const content = await readFile(join(dir, name))
      const listed = (manifest as Manifest).files.find((file) => file.name === name)
      expect(content.length).toBe(listed?.bytes)
      expect(sha256(content)).toBe(listed?.sha256)
      // Byte-for-byte the content of this version: no file of another version slipped in.
      expect(content.equals(fixture.contentOf(version, index)), `${name} belongs to version ${version}`).toBe(true)
    }
    return version
  }

  it(`keeps one complete version readable across ${TRIALS} kills, and commits again afterwards`, async () => {
    const random = mulberry32(SEED)
    await fixture.commitVersion(storage, 0)
    let lastDurable = 0
    let nextVersion = 1
    let childCommits = 0

    for (let trial = 0; trial < TRIALS; trial++) {
      const delayMs = Math.floor(random() * 150)
      const reported = await runAndKill(root, nextVersion, delayMs)
      if (reported !== undefined) {
        childCommits += reported - nextVersion + 1
        lastDurable = reported
      }
      const seen = await expectOneCompleteVersion(lastDurable)
      nextVersion = seen + 1

      const fresh = await fixture.commitVersion(storage, nextVersion)
      expect(fresh.metadata.version).toBe(nextVersion)
      lastDurable = await expectOneCompleteVersion(nextVersion)
      nextVersion++
    }

    // The kills must land while the child was committing, not only before its first commit.
    expect(childCommits).toBeGreaterThan(0)
    await storage.cleanStaging(0)
    await expectOneCompleteVersion(lastDurable)
    expect(await readdir(join(root, '_strata', 'staging', fixture.ASSET, fixture.SEGMENT))).toEqual([])
  }, 30_000)
})
