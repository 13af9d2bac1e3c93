import type { Command } from 'commander'
import { addDays, dateKeyOf, dateRange } from '../../partitions/index.js'
import { loadStoredState, plan, describeReason, type PlannedStep, type RunPlan, type StoredState } from '../../planner/index.js'
import { resolveSelection } from '../../selection/index.js'
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
      const definitions = await kit.definitions()
      const { graph } = definitions
      const storage = await kit.storage()
      const state = await loadStoredState(storage, graph)
      // After the store answered: an unreachable store is the failure to report first.
      await kit.landingDays()
      const unfinished = await unfinishedRuns(storage)
      const committed = (await Promise.all(graph.keys.map((key) => storage.listManifests(key)))).flat()
      if (committed.length === 0 && !options.json) {
        const next = definitions.commands.some((command) => command.name === 'demo') ? 'strata demo' : "strata materialize '*' --partition YYYY-MM-DD"
        kit.print(`no partitions materialized yet in ${storage.location} — try \`${next}\``)
        for (const r of unfinished) kit.print(describeUnfinished(r))
        return
      }
      const to = options.to ?? newestDay(committed.map((m) => m.partition))
      const from = options.from ?? addDays(to, -13)
      const { runPlan, cells } = statusOf(graph, state, { selection, from, to })
      if (options.json) return kit.printJson({ from, to, partitions: cells, runs: unfinished.map((r) => ({ runId: r.runId, status: r.status, command: r.command, startedAt: r.startedAt, ...(r.crash ? { crash: r.crash } : {}) })) })
      const selected = new Set(resolveSelection(selection, graph))
      const assets = runPlan.assets.filter((asset) => selected.has(asset))
      kit.print(renderGrid(assets, cells, dateRange(runPlan.range.from, runPlan.range.to), { colour: kit.io.stdout.isTTY === true && !kit.io.env.NO_COLOR, columns: kit.io.stdout.columns ?? 120 }))
      const counts = cells.reduce<Record<string, number>>((acc, cell) => ({ ...acc, [cell.state]: (acc[cell.state] ?? 0) + 1 }), {})
      kit.print(Object.entries(counts).map(([cell, n]) => `${cell}: ${n}`).join(', '))
      const notable = cells.filter((cell) => cell.state !== 'materialized' && cell.state !== 'missing')
      for (const cell of notable.slice(0, 10)) kit.print(`  ${cell.state} ${cell.asset}(${cell.partition}): ${cell.reason}`)
      if (notable.length > 10) kit.print(`  … and ${notable.length - 10} more (--json lists every partition with its reason)`)
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

/** The newest dated partition, else yesterday: where `status` ends by default. */
function newestDay(partitions: readonly string[]): string {
  return partitions.filter((p) => /^\d{4}-/.test(p)).sort().at(-1) ?? addDays(dateKeyOf(new Date()), -1)
}

/** The newest materialized partition date, else yesterday: where `status` ends by default. */
export async function defaultStatusEnd(storage: Storage, keys: readonly string[]): Promise<string> {
  return newestDay((await Promise.all(keys.map((key) => storage.listManifests(key)))).flat().map((m) => m.partition))
}

/**
 * The state of every partition of `selection` over [from, to], from the stored state. Planned over
 * the whole graph, then narrowed: a partition's state must not depend on what else was selected
 * (`status curated` and `status` say the same about curated).
 */
export function statusOf(graph: AssetGraph, state: StoredState, request: { selection: string; from: string; to: string }): { runPlan: RunPlan; cells: StatusCell[] } {
  const selected = new Set(resolveSelection(request.selection, graph))
  const runPlan = plan(graph, { selection: '*', from: request.from, to: request.to }, state)
  const cells = runPlan.steps.filter((step) => step.requested && selected.has(step.asset)).map((step) => ({ asset: step.asset, partition: step.partition, state: cellOf(step), reason: statusReason(step) }))
  return { runPlan, cells }
}

/**
 * Runs still running, and runs that crashed (their process died while they ran) since the newest
 * run that finished: a crash that a later run has already followed up is history, for `strata runs`.
 */
