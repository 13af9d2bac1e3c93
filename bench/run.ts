/**
 * `npm run bench [-- [--quick] [names…]]`: Strata's benchmarks (issue 8). Generates its data once
 * into `.bench-cache/` (git-ignored), runs each benchmark as child processes, prints a table and
 * writes it into BENCHMARKS.md (between the `bench:results` markers; the prose around them is
 * kept). Results are kept per benchmark in `.bench-cache/results.json`, so running one
 * benchmark updates its rows and keeps the others'.
 *
 * Names: help, csv, engine, engine10k, plan, observe, ui, day100k, backfill30, backfill100k, day1m (default: all
 * but day1m and engine10k in --quick mode). The CDI benchmarks run on `generate-sample`'s
 * realistic profile (shaped like real exports). Environment: BENCH_1M_HISTORY_DAYS (default 90)
 * — how many days of history the 1M-customer store gets before the measured day (see BENCHMARKS.md).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { addDays } from '../framework/partitions/index.js'
import { CsvTokenizer } from '../assets/lib/csv-reader.js'
import { RunStore, type RunRecord } from '../framework/runs/index.js'
import { LocalStorage } from '../framework/storage/local-storage.js'

/** The package root: this file is dist/bench/run.js. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const CACHE = join(process.cwd(), '.bench-cache')
const CHILD = join(ROOT, 'dist', 'bench', 'child.js')
const BIN = join(ROOT, 'bin', 'strata.js')
const RESULTS = join(CACHE, 'results.json')
const MARK_BEGIN = '<!-- bench:results:begin -->'
const MARK_END = '<!-- bench:results:end -->'

/** The CDI data sets: landing from START, history up to the Sunday before MONDAY. */
const START = '2025-01-01'
const MONDAY = '2025-04-07'
const TUESDAY = '2025-04-08'

interface Session {
  readonly date: string
  readonly commit: string
  readonly node: string
  readonly cpu: string
  readonly cores: number
  readonly ramGiB: number
  readonly load: string
  readonly quick: boolean
}

interface Row {
  readonly id: string
  readonly benchmark: string
  readonly what: string
  /** Median wall time of the runs, ms. */
  readonly wallMs: number
  readonly runs: number
  /** Label and value of the per-unit column, e.g. "per step" 3.1 ms. */
  readonly perUnit?: { readonly label: string; readonly ms: number }
  readonly peakRssMiB?: number
  readonly target?: string
  readonly met?: boolean
  readonly notes?: string
  session?: Session
}

interface ChildResult {
  readonly maxRssKb: number
  readonly [key: string]: number | string | boolean | null
}

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const ALL = ['help', 'csv', 'engine', 'engine10k', 'plan', 'observe', 'ui', 'day100k', 'backfill30', 'backfill100k', 'day1m']
const QUICK_DEFAULT = ['help', 'csv', 'engine', 'plan', 'observe', 'ui', 'day100k', 'backfill30', 'backfill100k']
const named = args.filter((arg) => !arg.startsWith('--'))
for (const name of named) if (!ALL.includes(name)) throw new Error(`unknown benchmark "${name}"; known: ${ALL.join(', ')}`)
const selected = named.length > 0 ? named : quick ? QUICK_DEFAULT : ALL

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
const log = (text: string) => process.stderr.write(`[bench] ${text}\n`)

function session(): Session {
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' })
  const status = spawnSync('git', ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' })
  const commit = git.status === 0 ? git.stdout.trim().slice(0, 12) + (status.stdout.trim() ? ' (+ uncommitted changes)' : '') : 'unknown'
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit,
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    ramGiB: Math.round(totalmem() / 2 ** 30),
    load: loadavg().map((value) => value.toFixed(1)).join(' '),
    quick,
  }
}

/** Run a command, return wall ms and its exit status; output goes to .bench-cache/bench.log. */
function timed(command: string, argv: readonly string[], env: Record<string, string> = {}): { ms: number; status: number | null } {
  const logFile = join(CACHE, 'bench.log')
  writeFileSync(logFile, `\n$ ${command} ${argv.join(' ')}\n`, { flag: 'a' })
  const started = performance.now()
  const result = spawnSync(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, maxBuffer: 256 * 2 ** 20 })
  const ms = performance.now() - started
  writeFileSync(logFile, `${result.stdout?.toString() ?? ''}${result.stderr?.toString() ?? ''}`, { flag: 'a' })
  return { ms, status: result.status }
}

