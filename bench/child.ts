/**
 * One measured process of the benchmarks (spawned by bench/run.ts, never imported): it does one
 * piece of work and writes what it measured as JSON to the file named by BENCH_OUT, including
 * the process's own peak RSS (`process.resourceUsage().maxRSS`).
 *
 *   node dist/bench/child.js cli <toy:N|cdi> <strata args…>   the CLI in-process, as bin/strata.js runs it
 *   node dist/bench/child.js engine <assets> <days> <storage>   plan → execute → commit → run record, timed by phase
 *   node dist/bench/child.js plan <start> <days…>               plan the whole CDI graph over N days (empty store)
 *   node dist/bench/child.js ui <storage> [chromium]            `strata ui` over 10 assets × 3,650 days: API and page times
 */
import { writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { runCli } from '../framework/cli/index.js'
import type { Definitions } from '../framework/definitions/index.js'
import { silentLogger } from '../framework/definitions/index.js'
import { localExecutor } from '../framework/executors/index.js'
import { addDays } from '../framework/partitions/index.js'
import { loadStoredState, plan, storedStateOf } from '../framework/planner/index.js'
import { newRunId } from '../framework/runs/index.js'
import { LocalStorage } from '../framework/storage/local-storage.js'
import type { SqlEngine } from '../framework/sql/index.js'
import { toyEngineDefinitions, TOY_START } from './toy-engine.js'
import { platform } from '../resources/platform.js'

type Measured = Record<string, number | string | boolean | null>

function report(result: Measured): void {
  const out = process.env.BENCH_OUT
  const full = { ...result, maxRssKb: process.resourceUsage().maxRSS, uptimeMs: Math.round(performance.now()) }
  if (out) writeFileSync(out, JSON.stringify(full))
  else process.stdout.write(`${JSON.stringify(full)}\n`)
}

async function cli(target: string, args: string[]): Promise<void> {
  const started = performance.now()
  const load = async (settings: Parameters<Definitions['openResources']>[0]['settings']): Promise<Definitions> => {
    if (target.startsWith('toy:')) return toyEngineDefinitions(Number(target.slice(4)))
    return (await import('../assets/definitions.js')).loadDefinitions(settings)
  }
  const quiet = { write: () => true }
  const code = await runCli(args, { stdout: quiet, stderr: process.env.BENCH_VERBOSE ? process.stderr : quiet, env: process.env, cwd: process.cwd() }, { name: 'strata', version: '0.0.0', platform, load })
  report({ code, cliMs: Math.round(performance.now() - started) })
}

async function engine(assets: number, days: number, root: string): Promise<void> {
  const definitions = toyEngineDefinitions(assets)
  const storage = new LocalStorage(root)
  const to = addDays(TOY_START, days - 1)
  const t0 = performance.now()
  const state = await loadStoredState(storage, definitions.graph)
  const t1 = performance.now()
  const runPlan = plan(definitions.graph, { selection: '*', from: TOY_START, to }, state)
  const t2 = performance.now()
  const noDuckDb = (): Promise<SqlEngine> => Promise.reject(new Error('the toy assets need no DuckDB'))
  const record = await localExecutor().execute(
    runPlan,
    { graph: definitions.graph, storage, resources: {}, runId: newRunId(new Date()), log: silentLogger, duckdb: noDuckDb },
    { command: 'bench engine', concurrency: Number(process.env.BENCH_CONCURRENCY ?? 2) },
  )
  const t3 = performance.now()
  report({
    steps: runPlan.steps.filter((step) => step.action === 'run').length,
    succeeded: record.counts.succeeded,
    status: record.status,
    loadStateMs: t1 - t0,
    planMs: t2 - t1,
    executeMs: t3 - t2,
  })
}

async function planOnly(start: string, spans: number[]): Promise<void> {
  const { loadDefinitions } = await import('../assets/definitions.js')
  const { resolveSettings } = await import('../framework/config/index.js')
  const settings = resolveSettings({ landing: '/nonexistent-landing', storage: '/nonexistent-storage' }, { ...process.env, STRATA_START: start }, process.cwd(), 2)
  const definitions = await loadDefinitions(settings)
  const result: Measured = {}
  const empty = storedStateOf([])
  for (const days of spans) {
    const to = addDays(start, days - 1)
    plan(definitions.graph, { selection: '*', from: start, to }, empty) // warm-up
    const t0 = performance.now()
    const runPlan = plan(definitions.graph, { selection: '*', from: start, to }, empty)
    result[`plan${days}Ms`] = performance.now() - t0
    result[`plan${days}Steps`] = runPlan.steps.length
  }
  report(result)
}

const [mode, ...rest] = process.argv.slice(2)
if (mode === 'cli') await cli(rest[0] ?? 'cdi', rest.slice(1))
else if (mode === 'engine') await engine(Number(rest[0]), Number(rest[1]), rest[2] ?? '.bench-cache/engine')
else if (mode === 'plan') await planOnly(rest[0] ?? '2025-01-01', rest.slice(1).map(Number))
else if (mode === 'ui') report(await (await import('./ui-bench.js')).uiBench(rest[0] ?? '.bench-cache/ui-store', rest[1]))
else {
  process.stderr.write('usage: child.js cli|engine|plan|ui …\n')
  process.exitCode = 2
}
