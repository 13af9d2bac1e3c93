/**
 * The long fault soak (the short version is test/reliability/s3-faults.test.ts): s3rver behind
 * the fault-injecting proxy, the toy pipeline materialized again and again with faults on, every
 * committed partition verified (size + sha256) after every run, then a rerun without faults that
 * must complete with exactly the values of a fault-free reference run.
 *
 * Bounded: faults stop after SOAK_REQUESTS requests (default 5000) or SOAK_RUNS runs (default 12).
 * SOAK_SEED replays a run. Exit 0 when every check held, 1 otherwise.
 *
 * usage: npm run soak   (builds, then node dist/bench/fault-soak.js)
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFaultProxy } from '../test/support/fault-proxy.js'
import { startS3Server } from '../test/support/s3-server.js'
import { FAULT_RATES, faultScenario } from '../test/reliability/s3-faults.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const number = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number`)
  return value
}
const seed = number('SOAK_SEED', Date.now() % 1_000_000)
const maxRequests = number('SOAK_REQUESTS', 5000)
const runs = number('SOAK_RUNS', 12)
// Twice the test's rates: more failed runs, more partial state for the next run to get past.
const rates = Object.fromEntries(Object.entries(FAULT_RATES).map(([kind, rate]) => [kind, (rate ?? 0) * 2]))

const server = await startS3Server(['strata-soak'])
const proxy = await startFaultProxy({ target: server.endpoint, seed, rates, slowMs: 500, maxFaultyRequests: maxRequests })
const cwd = await mkdtemp(join(tmpdir(), 'strata-soak-'))
process.stdout.write(`fault soak: seed ${seed}, up to ${runs} runs / ${maxRequests} faulty requests\n`)
let failed = false
try {
  const report = await faultScenario({
    server,
    proxy,
    location: `s3://strata-soak/s-${randomBytes(3).toString('hex')}`,
    cwd,
    faultyRuns: runs,
    from: '2026-01-01',
    to: '2026-01-10',
    onRun: (line) => process.stdout.write(`${line}\n`),
  })
  const ok = report.runs.filter((run) => run.code === 0).length
  process.stdout.write(`faults injected: ${JSON.stringify(proxy.stats.faults)} over ${proxy.stats.requests} requests\n`)
  process.stdout.write(`${ok} of ${report.runs.length} faulty runs succeeded, the others failed cleanly; every committed partition verified after every run\n`)
  if (report.mismatches.length > 0) {
    failed = true
    process.stdout.write(`FAILED: ${report.mismatches.length} problems after the rerun:\n  ${report.mismatches.join('\n  ')}\n`)
  } else {
    process.stdout.write('the rerun without faults completed with exactly the reference values\n')
  }
} catch (error) {
  failed = true
  process.stdout.write(`FAILED (seed ${seed}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
} finally {
  await proxy.stop()
  await server.stop()
  await rm(cwd, { recursive: true, force: true })
}
process.exitCode = failed ? 1 : 0