/** Run bench/child.js with a mode; returns its wall time (spawn to exit) and its JSON report. */
function child(argv: readonly string[], env: Record<string, string> = {}): { ms: number; result: ChildResult } {
  const out = join(CACHE, `child-${process.pid}.json`)
  rmSync(out, { force: true })
  const { ms, status } = timed(process.execPath, [CHILD, ...argv], { ...env, BENCH_OUT: out })
  if (!existsSync(out)) throw new Error(`child ${argv.join(' ')} exited ${String(status)} without a report; see .bench-cache/bench.log`)
  const result = JSON.parse(readFileSync(out, 'utf8')) as ChildResult
  rmSync(out, { force: true })
  if (typeof result.code === 'number' && result.code !== 0) throw new Error(`strata ${argv.slice(2).join(' ')} exited ${result.code}; see .bench-cache/bench.log`)
  return { ms, result }
}

const mib = (kb: number) => Math.round(kb / 1024)

// ── benchmarks ──────────────────────────────────────────────────────────────────────────────

function benchHelp(): Row[] {
  const runs = quick ? 5 : 15
  timed(process.execPath, [BIN, '--help']) // warm the file cache
  const times: number[] = []
  for (let i = 0; i < runs; i++) times.push(timed(process.execPath, [BIN, '--help']).ms)
  let rss: number | undefined
  if (existsSync('/usr/bin/time')) {
    const probe = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, BIN, '--help'], { encoding: 'utf8' })
    const kb = Number(probe.stderr.trim().split('\n').at(-1))
    if (Number.isFinite(kb)) rss = mib(kb)
  }
  const baseline: number[] = []
  for (let i = 0; i < Math.min(runs, 5); i++) baseline.push(timed(process.execPath, ['-e', '0']).ms)
  const wall = median(times)
  return [{ id: 'help', benchmark: '`strata --help`', what: 'start-up: node bin/strata.js --help', wallMs: wall, runs, ...(rss ? { peakRssMiB: rss } : {}), target: '≤ 300 ms', met: wall <= 300, notes: `bare \`node -e 0\` takes ${median(baseline).toFixed(0)} ms here` }]
}

function engineRows(id: string, assets: number, days: number, runs: number): Row[] {
  const steps = assets * days
  const perRun: { wall: number; loadState: number; plan: number; execute: number; rss: number }[] = []
  let replan: ChildResult | undefined
  let replanMs = 0
  for (let i = 0; i < runs; i++) {
    const store = join(CACHE, `engine-${assets}x${days}`)
    rmSync(store, { recursive: true, force: true })
    const { ms, result } = child(['engine', String(assets), String(days), store])
    if (result.succeeded !== steps) throw new Error(`engine benchmark: ${String(result.succeeded)} of ${steps} steps succeeded`)
    perRun.push({ wall: ms, loadState: Number(result.loadStateMs), plan: Number(result.planMs), execute: Number(result.executeMs), rss: result.maxRssKb })
    if (i === runs - 1) {
      // The same plan again on the full store: every step up to date, so this is stored-state loading + planning.
      const again = child(['engine', String(assets), String(days), store])
      replan = again.result
      replanMs = again.ms
      rmSync(store, { recursive: true, force: true })
    }
  }
  const engineMs = median(perRun.map((run) => run.loadState + run.plan + run.execute))
  const rows: Row[] = [
    {
      id,
      benchmark: `engine overhead, ${steps.toLocaleString('en')} steps`,
      what: `${assets} no-op daily assets (a chain) × ${days} days, empty store: load state → plan → execute (concurrency 2) → commit → run record`,
      wallMs: median(perRun.map((run) => run.wall)),
      runs,
      perUnit: { label: 'per step', ms: engineMs / steps },
      peakRssMiB: mib(Math.max(...perRun.map((run) => run.rss))),
      target: '≤ 5 ms/step',
      met: engineMs / steps <= 5,
      notes: `in-process: load state ${median(perRun.map((r) => r.loadState)).toFixed(0)} ms, plan ${median(perRun.map((r) => r.plan)).toFixed(0)} ms, execute ${median(perRun.map((r) => r.execute)).toFixed(0)} ms; wall includes node start-up`,
    },
  ]
  if (replan) {
    rows.push({
      id: `${id}-replan`,
      benchmark: `re-plan over ${steps.toLocaleString('en')} committed partitions`,
      what: 'the same command again: every partition up to date (reads every manifest, plans, runs nothing)',
      wallMs: replanMs,
      runs: 1,
      perUnit: { label: 'per partition', ms: (Number(replan.loadStateMs) + Number(replan.planMs)) / steps },
      peakRssMiB: mib(replan.maxRssKb),
      notes: `load state ${Number(replan.loadStateMs).toFixed(0)} ms, plan ${Number(replan.planMs).toFixed(0)} ms`,
    })
  }
  return rows
}

