import type { Command } from 'commander'
import { addDays, dateKeyOf, dateRange } from '../../partitions/index.js'
import { loadStoredState, plan, describeReason, type PlannedStep, type RunPlan, type StoredState } from '../../planner/index.js'
import type { AssetGraph } from '../../graph/index.js'
import type { Storage } from '../../storage/storage.js'
import type { CommandKit } from '../command-kit.js'
import { RunStore, type RunRecord } from '../../runs/index.js'

/** A partition's state as `status` shows it. */
export type Cell = 'materialized' | 'stale' | 'missing' | 'failed' | 'blocked'
const SYMBOL: Record<Cell, string> = { materialized: '#', stale: '~', missing: '.', failed: 'x', blocked: '!' }

/** `strata status`: a grid per asset and day — materialized / stale / missing / failed / blocked. */
export function registerStatusCommand(program: Command, kit: CommandKit): void {
  program
    .command('status')
    .argument('[selection]', 'assets (default: all)', '*')
    .option('--from <date>', 'first day (default: 13 days before --to)')
    .option('--to <date>', 'last day (default: the newest materialized partition, else yesterday)')
    .option('--json', 'print JSON: one entry per asset partition with its state and reason')
    .description('show which partitions are materialized, stale, missing or failed')
    .action(async (selection: string, options: { from?: string; to?: string; json?: boolean }) => {
      const { graph } = await kit.definitions()
      const storage = await kit.storage()
      const state = await loadStoredState(storage, graph)
      const to = options.to ?? (await defaultStatusEnd(storage, graph.keys))
      const from = options.from ?? addDays(to, -13)
      const { runPlan, cells } = statusOf(graph, state, { selection, from, to })
      const unfinished = await unfinishedRuns(storage)
      if (options.json) return kit.printJson({ from, to, partitions: cells, runs: unfinished.map((r) => ({ runId: r.runId, status: r.status, command: r.command, startedAt: r.startedAt, ...(r.crash ? { crash: r.crash } : {}) })) })
      const days = dateRange(runPlan.range.from, runPlan.range.to)
      const width = Math.max(...runPlan.assets.map((asset) => asset.length), 5)
      kit.print(`${' '.repeat(width)}  ${days.map((day) => day.slice(8)).join(' ')}   (${days[0]} … ${days.at(-1)})`)
      for (const asset of runPlan.assets) {
        const mine = new Map(cells.filter((cell) => cell.asset === asset).map((cell) => [cell.partition, cell.state]))
        kit.print(`${asset.padEnd(width)}  ${days.map((day) => ` ${mine.has(day) ? SYMBOL[mine.get(day) as Cell] : ' '}`).join(' ')}`)
      }
      kit.print(`\n# materialized  ~ stale  . missing  x failed  ! blocked   (weekly assets show on their Monday)`)
      const counts = cells.reduce<Record<string, number>>((acc, cell) => ({ ...acc, [cell.state]: (acc[cell.state] ?? 0) + 1 }), {})
      kit.print(Object.entries(counts).map(([cell, n]) => `${cell}: ${n}`).join(', '))
      for (const r of unfinished) kit.print(describeUnfinished(r))
    })
}

/** One asset partition's state and why, as `status --json` prints it. */
export interface StatusCell {
  readonly asset: string
  readonly partition: string
  readonly state: Cell
  readonly reason: string
}

/** The newest materialized partition date, else yesterday: where `status` ends by default. */
export async function defaultStatusEnd(storage: Storage, keys: readonly string[]): Promise<string> {
  const newest = (await Promise.all(keys.map((key) => storage.listManifests(key)))).flat().map((m) => m.partition).filter((p) => /^\d{4}-/.test(p)).sort().at(-1)
  return newest ?? addDays(dateKeyOf(new Date()), -1)
}

/** The state of every requested partition of `selection` over [from, to], from the stored state (the planner decides). */
export function statusOf(graph: AssetGraph, state: StoredState, request: { selection: string; from: string; to: string }): { runPlan: RunPlan; cells: StatusCell[] } {
  const runPlan = plan(graph, request, state)
  const cells = runPlan.steps.filter((step) => step.requested).map((step) => ({ asset: step.asset, partition: step.partition, state: cellOf(step), reason: describeReason(step.reason) }))
  return { runPlan, cells }
}

/** A planned step's state: up to date is materialized, a failure or failed check is failed, any other reason to run is stale. */
export function cellOf(step: PlannedStep): Cell {
  switch (step.reason.kind) {
    case 'up-to-date':
      return 'materialized'
    case 'missing':
      return 'missing'
    case 'failed-before':
    case 'failed-check':
      return 'failed'
    case 'blocked':
      return 'blocked'
    default:
      return 'stale'
  }
}

/**
 * Runs still running, and runs that crashed (their process died while they ran) since the newest
 * run that finished: a crash that a later run has already followed up is history, for `strata runs`.
 */
async function unfinishedRuns(storage: Awaited<ReturnType<CommandKit['storage']>>): Promise<RunRecord[]> {
  const recent = await new RunStore(storage).list({ limit: 20 })
  const finished = recent.find((r) => r.status !== 'running' && r.status !== 'crashed')?.startedAt ?? ''
  return recent.filter((r) => r.status === 'running' || (r.status === 'crashed' && r.startedAt > finished))
}

function describeUnfinished(r: RunRecord): string {
  if (!r.crash) return `run ${r.runId} is running (${r.command}, started ${r.startedAt})`
  return `run ${r.runId} crashed (${r.command}): ${r.crash.why}; last seen ${r.crash.lastSeenAt}${r.crash.lastCompletedStep ? `, last finished step ${r.crash.lastCompletedStep}` : ''} — rerun it to finish`
}
