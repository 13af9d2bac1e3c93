import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { captureIo, runCli, type StrataApp } from '../../framework/cli/index.js'
import { LocalStorage, S3Storage, type Storage } from '../../framework/storage/index.js'
import { openObjectStore } from '../../resources/s3.js'
import { toyDefinitions } from '../fixtures/toy-definitions.js'
import type { FaultProxy, FaultRates } from '../support/fault-proxy.js'
import type { S3TestServer } from '../support/s3-server.js'
import { platform } from '../../resources/platform.js'

/**
 * The fault scenario shared by the short test (test/reliability/s3-faults.test.ts) and the soak
 * (bench/fault-soak.ts): materialize the toy pipeline on S3 through the fault proxy, check after
 * every run that each committed partition still verifies, then rerun without faults and compare
 * every value with a reference run on a local folder.
 */

export const FAULT_RATES: FaultRates = { error500: 0.04, error503: 0.04, slow: 0.04, resetBefore: 0.02, resetAfter: 0.02, truncate: 0.02 }
export const TOY_ASSETS = ['source', 'clean', 'rolling', 'score'] as const

export const toyApp: StrataApp = { name: 'strata', version: '0.0.0-test', platform, load: async () => toyDefinitions() }

/** One CLI run in process; `internal` is true when the CLI hit an unexpected (non-Strata) error. */
export async function runToy(env: Record<string, string>, cwd: string, argv: readonly string[]): Promise<{ code: number; out: string; err: string; internal: boolean }> {
  const io = captureIo(env, cwd)
  const code = await runCli(argv, io, toyApp)
  return { code, out: io.out(), err: io.err(), internal: /^internal error: /m.test(io.err()) }
}

/**
 * Every committed partition of the toy assets: its manifest parses and every file downloads
 * with the size and sha256 the manifest records (through a fresh cache, straight to the server).
 * Returns the `value` of each partition's value.json, by `asset@partition`.
 */
export async function verifyCommitted(server: S3TestServer, location: string): Promise<Map<string, number>> {
  const store = openObjectStore(location, { env: server.env })
  const cacheDir = await mkdtemp(join(tmpdir(), 'strata-fault-verify-'))
  try {
    return await valuesOf(new S3Storage({ store, cacheDir, verifyHashes: true }))
  } finally {
    await rm(cacheDir, { recursive: true, force: true })
  }
}

/** `asset@partition` → value, read through `storage.localDir` (which verifies). */
export async function valuesOf(storage: Storage): Promise<Map<string, number>> {
  const values = new Map<string, number>()
  for (const asset of TOY_ASSETS) {
    for (const manifest of await storage.listManifests(asset)) {
      const segment = `dt=${manifest.partition}`
      const dir = await storage.localDir(manifest, segment)
      const parsed = JSON.parse(await readFile(join(dir, 'value.json'), 'utf8')) as { value: number }
      values.set(`${asset}@${manifest.partition}`, parsed.value)
    }
  }
  return values
}

/** The values a fault-free run gives, on a local folder. */
export async function referenceValues(from: string, to: string): Promise<Map<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-fault-ref-'))
  try {
    const run = await runToy({ STRATA_STORAGE: join(dir, 'storage') }, dir, ['backfill', '+score', '--from', from, '--to', to])
    if (run.code !== 0) throw new Error(`reference run failed: ${run.err}`)
    return await valuesOf(new LocalStorage(join(dir, 'storage')))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export interface FaultRunReport {
  readonly runs: { code: number; committed: number }[]
  readonly finalCode: number
  readonly mismatches: string[]
}

/**
 * `faultyRuns` runs through the proxy with faults on (each must exit 0 or 1 with a Strata error,
 * and leave only verifiable partitions), then one rerun with faults off that must complete.
 */
export async function faultScenario(options: { server: S3TestServer; proxy: FaultProxy; location: string; cwd: string; faultyRuns: number; from: string; to: string; onRun?: (line: string) => void }): Promise<FaultRunReport> {
  const { server, proxy, location, cwd, from, to } = options
  const env = {
    ...server.env,
    AWS_ENDPOINT_URL_S3: proxy.endpoint,
    STRATA_STORAGE: location,
    STRATA_S3_MAX_ATTEMPTS: '4',
    STRATA_CONCURRENCY: '4',
    // A lock a failed release left behind expires quickly, and the rerun waits it out.
    STRATA_LOCK_TTL_MS: '1500',
    STRATA_LOCK_WAIT_MS: '4000',
  }
  const runs: { code: number; committed: number }[] = []
  const argv = ['backfill', '+score', '--from', from, '--to', to, '--force']
  for (let i = 0; i < options.faultyRuns; i++) {
    proxy.setEnabled(true)
    const run = await runToy(env, cwd, argv)
    if (run.internal || (run.code !== 0 && run.code !== 1)) throw new Error(`run ${i} did not fail cleanly (exit ${run.code}):\n${run.err.slice(0, 2000)}`)
    proxy.setEnabled(false)
    const committed = await verifyCommitted(server, location)
    runs.push({ code: run.code, committed: committed.size })
    options.onRun?.(`run ${i}: exit ${run.code}, ${committed.size} partitions committed and verified, ${proxy.stats.requests} requests so far`)
  }
  proxy.setEnabled(false)
  const final = await runToy(env, cwd, ['backfill', '+score', '--from', from, '--to', to])
  const actual = await verifyCommitted(server, location)
  const expected = await referenceValues(from, to)
  const mismatches: string[] = []
  for (const [key, value] of expected) if (actual.get(key) !== value) mismatches.push(`${key}: expected ${value}, got ${String(actual.get(key))}`)
  for (const key of actual.keys()) if (!expected.has(key)) mismatches.push(`${key}: unexpected partition`)
  if (final.code !== 0) mismatches.push(`the rerun without faults exited ${final.code}: ${final.err.slice(0, 500)}`)
  return { runs, finalCode: final.code, mismatches }
}