function benchObserve(): Row[] {
  const out = join(CACHE, `observe-${process.pid}.json`)
  const { status } = timed(process.execPath, ['--openssl-legacy-provider', join(ROOT, 'dist', 'bench', 'observe-landing.js')], { BENCH_OUT: out })
  if (!existsSync(out)) throw new Error(`the observe benchmark exited ${String(status)} without a report; see .bench-cache/bench.log`)
  const rows = JSON.parse(readFileSync(out, 'utf8')) as Row[]
  rmSync(out, { force: true })
  return rows
}

/** `strata ui` over 10 assets × 3,650 days of synthesised manifests: API time, and page time in Chromium when installed. */
function benchUi(): Row[] {
  const browser = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path))
  const { result } = child(['ui', join(CACHE, 'ui-store'), ...(browser ? [browser] : [])])
  const n = (key: string) => Number(result[key])
  const api = Math.max(n('graphMs'), n('assetMs'))
  const rows: Row[] = [
    {
      id: 'ui-api',
      benchmark: '`strata ui` API, 10 assets × 3,650 days',
      what: 'JSON of the graph page and of an asset page (status as ranges from the manifests, computed once, then served from memory), median of 7',
      wallMs: api,
      runs: 7,
      peakRssMiB: mib(result.maxRssKb),
      target: '< 1 s',
      met: api < 1000,
      notes: `graph ${n('graphMs').toFixed(1)} ms, asset ${n('assetMs').toFixed(1)} ms, partition ${n('partitionMs').toFixed(1)} ms; once at start: server up (36,500 manifests read) ${n('startMs').toFixed(0)} ms, first status computation (plan over every partition) ${n('coldGraphMs').toFixed(0)} ms; after a change on the last day, status re-planned incrementally in ${n('refreshMs').toFixed(0)} ms`,
    },
  ]
  if (result.pageGraphMs !== null) {
    const page = Math.max(n('pageGraphMs'), n('pageAssetMs'))
    rows.push({ id: 'ui-page', benchmark: '`strata ui` pages in headless Chromium, 10 assets × 3,650 days', what: 'navigation until the page has drawn (graph laid out by dagre; asset page with its health bar), median of 5', wallMs: page, runs: 5, target: '< 1 s', met: page < 1000, notes: `graph ${n('pageGraphMs').toFixed(0)} ms, asset ${n('pageAssetMs').toFixed(0)} ms` })
  }
  return rows
}

function benchCsv(): Row[] {
  const line = 'T000123,C000123,2026-03-01T10:15:00Z,app,1234.56,EUR\n'
  const bytes = Buffer.from('trade_id,customer_id,ts,channel,notional,currency\n' + line.repeat(500_000))
  const times: number[] = []
  for (let run = 0; run < 3; run++) {
    const tokenizer = new CsvTokenizer()
    const started = performance.now()
    let count = 0
    for (let at = 0; at < bytes.length; at += 1 << 16) count += tokenizer.push(bytes.subarray(at, at + (1 << 16))).length
    count += tokenizer.end().length
    times.push(performance.now() - started)
    if (count !== 500_001) throw new Error(`csv bench: ${count} records, expected 500001`)
  }
  const ms = median(times)
  const mbPerS = bytes.length / 1e6 / (ms / 1000)
  return [{ id: 'csv', benchmark: 'CSV tokenizer, 500,000 trade lines', what: `${(bytes.length / 1e6).toFixed(1)} MB in memory, 64 KiB chunks: ${mbPerS.toFixed(0)} MB/s`, wallMs: ms, runs: 3, target: '≥ 50 MB/s', met: mbPerS >= 50 }]
}

