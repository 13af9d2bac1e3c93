import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js'
import { startS3Server, type S3TestServer } from '../support/s3-server.js'
import { FAULT_RATES, faultScenario } from './s3-faults.js'

describe('S3 behind a fault-injecting proxy (500, 503, slow, resets before/after, truncated bodies)', () => {
  let server: S3TestServer
  let proxy: FaultProxy
  let cwd: string
  beforeAll(async () => {
    server = await startS3Server(['strata-faults'])
    proxy = await startFaultProxy({ target: server.endpoint, seed: 7, rates: FAULT_RATES, slowMs: 250 })
    cwd = await mkdtemp(join(tmpdir(), 'strata-faults-'))
  })
  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
    await rm(cwd, { recursive: true, force: true })
  })

  it('each run succeeds or fails cleanly, every committed partition always verifies, and a rerun completes with the right data', async () => {
    const location = `s3://strata-faults/f-${randomBytes(3).toString('hex')}`
    const report = await faultScenario({ server, proxy, location, cwd, faultyRuns: 2, from: '2026-01-01', to: '2026-01-04', onRun: (line) => process.stderr.write(`${line}\n`) })
    expect(report.mismatches).toEqual([])
    expect(report.finalCode).toBe(0)
    // The proxy really did hurt: every kind of fault happened at least once.
    for (const kind of ['error500', 'error503', 'slow', 'resetBefore', 'resetAfter', 'truncate'] as const) expect(proxy.stats.faults[kind], kind).toBeGreaterThan(0)
  }, 90_000)
})
