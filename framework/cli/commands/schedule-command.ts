import { Option, type Command } from 'commander'
import { StrataError } from '../../errors/index.js'
import { parseInstant, summariseFreshness } from '../../freshness/index.js'
import { loadStoredState, plan } from '../../planner/index.js'
import { describeCounts, newRunId } from '../../runs/index.js'
import { nextTick, runScheduleLoop, tickSchedule, TickStore, type ScheduleDefinition, type TickLauncher, type TickReport } from '../../schedules/index.js'
import type { CommandKit } from '../command-kit.js'
import { formatTable } from '../format-table.js'
import { freshnessReport } from './freshness-command.js'

/** `strata schedule list | tick | run`: the schedules, an idempotent tick for cron/EventBridge, and the daemon. */
export function registerScheduleCommand(program: Command, kit: CommandKit): void {
  const schedule = program.command('schedule').description('list schedules, tick them (idempotent, for cron or EventBridge) or run the scheduler daemon')

  schedule
    .command('list')
    .description('the schedules: cron, timezone, selection, catch-up policy, next and last tick')
    .option('--at <time>', 'compute the next tick after this ISO-8601 time (default: now)')
    .option('--json', 'print JSON')
    .action(async (options: { at?: string; json?: boolean }) => {
      const at = options.at === undefined ? new Date() : parseInstant(options.at, '--at')
      const definitions = await kit.definitions()
      const store = new TickStore(await kit.storage())
      const rows = await Promise.all(
        definitions.schedules.map(async (s) => ({
          name: s.name,
          description: s.description,
          cron: s.cron,
          timezone: s.timezone,
          selection: s.selection,
          catchUp: describeCatchUp(s),
          nextTick: nextTick(s, at)?.toISOString() ?? null,
          lastTick: (await store.last(s.name))?.tick ?? null,
        })),
      )
      if (options.json) return kit.printJson(rows)
      if (rows.length === 0) return kit.print('no schedules defined')
      kit.print(formatTable(['name', 'cron', 'timezone', 'selection', 'catch-up', 'next tick', 'last tick'], rows.map((r) => [r.name, r.cron, r.timezone, r.selection, r.catchUp, r.nextTick ?? 'never', r.lastTick ?? '-'])))
    })

  schedule
    .command('tick')
    .description('run the ticks due by now (or --at) that are not recorded yet, by catch-up policy; a tick already recorded launches nothing')
    .option('--at <time>', 'tick as if it were this ISO-8601 time with a zone (default: now)')
    .option('--schedule <name>', 'only this schedule (default: all)')
    .option('--json', 'print JSON')
    .action(async (options: { at?: string; schedule?: string; json?: boolean }) => {
      const at = options.at === undefined ? new Date() : parseInstant(options.at, '--at')
      const schedules = await chosenSchedules(kit, options.schedule)
      const reports: TickReport[] = []
      for (const s of schedules) reports.push(await tick(kit, s, at, { json: options.json === true }))
      if (options.json) kit.printJson(reports)
      else if (schedules.length === 0) kit.print('no schedules defined')
      else for (const report of reports) kit.print(describeTick(report))
      if (reports.some((report) => report.outcomes.some((o) => o.action === 'launched' && o.status !== 'success'))) kit.fail(1)
    })

  schedule
    .command('run')
    .description('the scheduler daemon: ticks every schedule on time (catching up missed ticks at start), checks freshness after each run; stops on SIGTERM/SIGINT')
    .option('--schedule <name>', 'only this schedule (default: all)')
    .addOption(new Option('--at <time>', 'catch up and judge freshness as if it were this ISO-8601 time (replays, tests); later ticks follow the real clock').hideHelp())
    .action(async (options: { schedule?: string; at?: string }) => {
      const clock = options.at === undefined ? undefined : parseInstant(options.at, '--at')
      const now = () => clock ?? new Date()
      const schedules = await chosenSchedules(kit, options.schedule)
      if (schedules.length === 0) throw new StrataError('config', 'no schedules defined: the scheduler has nothing to run', 'Add schedules to the definitions (schedules: [dailySchedule()]).')
      // Without a signal (an embedding that passes none) the loop would never end: refuse rather than hang.
      const signal = kit.io.signal
      if (!signal) throw new StrataError('usage', 'schedule run needs a stop signal', 'Run it through the strata binary, which stops it on SIGTERM or SIGINT.')
      await runScheduleLoop({
        schedules,
        signal,
        log: kit.log,
        now,
        async tick(s, at) {
          const report = await tick(kit, s, at)
          for (const line of describeTick(report).split('\n')) kit.log.info(line)
          if (report.outcomes.some((o) => o.action === 'launched')) kit.log.info(summariseFreshness(await freshnessReport(kit, now())))
        },
      })
    })
}

async function chosenSchedules(kit: CommandKit, name: string | undefined): Promise<readonly ScheduleDefinition[]> {
  const { schedules } = await kit.definitions()
  if (name === undefined) return schedules
  const found = schedules.find((s) => s.name === name)
  if (!found) throw new StrataError('usage', `unknown schedule "${name.slice(0, 40)}"`, schedules.length > 0 ? `Known schedules: ${schedules.map((s) => s.name).join(', ')} (strata schedule list).` : 'No schedules are defined.')
  return [found]
}

/** One tick of one schedule: plan each due tick's partitions as a range (so assets that do not have them yet are clipped) and execute. */
async function tick(kit: CommandKit, schedule: ScheduleDefinition, at: Date, output: { json?: boolean } = {}): Promise<TickReport> {
  const definitions = await kit.definitions()
  const storage = await kit.storage()
  const launch: TickLauncher = async ({ schedule: s, partitions, runId }) => {
    const state = await loadStoredState(storage, definitions.graph)
    const runPlan = plan(definitions.graph, { selection: s.selection, from: partitions.from, to: partitions.to }, state)
    const { executeRun } = await import('../execute-run.js')
    const record = await executeRun(kit, definitions, storage, runPlan, { command: `schedule tick ${s.name}`, runId, json: output.json === true })
    return { status: record.status === 'running' || record.status === 'crashed' ? 'failed' : record.status, message: describeCounts(record.counts) }
  }
  return tickSchedule({ schedule, at, store: new TickStore(storage), storage, launch, newRunId: () => newRunId(new Date()), log: kit.log, ...(kit.io.signal ? { signal: kit.io.signal } : {}) })
}

function describeCatchUp(schedule: ScheduleDefinition): string {
  return schedule.catchUp.policy === 'all' ? `all (max ${schedule.catchUp.max ?? 1})` : schedule.catchUp.policy
}

/** A tick report in words: one line per tick handled, or why nothing was. */
export function describeTick(report: TickReport): string {
  if (report.outcomes.length === 0) return `${report.schedule}: no tick due by ${report.at}${report.lastRecorded ? ` since the last recorded tick ${report.lastRecorded}` : ''}: nothing to launch`
  return report.outcomes
    .map((o) => {
      const range = o.partitions.from === o.partitions.to ? o.partitions.from : `${o.partitions.from} … ${o.partitions.to}`
      if (o.action === 'skipped') return `${o.schedule} ${o.tick}: skipped (${o.message ?? 'catch-up policy'})`
      if (o.action === 'already-recorded') return `${o.schedule} ${o.tick}: already recorded (${o.runId ? `run ${o.runId}, ` : ''}${o.status}): nothing launched`
      return `${o.schedule} ${o.tick}: run ${o.runId ?? '?'} for ${range}: ${o.status}${o.message ? ` — ${o.message}` : ''}`
    })
    .join('\n')
}