function benchPlan(): Row[] {
  const { ms, result } = child(['plan', START, '30', '365'])
  return [
    { id: 'plan30', benchmark: 'planner, 30 days × whole CDI graph', what: `plan() alone, empty store (${String(result.plan30Steps)} steps)`, wallMs: Number(result.plan30Ms), runs: 1, target: '< 1 s', met: Number(result.plan30Ms) < 1000, notes: `process incl. definitions load ${ms.toFixed(0)} ms` },
    { id: 'plan365', benchmark: 'planner, 1 year × whole CDI graph', what: `plan() alone, empty store (${String(result.plan365Steps)} steps)`, wallMs: Number(result.plan365Ms), runs: 1, peakRssMiB: mib(result.maxRssKb) },
  ]
}

// ── CDI data ────────────────────────────────────────────────────────────────────────────────

interface DataSet {
  readonly name: string
  readonly customers: number
  readonly dir: string
  /** First landing day = STRATA_START of the store. */
  readonly start: string
  /** generate-sample's --profile. */
  readonly profile: 'realistic' | 'light'
}

/** A realistic data set (the `r` prefix keeps it apart from the light sets earlier sessions cached). */
function dataSet(name: string, customers: number, start: string): DataSet {
  return { name, customers, dir: join(CACHE, `r${name}`), start, profile: 'realistic' }
}

function cli(set: DataSet, storage: string, strataArgs: readonly string[]): { ms: number; result: ChildResult } {
  return child(['cli', 'cdi', '--landing', join(set.dir, 'landing'), '--storage', storage, ...strataArgs], { STRATA_START: set.start, STRATA_LOG_LEVEL: 'quiet' })
}

/** Landing data from set.start to TUESDAY, generated once per start day (e.g. BENCH_1M_HISTORY_DAYS). */
function ensureLanding(set: DataSet): void {
  const done = join(set.dir, 'landing.done')
  const days = 1 + Math.round((Date.parse(TUESDAY) - Date.parse(set.start)) / 86_400_000)
  if (existsSync(done)) {
    const previous = JSON.parse(readFileSync(done, 'utf8')) as { days?: number; profile?: string }
    if (previous.days === days && previous.profile === set.profile) return
  }
  log(`generating landing data (${set.profile}): ${set.customers} customers × ${days} days (${set.start} … ${TUESDAY}) — once, cached in ${set.dir}`)
  // History built on other landing data is of no use: start it again too.
  for (const stale of ['landing', 'history', 'history.done']) rmSync(join(set.dir, stale), { recursive: true, force: true })
  mkdirSync(set.dir, { recursive: true })
  const { ms } = child(['cli', 'cdi', '--landing', join(set.dir, 'landing'), '--storage', join(set.dir, 'unused'), 'generate-sample', '--profile', set.profile, '--customers', String(set.customers), '--days', String(days), '--start', set.start, '--seed', '42'])
  writeFileSync(done, `${JSON.stringify({ ms, days, profile: set.profile })}\n`)
  log(`  generated in ${(ms / 1000).toFixed(1)} s`)
}

interface AssetInfo {
  readonly asset: string
  readonly partitions: string
  readonly codeVersion: string
  readonly deps: readonly { readonly asset: string; readonly mapping: string }[]
}

/** The CDI graph as `strata assets --json` lists it (asset keys, partitions, code versions, dependencies). */
function assetList(set: DataSet): AssetInfo[] {
  const listed = spawnSync(process.execPath, [BIN, 'assets', '--json'], { encoding: 'utf8', env: { ...process.env, STRATA_LANDING: join(set.dir, 'landing'), STRATA_START: set.start } })
  if (listed.status !== 0) throw new Error(`strata assets --json failed: ${listed.stderr}`)
  return JSON.parse(listed.stdout) as AssetInfo[]
}

/** The daily assets, comma-separated, for one day's run. */
function dailyAssets(set: DataSet): string {
  return assetList(set)
    .filter((info) => info.partitions.startsWith('daily'))
    .map((info) => info.asset)
    .join(',')
}

/**
 * A store with every asset materialized from set.start to the Sunday before MONDAY, brought up to
 * date once per version of the graph: after a change of assets, dependencies or code versions a
 * backfill over the existing store rebuilds what the engine finds missing or stale (a new
 * segment_model version: the weekly models and what reads them, not the 47-minute 1M history
 * from scratch), so a day is always measured on history the current code wrote.
 */
