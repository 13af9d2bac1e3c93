import type { Command } from 'commander'
import { StrataError } from '../../errors/index.js'
import { loadStoredState, plan, summarisePlan, type RunPlan } from '../../planner/index.js'
import { describeCounts } from '../../runs/index.js'
import { formatTable } from '../format-table.js'
import type { CommandKit } from '../command-kit.js'

interface MaterializeOptions {
  partition?: string
  from?: string
  to?: string
  force?: boolean
  dryRun?: boolean
  json?: boolean
  concurrency?: string
  executor?: string
  pack?: string
  runId?: string
  quiet?: boolean
}

/** `strata materialize` and `strata backfill`: plan, print (dry run) or execute. */
export function registerMaterializeCommands(program: Command, kit: CommandKit): void {
  const shared = (command: Command) =>
    command
      .option('--from <date>', 'first partition date of a range (YYYY-MM-DD)')
      .option('--to <date>', 'last partition date of a range (YYYY-MM-DD)')
      .option('--force', 'rebuild the requested partitions even when up to date')
      .option('--dry-run', 'print the plan and run nothing')
      .option('--json', 'print JSON (the full plan with --dry-run, else the run record)')
      .option('--concurrency <n>', 'steps run at once (default: STRATA_CONCURRENCY, config key concurrency, else the number of cores + 1)')
      .option('--executor <kind>', 'local or fargate', 'local')
      .option('--pack <grouping>', 'fargate: steps per task: step, partition (one task per day, the default) or run')
      .option('--quiet', 'no progress: neither the bar on a terminal nor the line per finished step otherwise')

  shared(
    program
      .command('materialize')
      .argument('<selection>', 'assets: key, +key (with upstream), key+ (downstream), 2+key, *, a,b')
      .description('materialize a selection for one partition or a range')
      .option('--partition <date>', 'one partition date (YYYY-MM-DD)'),
  ).action((selection: string, options: MaterializeOptions) => materialize(kit, selection, options, 'materialize'))

  shared(
    program
      .command('backfill')
      .argument('<selection>', 'assets, as for materialize')
      .description('materialize a date range; rerunning resumes (only failed, missing or stale partitions run)'),
  ).action((selection: string, options: MaterializeOptions) => {
    if (!options.from || !options.to) throw new StrataError('usage', 'backfill needs --from and --to', 'e.g. strata backfill "*" --from 2026-01-01 --to 2026-01-31')
    return materialize(kit, selection, options, 'backfill')
  })
}

async function materialize(kit: CommandKit, selection: string, options: MaterializeOptions, verb: string): Promise<void> {
  if (options.executor !== 'local' && options.executor !== 'fargate') throw new StrataError('usage', `--executor "${String(options.executor).slice(0, 20)}" is not local or fargate`, 'Use --executor local (default) or --executor fargate.')
  const definitions = await kit.definitions()
  await kit.landingDays()
  const storage = await kit.storage()
  const state = await loadStoredState(storage, definitions.graph)
  const started = performance.now()
  const runPlan = plan(definitions.graph, { selection, partition: options.partition, from: options.from, to: options.to, force: options.force }, state)
  const planMs = performance.now() - started
  if (options.dryRun) {
    if (options.json) return kit.printJson(runPlan)
    kit.print(describePlan(runPlan))
    kit.log.debug(`planned in ${planMs.toFixed(1)} ms`)
    return
  }
  // Loaded here, not at start-up: it brings the executors, DuckDB and the AWS clients.
  const { executeRun } = await import('../execute-run.js')
  const record = await executeRun(kit, definitions, storage, runPlan, { command: `${verb} ${selection}`, concurrency: options.concurrency, executor: options.executor, ...(options.pack !== undefined ? { pack: options.pack } : {}), quiet: options.quiet === true, json: options.json === true })
  if (options.json) kit.printJson(record)
  else {
    const seconds = record.endedAt ? (Date.parse(record.endedAt) - Date.parse(record.startedAt)) / 1000 : 0
    kit.print(`run ${record.runId}: ${record.status} in ${seconds.toFixed(1)} s — ${describeCounts(record.counts)}`)
    if (record.steps.every((step) => step.status === 'up-to-date')) kit.print('nothing to do: every partition asked for is up to date (use --force to rebuild)')
    for (const step of record.steps.filter((s) => s.status === 'failed')) {
      kit.print(`  failed ${step.asset}(${step.partition}): ${step.error?.message ?? ''}${step.error?.hint ? `\n    hint: ${step.error.hint}` : ''}`)
    }
    const blocked = record.steps.filter((step) => step.status === 'blocked')
    for (const step of blocked.slice(0, 10)) kit.print(`  blocked ${step.asset}(${step.partition}): ${step.reason ?? ''}`)
    if (blocked.length > 10) kit.print(`  … and ${blocked.length - 10} more blocked`)
  }
  // The recorded status is the exit code: a failed, blocked or skipped step makes the run failed.
  if (record.status !== 'success') kit.fail(1)
}

/** The plan in words: a line of totals, then per asset the counts, first/last partition and why. */
export function describePlan(runPlan: RunPlan): string {
  const summary = summarisePlan(runPlan)
  const count = (action: string) => runPlan.steps.filter((step) => step.action === action).length
  const range = runPlan.range.from === runPlan.range.to ? runPlan.range.from : `${runPlan.range.from} … ${runPlan.range.to}`
  const lines = [`plan for ${runPlan.selection} over ${range}${runPlan.force ? ' (forced)' : ''}: ${count('run')} to run, ${count('skip')} up to date, ${count('blocked')} blocked`]
  lines.push(
    formatTable(
      ['asset', 'run', 'skip', 'blocked', 'first', 'last', 'why'],
      summary.map((row) => [row.asset, row.run, row.skip, row.blocked, row.first ?? '-', row.last ?? '-', Object.entries(row.reasons).map(([why, n]) => `${why} (${n})`).join('; ')]),
    ),
  )
  return lines.join('\n')
}
