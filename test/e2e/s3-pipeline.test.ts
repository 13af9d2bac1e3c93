import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startS3Server, type S3TestServer } from '../support/s3-server.js'

const run = promisify(execFile)
const bin = fileURLToPath(new URL('../../bin/strata.js', import.meta.url))
let server: S3TestServer
let dir: string

async function strata(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env, ...server.env, STRATA_LANDING: 's3://strata-test/landing', STRATA_STORAGE: 's3://strata-test/storage', STRATA_START: '', CI: '1' }
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, out: stdout, err: stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, out: e.stdout, err: e.stderr }
  }
}

beforeAll(async () => {
  server = await startS3Server(['strata-test'])
  dir = await mkdtemp(join(tmpdir(), 'strata-s3-e2e-'))
})
afterAll(async () => {
  await server?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('the main job on S3 (an S3-compatible server on 127.0.0.1)', () => {
  it('runs the demo with STRATA_LANDING and STRATA_STORAGE on s3://, and show/status/lineage read it back', async () => {
    const demo = await strata('demo', '--profile', 'light', '--customers', '150', '--days', '12', '--last', '2')
    expect(demo.err).toBe('')
    expect(demo.out).toMatch(/run \S+: success/)
    expect(demo.out).toContain('drift summary:')
    expect(demo.out).toContain('s3://strata-test/storage/<asset>/dt=YYYY-MM-DD/')
    expect(demo.code).toBe(0)

    const status = JSON.parse((await strata('status', '--json')).out) as { to: string; partitions: { asset: string; partition: string; state: string }[] }
    const last = status.to
    expect(status.partitions.filter((p) => p.partition === last).every((p) => p.state === 'materialized')).toBe(true)

    const csv = await strata('show', 'cdi_scores', '--partition', last, '--format', 'csv')
    expect(csv.code).toBe(0)
    expect(csv.out.split('\n')[0]).toBe('customer_id,cdi,channel,product,engagement,service')

    const lineage = await strata('lineage', 'segments', '--partition', last)
    expect(lineage.code).toBe(0)
    expect(lineage.out).toMatch(new RegExp(`^segments\\(${last}\\) data [0-9a-f]{12}`))
    expect(lineage.out).toContain('segment_model(')

    const again = await strata('materialize', '*', '--partition', last)
    expect(again.out).toContain('nothing to do')
  }, 180_000)
})