function ensureHistory(set: DataSet): string {
  const storage = join(set.dir, 'history')
  const done = join(set.dir, 'history.done')
  ensureLanding(set)
  const graph = JSON.stringify(assetList(set).map(({ asset, codeVersion, deps }) => ({ asset, codeVersion, deps })))
  if (existsSync(done) && (JSON.parse(readFileSync(done, 'utf8')) as { graph?: string }).graph === graph) return storage
  const last = addDays(MONDAY, -1)
  log(`materializing history: every asset ${set.start} … ${last} at ${set.customers} customers that is missing or stale — once per version of the graph, cached`)
  const { ms, result } = cli(set, storage, ['backfill', '*', '--from', set.start, '--to', last])
  writeFileSync(done, `${JSON.stringify({ ms, maxRssKb: result.maxRssKb, graph })}\n`)
  log(`  history brought up to date in ${(ms / 1000).toFixed(1)} s`)
  return storage
}

/** The successful steps of the newest run in a store. */
async function newestSteps(storage: string): Promise<RunRecord['steps']> {
  const [record] = await new RunStore(new LocalStorage(storage)).list({ limit: 1 })
  return record ? (record as RunRecord).steps.filter((step) => step.status === 'success') : []
}

/** Per-asset step seconds of the newest run in a store, e.g. "raw 1.2 s, features 3.4 s". */
async function stepTimes(storage: string): Promise<{ text: string; steps: number }> {
  const ran = await newestSteps(storage)
  return { text: ran.map((step) => `${step.asset} ${((step.durationMs ?? 0) / 1000).toFixed(1)} s`).join(', '), steps: ran.length }
}

/** Duration of `asset`'s step in the newest run of a store, ms. */
async function stepMs(storage: string, asset: string): Promise<number> {
  const step = (await newestSteps(storage)).find((s) => s.asset === asset)
  if (step?.durationMs === undefined) throw new Error(`the newest run in ${storage} has no successful ${asset} step`)
  return step.durationMs
}

/** Targets in ms for the Monday, the Tuesday and the Monday's model alone, or none. */
async function dayRows(set: DataSet, label: string, targets: { monday: number; tuesday: number; model: number } | undefined, runs: number): Promise<Row[]> {
  const storage = ensureHistory(set)
  const rows: Row[] = []
  const cases = [
    { day: MONDAY, selection: '*', what: `Monday ${MONDAY}: raw … drift_report + the weekly week_stats and segment_model` },
    { day: TUESDAY, selection: dailyAssets(set), what: `Tuesday ${TUESDAY}: every daily asset, raw … drift_report` },
  ]
  for (const c of cases) {
    const walls: number[] = []
    let rss = 0
    let times = { text: '', steps: 0 }
    for (let i = 0; i < runs; i++) {
      log(`${label}: ${c.day} run ${i + 1}/${runs}`)
      const { ms, result } = cli(set, storage, ['materialize', c.selection, '--partition', c.day, '--force'])
      walls.push(ms)
      rss = Math.max(rss, result.maxRssKb)
      times = await stepTimes(storage)
    }
    const wall = median(walls)
    const targetMs = targets === undefined ? undefined : c.day === MONDAY ? targets.monday : targets.tuesday
    rows.push({
      id: `${set.name}-${c.day === MONDAY ? 'monday' : 'day'}`,
      benchmark: `one day, ${set.customers.toLocaleString('en')} customers${c.day === MONDAY ? ', Monday' : ''}`,
      what: `${c.what}; history from ${set.start} materialized; --force`,
      wallMs: wall,
      runs,
      perUnit: { label: 'per asset', ms: wall / Math.max(1, times.steps) },
      peakRssMiB: mib(rss),
      ...(targetMs !== undefined ? { target: `≤ ${targetMs / 1000} s, ≤ 4 GiB`, met: wall <= targetMs && rss <= 4 * 2 ** 20 } : {}),
      notes: times.text,
    })
  }
  // The weekly model alone (issue 19's budget), with the week_stats it reads first (the Monday's own
  // week; the 11 before it are history): their step times, without the day's chain beside them.
  const steps: number[] = []
  const parts: string[] = []
  const walls: number[] = []
  let rss = 0
  for (let i = 0; i < runs; i++) {
    log(`${label}: week_stats and segment_model ${MONDAY} alone, run ${i + 1}/${runs}`)
    const { ms, result } = cli(set, storage, ['materialize', 'week_stats,segment_model', '--partition', MONDAY, '--force'])
    walls.push(ms)
    rss = Math.max(rss, result.maxRssKb)
    const [week, model] = [await stepMs(storage, 'week_stats'), await stepMs(storage, 'segment_model')]
    steps.push(week + model)
    parts.push(`${((week + model) / 1000).toFixed(1)} s (week_stats ${(week / 1000).toFixed(1)} s + segment_model ${(model / 1000).toFixed(1)} s)`)
  }
  const step = median(steps)
  rows.push({
    id: `${set.name}-model`,
    benchmark: `weekly segment_model alone, ${set.customers.toLocaleString('en')} customers`,
    what: `week_stats and segment_model ${MONDAY} (its 90-day window) alone, --force: the two steps' time in the run record`,
    wallMs: step,
    runs,
    peakRssMiB: mib(rss),
    ...(targets !== undefined ? { target: `≤ ${targets.model / 1000} s`, met: step <= targets.model } : {}),
    notes: `runs ${parts.join(', ')}; the command's wall (Node's start-up and planning included) ${(median(walls) / 1000).toFixed(1)} s`,
  })
  return rows
}

