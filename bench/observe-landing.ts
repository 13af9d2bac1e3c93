/**
 * The landing-observation benchmark (`npm run bench -- observe`): what planning pays to notice a
 * changed landing file. A year of landing (365 days × 6 files) is observed against the fingerprints
 * raw recorded, as `status`/`materialize` do before they plan: locally (one readdir per day and a
 * stat per file) and on the S3 test server (ListObjectsV2 pages). Target: ≤ 200 ms locally.
 *
 * Run by bench/run.ts as its own process with `--openssl-legacy-provider`: s3rver's continuation
 * tokens use DES, which Node 20's OpenSSL 3 only has in its legacy provider, and a year of landing
 * is more than one page. Writes its rows as JSON to the file named by BENCH_OUT.
 */
import { writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dateRange, addDays } from '../framework/partitions/index.js'
import { fingerprintSource, observeSource, type ObservedSource, type SourceVersion } from '../framework/sources/index.js'
import { LocalLanding, S3Landing } from '../assets/landing/index.js'
import { openObjectStore } from '../resources/s3.js'
import { startS3Server } from '../test/support/s3-server.js'

const TABLES = ['customers', 'statements', 'channel_events', 'trades', 'tickets', 'marketing']
const DAYS = dateRange('2025-01-01', addDays('2025-01-01', 364))
const RUNS = 5

export interface ObserveRow {
  readonly id: string
  readonly benchmark: string
  readonly what: string
  readonly wallMs: number
  readonly runs: number
  readonly perUnit: { readonly label: string; readonly ms: number }
  readonly target?: string
  readonly met?: boolean
  readonly notes?: string
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

/** Median time to observe every day against what was recorded, and how many files were hashed. */
async function timeObservation(landing: ObservedSource): Promise<{ ms: number; hashed: number }> {
  const recorded = new Map<string, SourceVersion>()
  for (const day of DAYS) recorded.set(day, await fingerprintSource(landing, day))
  let hashed = 0
  const counting: ObservedSource = { ...landing, name: landing.name, location: landing.location, list: (days) => landing.list(days), hash: (day, name) => (hashed++, landing.hash(day, name)) }
  const times: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now()
    const observed = await observeSource(counting, DAYS, (day) => recorded.get(day))
    times.push(performance.now() - start)
    if (observed.size !== DAYS.length) throw new Error(`observed ${observed.size} of ${DAYS.length} days`)
  }
  return { ms: median(times), hashed }
}

async function benchObserve(): Promise<ObserveRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-bench-observe-'))
  const server = await startS3Server(['bench-landing'])
  try {
    const store = openObjectStore('s3://bench-landing/landing', { env: server.env })
    for (const day of DAYS) {
      await mkdir(join(dir, `ingest_date=${day}`))
      await Promise.all(
        TABLES.map(async (table) => {
          const body = `id\n${day}-${table}\n`
          await writeFile(join(dir, `ingest_date=${day}`, `${table}.csv`), body)
          await store.put(`ingest_date=${day}/${table}.csv`, body)
        }),
      )
    }
    const files = DAYS.length * TABLES.length
    const local = await timeObservation(new LocalLanding(dir))
    const s3 = await timeObservation(new S3Landing(store, join(dir, '.cache')))
    const what = `observe ${DAYS.length} days × ${TABLES.length} files against the recorded fingerprints (nothing changed)`
    return [
      { id: 'observe-local', benchmark: 'landing observation, local, 1 year', what: `${what}: one readdir per day, a stat per file`, wallMs: local.ms, runs: RUNS, perUnit: { label: 'per day', ms: local.ms / DAYS.length }, target: '≤ 200 ms', met: local.ms <= 200, notes: `${files} files, ${local.hashed} read` },
      { id: 'observe-s3', benchmark: 'landing observation, S3 test server, 1 year', what: `${what}: ListObjectsV2 pages of 1,000 keys`, wallMs: s3.ms, runs: RUNS, perUnit: { label: 'per day', ms: s3.ms / DAYS.length }, notes: `${files} objects, ${s3.hashed} read; s3rver on 127.0.0.1` },
    ]
  } finally {
    await server.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

writeFileSync(process.env.BENCH_OUT ?? '/dev/stdout', JSON.stringify(await benchObserve()))
