import { execFile, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunRecord } from '../../../framework/runs/index.js'
import { openObjectStore } from '../../../resources/s3.js'
import { startS3Server, type S3TestServer } from '../../support/s3-server.js'

const execFileAsync = promisify(execFile)
const bin = fileURLToPath(new URL('../../../bin/strata.js', import.meta.url))
const BUCKET = 'strata-contract'

/** One executor implementation, as the contract runs it: `strata … --executor <kind>` with its environment. */
export interface ExecutorSubject {
  readonly kind: 'local' | 'fargate'
  /** Extra variables of the launching shell (e.g. the ECS emulator's endpoint and the Fargate settings). */
  readonly env: Readonly<Record<string, string>>
  /** Called once the suite's S3 server and working folder exist; returns a clean-up. */
  start?(context: { readonly s3: S3TestServer; readonly cwd: string }): Promise<() => Promise<void>>
}

interface Result {
  readonly code: number
  readonly out: string
  readonly err: string
}

/**
 * The executor contract: what every executor (local in-process, Fargate tasks) does with the same
 * plan over the CDI pipeline on S3: every step's outcome recorded in the run record, each partition
 * committed by its run, a rerun with nothing to do; a failing step failing with its own words and
 * skipping exactly its dependents; a canceled run (SIGINT) recorded as canceled with no step left
 * running, and a rerun finishing the rest.
 */
export function executorContract(subject: ExecutorSubject): void {
  let s3: S3TestServer
  let cwd: string
  let stopSubject: (() => Promise<void>) | undefined
  const shell = (name: string): Record<string, string> => ({
    PATH: process.env.PATH ?? '',
    ...s3.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    STRATA_LANDING: `s3://${BUCKET}/${name}/landing`,
    STRATA_STORAGE: `s3://${BUCKET}/${name}/storage`,
    STRATA_START: '2026-11-03',
    CI: '1',
    ...subject.env,
  })
  const strata = async (name: string, ...args: string[]): Promise<Result> => {
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, [bin, ...args], { cwd, env: shell(name), maxBuffer: 64 * 1024 * 1024 })
      return { code: 0, out: stdout, err: stderr }
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string }
      return { code: e.code, out: e.stdout, err: e.stderr }
    }
  }
  const executorArgs = ['--executor', subject.kind]
  const recordOf = async (name: string, result: Result): Promise<RunRecord> => {
    const runId = /run (\d{8}T\d{6}Z-[0-9a-f]{6})/.exec(`${result.out}\n${result.err}`)?.[1] ?? 'none'
    const shown = await strata(name, 'runs', 'show', runId, '--json')
    expect(shown.code, shown.err).toBe(0)
    return JSON.parse(shown.out) as RunRecord
  }
  const landing = async (name: string) => {
    const result = await strata(name, 'generate-sample', '--profile', 'light', '--customers', '60', '--days', '3', '--start', '2026-11-03')
    expect(result.code, result.err).toBe(0)
  }

  describe(`executor contract: ${subject.kind}`, () => {
    beforeAll(async () => {
      s3 = await startS3Server([BUCKET])
      cwd = await mkdtemp(join(tmpdir(), `strata-contract-${subject.kind}-`))
      stopSubject = await subject.start?.({ s3, cwd })
    }, 60_000)
    afterAll(async () => {
      await stopSubject?.()
      await s3?.stop()
      await rm(cwd, { recursive: true, force: true })
    })

    it('runs every step of a plan, each partition committed by the run; a rerun has nothing to do', async () => {
      await landing('ok')
      const result = await strata('ok', 'backfill', '*', '--from', '2026-11-03', '--to', '2026-11-04', ...executorArgs)
      expect(result.code, `${result.out}\n${result.err}`).toBe(0)
      const record = await recordOf('ok', result)
      expect(record).toMatchObject({ status: 'success', executor: subject.kind })
      // 2 days × the 7 daily assets that start on the first day (segments and the rest start on the first Monday).
      expect(record.counts).toMatchObject({ planned: 14, succeeded: 14, failed: 0, skipped: 0, canceled: 0 })
      expect(record.steps.every((step) => step.status === 'success' && step.endedAt !== undefined)).toBe(true)
      const lineage = await strata('ok', 'lineage', 'cdi_scores', '--partition', '2026-11-04', '--json')
      expect(lineage.code, lineage.err).toBe(0)
      expect(lineage.out).toContain(record.runId)
      const again = await strata('ok', 'backfill', '*', '--from', '2026-11-03', '--to', '2026-11-04', ...executorArgs)
      expect(again.code).toBe(0)
      expect(again.out).toContain('nothing to do')
    }, 180_000)

    it('a failing step fails in its own words and skips exactly its dependents', async () => {
      await landing('broken')
      // customers.csv of the second day with a header naming a column twice: raw for that day cannot load it.
      await openObjectStore(`s3://${BUCKET}/broken/landing`, { env: s3.env }).put('ingest_date=2026-11-04/customers.csv', 'customer_id,customer_id\n1,1\n')
      const result = await strata('broken', 'backfill', '*', '--from', '2026-11-03', '--to', '2026-11-04', ...executorArgs)
      expect(result.code, `${result.out}\n${result.err}`).toBe(1)
      const record = await recordOf('broken', result)
      expect(record.status).toBe('failed')
      const byId = new Map(record.steps.map((step) => [`${step.asset}@${step.partition}`, step]))
      expect(byId.get('raw@2026-11-04')).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('column "customer_id" appears twice') } })
      for (const asset of ['curated', 'customer_activity', 'activity_window', 'features', 'feature_stats', 'cdi_scores']) {
        expect(byId.get(`${asset}@2026-11-03`)?.status).toBe('success')
        expect(byId.get(`${asset}@2026-11-04`)?.status).toBe('skipped')
      }
      expect(record.counts).toMatchObject({ succeeded: 7, failed: 1, skipped: 6 })
    }, 180_000)

    it('a canceled run stops, records the run as canceled with no step left running, and a rerun finishes it', async () => {
      await landing('cancel')
      const child = spawn(process.execPath, [bin, 'backfill', '*', '--from', '2026-11-03', '--to', '2026-11-05', '--concurrency', '1', ...executorArgs], { cwd, env: shell('cancel'), stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      let err = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        // Interrupt once the first step is done: the run is well under way.
        if (/\[1\/\d+\]/.test(out) && child.exitCode === null && !child.killed) child.kill('SIGINT')
      })
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
      const code = await new Promise<number>((resolve) => child.on('close', (exit) => resolve(exit ?? -1)))
      expect(code, `${out}\n${err}`).not.toBe(0)
      const record = await recordOf('cancel', { code, out, err })
      expect(record.status).toBe('canceled')
      expect(record.steps.some((step) => step.status === 'success')).toBe(true)
      expect(record.steps.some((step) => step.status === 'canceled')).toBe(true)
      expect(record.steps.filter((step) => step.status === 'running' || step.status === 'pending')).toEqual([])
      const rerun = await strata('cancel', 'backfill', '*', '--from', '2026-11-03', '--to', '2026-11-05', ...executorArgs)
      expect(rerun.code, `${rerun.out}\n${rerun.err}`).toBe(0)
      const finished = await recordOf('cancel', rerun)
      expect(finished.counts.succeeded + record.counts.succeeded).toBe(21)
    }, 240_000)
  })
}