async function benchBackfill(days: number, targetMs: number): Promise<Row[]> {
  const set = dataSet('c100k', 100_000, START)
  ensureLanding(set)
  const to = addDays(START, days - 1)
  const runs = quick ? 1 : 2
  const walls: number[] = []
  let rss = 0
  let times = { text: '', steps: 0 }
  for (let i = 0; i < runs; i++) {
    const storage = join(set.dir, 'backfill')
    rmSync(storage, { recursive: true, force: true })
    log(`backfill ${days} days: run ${i + 1}/${runs}`)
    const { ms, result } = cli(set, storage, ['backfill', '*', '--from', START, '--to', to])
    walls.push(ms)
    rss = Math.max(rss, result.maxRssKb)
    const record = await stepTimes(storage)
    times = { text: summariseByAsset(await newestRun(storage)), steps: record.steps }
    rmSync(storage, { recursive: true, force: true })
  }
  const wall = median(walls)
  return [
    {
      id: days === 90 ? 'backfill100k' : `backfill${days}`,
      benchmark: `backfill ${days} days, 100,000 customers`,
      what: `backfill "*" --from ${START} --to ${to}, empty store (${times.steps} steps)`,
      wallMs: wall,
      runs,
      perUnit: { label: 'per step', ms: wall / Math.max(1, times.steps) },
      peakRssMiB: mib(rss),
      target: `≤ ${targetMs / 1000} s`,
      met: wall <= targetMs,
      notes: times.text,
    },
  ]
}

async function newestRun(storage: string): Promise<RunRecord | undefined> {
  const [record] = await new RunStore(new LocalStorage(storage)).list({ limit: 1 })
  return record
}

/** Total step seconds per asset over a run, largest first. */
function summariseByAsset(record: RunRecord | undefined): string {
  if (!record) return ''
  const total = new Map<string, number>()
  for (const step of record.steps) total.set(step.asset, (total.get(step.asset) ?? 0) + (step.durationMs ?? 0))
  return `step time by asset: ${[...total].sort((a, b) => b[1] - a[1]).map(([asset, ms]) => `${asset} ${(ms / 1000).toFixed(1)} s`).join(', ')}`
}

// ── results ─────────────────────────────────────────────────────────────────────────────────

function loadResults(): Record<string, Row> {
  return existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, Row>) : {}
}

function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`
  return ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`
}