async function unfinishedRuns(storage: Storage): Promise<RunRecord[]> {
  const recent = await new RunStore(storage).list({ limit: 20 })
  const finished = recent.find((r) => r.status !== 'running' && r.status !== 'crashed')?.startedAt ?? ''
  return recent.filter((r) => r.status === 'running' || (r.status === 'crashed' && r.startedAt > finished))
}

function describeUnfinished(r: RunRecord): string {
  if (!r.crash) return `run ${r.runId} is running (${r.command}, started ${r.startedAt})`
  return `run ${r.runId} crashed (${r.command}): ${r.crash.why}; last seen ${r.crash.lastSeenAt}${r.crash.lastCompletedStep ? `, last finished step ${r.crash.lastCompletedStep}` : ''} — rerun it to finish`
}

const COLOUR: Record<Cell, string> = { materialized: '32', stale: '33', missing: '2', failed: '31', blocked: '35' }
/** Which state a column of several days shows: the one that needs attention first. */
const RANK: Record<Cell, number> = { failed: 5, blocked: 4, stale: 3, missing: 2, materialized: 1 }
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/**
 * The grid: a month line, a day line, one row per asset. When one column per day would not fit
 * the terminal, each column covers a range of days and shows the state that needs attention
 * first among them.
 */
export function renderGrid(assets: readonly string[], cells: readonly { asset: string; partition: string; state: Cell }[], days: readonly string[], options: { colour: boolean; columns: number }): string {
  const width = Math.max(...assets.map((asset) => asset.length), 5)
  const fit = Math.max(1, Math.floor((options.columns - width - 2) / 3))
  const per = Math.ceil(days.length / fit)
  const groups: string[][] = []
  for (let i = 0; i < days.length; i += per) groups.push(days.slice(i, i + per))
  const paint = (cell: Cell | undefined) => {
    if (!cell) return ' '
    return options.colour ? `\x1b[${COLOUR[cell]}m${SYMBOL[cell]}\x1b[0m` : SYMBOL[cell]
  }
  let previousMonth = ''
  const months = groups.map((group) => {
    const month = (group[0] ?? '').slice(0, 7)
    const mark = month !== previousMonth ? (MONTHS[Number(month.slice(5, 7)) - 1] ?? '') : ''
    previousMonth = month
    return mark.padEnd(3)
  })
  const span = per === 1 ? '' : `, ${per} days a column`
  const lines = [`${' '.repeat(width)}  ${months.join('').trimEnd()}`, `${' '.repeat(width)}  ${groups.map((group) => (group[0] ?? '').slice(8).padStart(2).padEnd(3)).join('').trimEnd()}`]
  for (const asset of assets) {
    const mine = new Map(cells.filter((cell) => cell.asset === asset).map((cell) => [cell.partition, cell.state]))
    const row = groups.map((group) => {
      const states = group.map((day) => mine.get(day)).filter((cell): cell is Cell => cell !== undefined)
      const worst = states.sort((a, b) => RANK[b] - RANK[a])[0]
      return ` ${paint(worst)} `
    })
    lines.push(`${asset.padEnd(width)} ${row.join('').trimEnd()}`)
  }
  lines.push('', `${SYMBOL.materialized} materialized  ${SYMBOL.stale} stale  ${SYMBOL.missing} missing  ${SYMBOL.failed} failed  ${SYMBOL.blocked} blocked`, `${days[0] ?? ''} … ${days.at(-1) ?? ''}${span}; weekly assets show on their Monday`)
  return lines.join('\n')
}

/** Why a partition is in its state, in the words of a status (no run exists: nothing "is rebuilt in this run"). */
function statusReason(step: PlannedStep): string {
  const reason = step.reason
  if (reason.kind === 'upstream-rebuilt') return `stale: upstream ${reason.upstream}(${reason.partition}) is missing or stale, so this partition is rebuilt after it`
  if (reason.kind === 'blocked') return `blocked by ${reason.upstream}(${reason.partition}): ${reason.why}`
  if (reason.kind === 'up-to-date') return 'materialized, up to date'
  if (reason.kind === 'missing') return 'missing: not materialized yet'
  const words = describeReason(reason)
  return cellOf(step) === 'stale' ? `stale: ${words}` : words
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
