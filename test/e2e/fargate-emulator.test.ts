import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../framework/definitions/index.js'
import type { RunRecord } from '../../framework/runs/index.js'
import { openStorage } from '../../framework/storage/open-storage.js'
import { platform } from '../../resources/platform.js'
import { startEcsEmulator, type EcsEmulator } from '../support/ecs-emulator.js'
import { startS3Server, type S3TestServer } from '../support/s3-server.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const bin = join(root, 'bin/strata.js')
const LANDING = 's3://strata-fargate/landing'
let server: S3TestServer
let ecs: EcsEmulator
let dir: string

/** The launching shell: S3 and the emulated ECS, the Fargate settings, fast polling for a test. */
function shell(storage: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ...server.env,
    ...ecs.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    STRATA_LANDING: LANDING,
    STRATA_STORAGE: storage,
    STRATA_START: '2026-11-03',
    STRATA_FARGATE_CLUSTER: 'strata',
    STRATA_FARGATE_TASK_DEFINITION: 'strata:1',
    STRATA_FARGATE_SUBNETS: 'subnet-0a',
    STRATA_FARGATE_CAPACITY_PROVIDER: 'FARGATE_SPOT',
    STRATA_FARGATE_LAUNCHES_PER_SECOND: '50',
    STRATA_FARGATE_START_TIMEOUT_SECONDS: '2',
    STRATA_FARGATE_POLL_MIN_SECONDS: '0.1',
    STRATA_FARGATE_POLL_MAX_SECONDS: '0.4',
    STRATA_FARGATE_RETRY_DELAY_SECONDS: '0.1',
    STRATA_FARGATE_MAX_ATTEMPTS: '4',
    CI: '1',
  }
}

async function strata(storage: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: dir, env: shell(storage), maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, out: stdout, err: stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, out: e.stdout, err: e.stderr }
  }
}

/** asset@partition → data version of every committed partition. */
async function dataVersions(location: string): Promise<Map<string, string>> {
  const storage = await openStorage(location, { env: server.env, log: silentLogger, platform })
  const versions = new Map<string, string>()
  for (const asset of ['raw', 'curated', 'customer_activity', 'activity_window', 'features', 'feature_stats', 'cdi_scores', 'week_stats', 'segment_model', 'segments', 'drift_report']) {
    for (const manifest of await storage.listManifests(asset)) versions.set(`${asset}@${manifest.partition}`, manifest.dataVersion)
  }
  return versions
}

async function runRecord(storage: string, out: string): Promise<RunRecord> {
  const runId = /run (\d{8}T\d{6}Z-[0-9a-f]{6})/.exec(out)?.[1] ?? ''
  const shown = await strata(storage, 'runs', 'show', runId, '--json')
  return JSON.parse(shown.out) as RunRecord
}