function markdown(rows: readonly Row[], current: Session): string {
  const lines = [
    MARK_BEGIN,
    `_Written by \`npm run bench\`. Latest session: ${current.date}, commit ${current.commit}, Node ${current.node}, ${current.cpu} (${current.cores} cores), ${current.ramGiB} GiB RAM, load average at start ${current.load}${current.quick ? ', --quick' : ''}._`,
    '',
    '| benchmark | wall (median) | runs | per unit | peak RSS | target | met | measured | notes |',
    '|---|---|---|---|---|---|---|---|---|',
  ]
  const order = ['help', 'engine', 'engine-replan', 'engine10k', 'engine10k-replan', 'plan30', 'plan365', 'observe-local', 'observe-s3', 'ui-api', 'ui-page', 'c100k-day', 'c100k-monday', 'c1m-day', 'c1m-monday', 'backfill30', 'backfill100k']
  const sorted = [...rows].sort((a, b) => (order.indexOf(a.id) + 1 || 99) - (order.indexOf(b.id) + 1 || 99))
  for (const row of sorted) {
    const when = row.session ? `${row.session.date.slice(0, 16).replace('T', ' ')} (${row.session.commit.split(' ')[0] ?? ''}${row.session.commit.includes('+') ? '+' : ''})` : ''
    lines.push(
      `| ${row.benchmark} | ${formatMs(row.wallMs)} | ${row.runs} | ${row.perUnit ? `${formatMs(row.perUnit.ms)} ${row.perUnit.label}` : ''} | ${row.peakRssMiB !== undefined ? `${row.peakRssMiB} MiB` : ''} | ${row.target ?? ''} | ${row.met === undefined ? '' : row.met ? 'yes' : '**no**'} | ${when} | ${[row.what, row.notes].filter(Boolean).join('. ')} |`,
    )
  }
  lines.push(MARK_END)
  return lines.join('\n')
}

function writeBenchmarksMd(block: string): void {
  const file = join(process.cwd(), 'BENCHMARKS.md')
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n'
  const begin = existing.indexOf(MARK_BEGIN)
  const end = existing.indexOf(MARK_END)
  const next = begin >= 0 && end > begin ? `${existing.slice(0, begin)}${block}${existing.slice(end + MARK_END.length)}` : `${existing.trimEnd()}\n\n${block}\n`
  writeFileSync(file, next)
}

function printTable(rows: readonly Row[]): void {
  const table = rows.map((row) => [row.benchmark.replace(/`/g, ''), formatMs(row.wallMs), row.perUnit ? `${formatMs(row.perUnit.ms)} ${row.perUnit.label}` : '', row.peakRssMiB !== undefined ? `${row.peakRssMiB} MiB` : '', row.target ?? '', row.met === undefined ? '' : row.met ? 'yes' : 'NO'])
  const header = ['benchmark', 'wall', 'per unit', 'peak RSS', 'target', 'met']
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')
  process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${table.map(line).join('\n')}\n`)
}

async function main(): Promise<void> {
  if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run npm run build first`)
  mkdirSync(CACHE, { recursive: true })
  const current = session()
  log(`benchmarks: ${selected.join(', ')}${quick ? ' (quick)' : ''}; machine ${current.cpu}, ${current.cores} cores, ${current.ramGiB} GiB; load ${current.load}`)
  const fresh: Row[] = []
  const keep = (rows: readonly Row[]) => {
    // Read again: another bench process (e.g. day1m in the background) may have written meanwhile.
    const results = loadResults()
    for (const row of rows) {
      const stamped = { ...row, session: current }
      results[row.id] = stamped
      fresh.push(stamped)
    }
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`)
    writeBenchmarksMd(markdown(Object.values(results), current))
  }
  for (const name of selected) {
    log(`── ${name}`)
    if (name === 'help') keep(benchHelp())
    else if (name === 'csv') keep(benchCsv())
    else if (name === 'engine') keep(engineRows('engine', 10, 100, quick ? 1 : 3))
    else if (name === 'engine10k') keep(engineRows('engine10k', 10, 1000, 1))
    else if (name === 'plan') keep(benchPlan())
    else if (name === 'observe') keep(benchObserve())
    else if (name === 'ui') keep(benchUi())
    else if (name === 'day100k') keep(await dayRows(dataSet('c100k', 100_000, START), 'day100k', undefined, quick ? 1 : 3))
    else if (name === 'backfill30') keep(await benchBackfill(30, 17_000))
    else if (name === 'backfill100k') keep(await benchBackfill(90, 60_000))
    else if (name === 'day1m') {
      const history = Number(process.env.BENCH_1M_HISTORY_DAYS ?? 90)
      keep(await dayRows(dataSet('c1m', 1_000_000, addDays(MONDAY, -history)), 'day1m', { monday: 20_000, tuesday: 10_000, model: 15_000 }, quick ? 1 : 2))
    }
  }
  printTable(fresh)
  log(`wrote BENCHMARKS.md and ${RESULTS}`)
}

await main()
