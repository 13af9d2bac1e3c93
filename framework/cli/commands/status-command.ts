import type { Command } from 'commander'
import { addDays, dateKeyOf, dateRange } from '../../partitions/index.js'
import { loadStoredState, plan, describeReason, type PlannedStep } from '../../planner/index.js'
import type { CommandKit } from '../command-kit.js'

type Cell = 'materialized' | 'stale' | 'missing' | 'failed' | 'blocked'
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
      await kit.landingDays()
      const storage = await kit.storage()
      const state = await loadStoredState(storage, graph.keys)
      const committed = (await Promise.all(graph.keys.map((key) => storage.listManifests(key)))).flat()
      if (committed.length === 0 && !options.json) {
        const next = definitions.commands.some((command) => command.name === 'demo') ? 'strata demo' : "strata materialize '*' --partition YYYY-MM-DD"
        return kit.print(`no partitions materialized yet in ${storage.location} — try \`${next}\``)
      }
      let to = options.to
      if (!to) {
        const newest = committed.map((m) => m.partition).filter((p) => /^\d{4}-/.test(p)).sort().at(-1)
        to = newest ?? addDays(dateKeyOf(new Date()), -1)
      }
      const from = options.from ?? addDays(to, -13)
      const runPlan = plan(graph, { selection, from, to }, state)
      const cells = runPlan.steps.filter((step) => step.requested).map((step) => ({ asset: step.asset, partition: step.partition, state: cellOf(step), reason: describeReason(step.reason) }))
      if (options.json) return kit.printJson({ from, to, partitions: cells })
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
    })
}

function cellOf(step: PlannedStep): Cell {
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