beforeAll(async () => {
  server = await startS3Server(['strata-fargate'])
  dir = await mkdtemp(join(tmpdir(), 'strata-fargate-e2e-'))
  // The task's container: this checkout's CLI, with what a task role and the image give a real task.
  ecs = await startEcsEmulator({ strata: { containerName: 'strata', entryPoint: [process.execPath, bin], cwd: dir, environment: { ...server.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, logGroup: '/strata/tasks', streamPrefix: 'cdi' } })
  const sample = await strata('s3://strata-fargate/local', 'generate-sample', '--profile', 'light', '--customers', '120', '--days', '10', '--start', '2026-11-03')
  expect(sample.code).toBe(0)
}, 120_000)
afterAll(async () => {
  await ecs?.stop()
  await server?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('Fargate through the ECS emulator (real tasks: child processes on the S3 test server)', () => {
  it('a 7-day backfill packs one task per day, survives capacity, never-started and Spot-interrupted tasks, and matches a local run', async () => {
    const local = 's3://strata-fargate/local'
    const fargate = 's3://strata-fargate/fargate'
    const localStarted = performance.now()
    expect((await strata(local, 'backfill', '*', '--from', '2026-11-03', '--to', '2026-11-09')).code).toBe(0)
    console.log(`local backfill: wall ${((performance.now() - localStarted) / 1000).toFixed(1)} s`)

    ecs.inject('capacity')
    ecs.inject('never-starts')
    ecs.inject('spot')
    const started = performance.now()
    const backfill = await strata(fargate, 'backfill', '*', '--from', '2026-11-03', '--to', '2026-11-09', '--executor', 'fargate', '--concurrency', '4')
    const wallMs = performance.now() - started
    console.log(`fargate emulator backfill: ${ecs.tasks.length} tasks launched, wall ${(wallMs / 1000).toFixed(1)} s`)
    expect(backfill.code, `${backfill.out}\n${backfill.err}`).toBe(0)
    // Log lines of the tasks, followed while they ran, prefixed with their task.
    expect(backfill.err).toMatch(/\[2026-11-0\d [0-9a-f]{8}\] \{"step":"raw@2026-11-0\d","status":"success"/)

    // 7 days → 7 tasks, plus the retries of the three injected failures (the capacity refusal launched none).
    const launched = ecs.tasks
    expect(launched).toHaveLength(7 + 2)
    // Each task got the settings as its one variable, and none of the launching shell's credentials.
    expect(launched.every((task) => Object.keys(task.environment).filter((name) => !(name in server.env) && name !== 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED').join() === 'STRATA_SETTINGS')).toBe(true)
    const requests = JSON.stringify(ecs.runTaskRequests)
    expect(requests).not.toMatch(/S3RVER|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|STRATA_FARGATE/)
    const commands = launched.map((task) => task.command)
    expect(commands.every((command) => command[0] === 'task')).toBe(true)
    // The weekly model runs in the task of the Monday that needs it first.
    const monday = launched.filter((task) => task.command.includes('segments@2026-11-09') && task.exitCode === 0)
    expect(monday).toHaveLength(1)
    expect(monday[0]?.command).toContain('segment_model@2026-11-09')

    const record = await runRecord(fargate, backfill.out)
    expect(record.executor).toBe('fargate')
    const ran = record.steps.filter((step) => step.status === 'success')
    expect(ran.length).toBe(record.steps.length)
    for (const step of ran) {
      expect(step.task).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\/strata\/[0-9a-f]{32}$/)
      expect(step.attempts?.at(-1)).toMatchObject({ task: step.task, logStream: expect.stringMatching(/^cdi\/strata\/[0-9a-f]{32}$/) })
    }
    // Every step ended in a task that exited 0, but the one the Spot-interrupted task committed before it was stopped.
    const lastAttempts = ran.map((step) => step.attempts?.at(-1))
    expect(lastAttempts.filter((attempt) => attempt?.exitCode === 0 && attempt.stopCode === 'EssentialContainerExited' && attempt.outcome === 'exited 0')).toHaveLength(ran.length - 1)
    const retried = ran.filter((step) => (step.attempts?.length ?? 0) > 1)
    const outcomes = retried.flatMap((step) => step.attempts?.slice(0, -1).map((attempt) => attempt.outcome) ?? [])
    expect(outcomes.some((outcome) => /^RunTask refused: Capacity is unavailable/.test(outcome))).toBe(true)
    expect(outcomes.some((outcome) => /^retried: task [0-9a-f]+ was still PROVISIONING after 2 s/.test(outcome))).toBe(true)
    expect(outcomes.some((outcome) => /^retried: task [0-9a-f]+ stopped \(SpotInterruption: Your Spot Task was interrupted\.\)/.test(outcome))).toBe(true)

    const shown = await strata(fargate, 'runs', 'show', record.runId)
    expect(shown.code).toBe(0)
    console.log(shown.out.split('\n').filter((line) => /^(asset|raw|curated|segment_model) /.test(line)).slice(0, 6).join('\n'))
    expect(shown.out).toMatch(/asset +partition +status +ms +rows +task +attempts/)
    expect(shown.out).toMatch(/raw +2026-11-03 +success .* [0-9a-f]{8} +3: refused, not started, spot /)
    expect(shown.out).toMatch(/curated +2026-11-03 +success .* [0-9a-f]{8} +4: refused, not started, spot, exit 0 /)
    expect(shown.out).toMatch(/segment_model +2026-11-09 +success .* 1: exit 0 /)

    // Same data as the local run, version for version.
    const [expected, actual] = await Promise.all([dataVersions(local), dataVersions(fargate)])
    expect(expected.size).toBe(53)
    expect(actual).toEqual(expected)
  }, 240_000)

  it('a daily run is one task; an OOM kill (exit 137) fails it with a hint and the rerun completes it', async () => {
    const local = 's3://strata-fargate/local'
    const fargate = 's3://strata-fargate/fargate'
    expect((await strata(local, 'materialize', '*', '--partition', '2026-11-10')).code).toBe(0)
    const before = ecs.tasks.length
    ecs.inject('oom')
    const killed = await strata(fargate, 'materialize', '*', '--partition', '2026-11-10', '--executor', 'fargate')
    expect(killed.code, `${killed.out}\n${killed.err}`).toBe(1)
    expect(ecs.tasks.length - before).toBe(1)
    const record = await runRecord(fargate, killed.out)
    const oom = record.steps.find((step) => step.status === 'failed')
    expect(oom).toMatchObject({ error: { message: expect.stringContaining('container exit code 137: OutOfMemoryError'), hint: expect.stringContaining('memory') }, attempts: [{ exitCode: 137 }] })
    expect(record.steps.filter((step) => step.status === 'success')).toHaveLength(1) // the step before the kill committed

    const started = performance.now()
    const rerun = await strata(fargate, 'materialize', '*', '--partition', '2026-11-10', '--executor', 'fargate')
    const wallMs = performance.now() - started
    expect(rerun.code, `${rerun.out}\n${rerun.err}`).toBe(0)
    expect(ecs.tasks.length - before).toBe(2)
    const [expected, actual] = await Promise.all([dataVersions(local), dataVersions(fargate)])
    expect(actual).toEqual(expected)
    console.log(`fargate emulator daily rerun: 1 task, wall ${(wallMs / 1000).toFixed(1)} s`)
  }, 120_000)
})
