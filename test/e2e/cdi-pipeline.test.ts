import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDuckDb } from '../../resources/duckdb.js'

const run = promisify(execFile)
const bin = fileURLToPath(new URL('../../bin/strata.js', import.meta.url))
let dir: string

/** Run the real binary (compiled dist/, built by the global setup). */
async function strata(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, STRATA_START: '', CI: '1' }, maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, out: stdout, err: stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, out: e.stdout, err: e.stderr }
  }
}

// 2026-03-02 is a Monday: the model's first week is 2026-03-09, so 24 days give three weeks.
const LAST = '2026-03-25'

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-e2e-'))
  const sample = await strata('generate-sample', '--profile', 'light', '--customers', '300', '--days', '24', '--start', '2026-03-02')
  expect(sample.err).toBe('')
  expect(sample.code).toBe(0)
}, 60_000)
afterAll(async () => rm(dir, { recursive: true, force: true }))

describe('the CDI pipeline through the real binary', () => {
  it('prints the SPEC §2 graph as mermaid', async () => {
    const { code, out } = await strata('lineage', 'drift_report', '--upstream', '--format', 'mermaid')
    expect(code).toBe(0)
    for (const edge of ['raw -->|"same partition"| curated', 'segments -->|"the day before (D-1), none for the first partition"| segments', 'segment_model -->|"the week containing D (its Monday)"| drift_report']) expect(out).toContain(edge)
  })

  it('materializes everything one day needs, then nothing on a rerun', async () => {
    const first = await strata('materialize', '+drift_report', '--partition', LAST)
    expect(first.err).toBe('')
    expect(first.out).toMatch(/success/)
    expect(first.code).toBe(0)
    const again = await strata('materialize', '+drift_report', '--partition', LAST)
    expect(again.out).toContain('nothing to do')
  }, 120_000)

  it('shows cdi_scores as CSV with the SPEC §8 columns', async () => {
    const { code, out } = await strata('show', 'cdi_scores', '--partition', LAST, '--format', 'csv')
    expect(code).toBe(0)
    const lines = out.trim().split('\n')
    expect(lines[0]).toBe('customer_id,cdi,channel,product,engagement,service')
    expect(lines.length).toBeGreaterThan(250)
    for (const line of lines.slice(1)) {
      const cdi = Number(line.split(',')[1])
      expect(Number.isInteger(cdi) && cdi >= 0 && cdi <= 100).toBe(true)
    }
  })

  it('writes Hive-style Parquet that DuckDB reads directly', async () => {
    const db = await openDuckDb()
    try {
      const rows = await db.all<{ dt: unknown; n: bigint }>(`SELECT dt::VARCHAR AS dt, count(*) AS n FROM read_parquet('${join(dir, 'data/storage/segments/dt=*/*.parquet')}', hive_partitioning = true) GROUP BY dt ORDER BY dt`)
      expect(rows.at(-1)?.dt).toBe(LAST)
      expect(rows[0]?.dt).toBe('2026-03-09')
      expect(Number(rows.at(-1)?.n)).toBeGreaterThan(250)
    } finally {
      db.close()
    }
  })

  it('reports the SPEC §7 figures in the drift report and its metadata', async () => {
    const { out } = await strata('show', 'drift_report', '--partition', LAST)
    const report = JSON.parse(out) as Record<string, unknown>
    expect(Object.keys(report)).toEqual(['partition', 'warmup', 'cdi_psi', 'segment_churn', 'retrain_churn', 'cdi_mean', 'cdi_std', 'segment_sizes', 'features', 'status', 'notes', 'row_counts', 'metrics'])
    expect(report.warmup).toBe(true)
    expect(report.status).not.toBe('alert')
    expect(typeof report.cdi_psi).toBe('number')
    const runs = JSON.parse((await strata('runs', '--json', '--limit', '5', '--all')).out) as { steps: { asset: string; status: string }[] }[]
    expect(runs.length).toBe(2)
  })

  it('reconciles every table and keeps the quarantine', async () => {
    const { out } = await strata('show', 'raw', '--partition', LAST, '--format', 'json')
    const tables = JSON.parse(out) as { table: string; rows_read: number; curated: number; quarantined: number; duplicates: number }[]
    expect(tables.map((t) => t.table)).toEqual(['customers', 'statements', 'channel_events', 'trades', 'tickets', 'marketing'])
    for (const t of tables) expect(Number(t.rows_read)).toBe(Number(t.curated) + Number(t.quarantined) + Number(t.duplicates))
    const curated = JSON.parse((await strata('show', 'curated', '--partition', LAST, '--format', 'json')).out) as typeof tables
    expect(curated.map((t) => [t.table, Number(t.curated)])).toEqual(tables.map((t) => [t.table, Number(t.curated)]))
  })

  it('traces partition-level lineage from manifests', async () => {
    const { code, out, err } = await strata('lineage', 'cdi_scores', '--partition', LAST, '--depth', '5')
    expect(code, err).toBe(0)
    expect(out.split('\n')[0]).toMatch(new RegExp(`^cdi_scores\\(${LAST}\\) data [0-9a-f]{12}`))
    expect(out).toContain(`features(${LAST})`)
    expect(out).toContain(`customer_activity 2026-03-02 … ${LAST}, 24 partitions`)
    expect(out).toContain(`raw(${LAST})`)
    expect(out).toContain(`activity_window 2026-03-02 … 2026-03-24, 23 partitions, each from the day before`)
  })

  it('quarantines bad rows and a blocking quarantine rate stops everything downstream', async () => {
    const landing = join(dir, 'bad-landing')
    const storage = join(dir, 'bad-storage')
    const where = ['--landing', landing, '--storage', storage]
    expect((await strata('generate-sample', '--profile', 'light', '--customers', '200', '--days', '2', '--start', '2026-03-02', '--bad-rows', '0.3', ...where)).code).toBe(0)
    const result = await strata('materialize', '+cdi_scores', '--partition', '2026-03-03', ...where)
    expect(result.code).toBe(1)
    expect(result.out).toMatch(/failed raw\(2026-03-03\): blocking check quarantine_rate failed: quarantine rate over 5%/)
    const quarantine = JSON.parse((await strata('show', 'raw', '--partition', '2026-03-03', '--table', 'trades', '--format', 'json', ...where)).out) as { line: number; reason: string; original: string }[]
    expect(quarantine.length).toBeGreaterThan(0)
    for (const row of quarantine) {
      expect(row.line).toBeGreaterThan(1)
      expect(row.reason.length).toBeGreaterThan(0)
    }
    const status = JSON.parse((await strata('status', '+cdi_scores', '--from', '2026-03-03', '--to', '2026-03-03', '--json', ...where)).out) as { partitions: { asset: string; state: string }[] }
    expect(Object.fromEntries(status.partitions.map((p) => [p.asset, p.state]))).toMatchObject({ raw: 'failed', curated: 'missing', cdi_scores: 'missing' })
  }, 60_000)

  it('exits 2 with a clear message on bad input', async () => {
    const impossible = await strata('materialize', 'cdi_scores', '--partition', '2026-02-30')
    expect(impossible.code).toBe(2)
    expect(impossible.err).toMatch(/2026-02-30.*not a real calendar date/)
    const early = await strata('materialize', 'segments', '--partition', '2026-03-03')
    expect(early.code).toBe(2)
    expect(early.err).toMatch(/before the first partition of asset segments \(2026-03-09\)/)
  })
})
