import type { Command } from 'commander'
import { StrataError } from '../../errors/index.js'
import { evaluateFreshness, parseInstant, DEFAULT_FRESHNESS_WINDOW, type FreshnessReport } from '../../freshness/index.js'
import { loadStoredState, type StoredState } from '../../planner/index.js'
import { daysBetween } from '../../partitions/index.js'
import type { CommandKit } from '../command-kit.js'
import { formatTable } from '../format-table.js'

/** `strata freshness [--at TIME] [--json]`: every freshness policy evaluated from manifests; exit 1 when anything is late. */
export function registerFreshnessCommand(program: Command, kit: CommandKit): void {
  program
    .command('freshness')
    .description('evaluate freshness policies from the manifests (nothing runs); exit 1 when an asset or the landing data is late or missing')
    .option('--at <time>', 'evaluate at this ISO-8601 time with a zone, e.g. 2026-03-02T03:30:00Z (default: now)')
    .option('--window <days>', `judge the partitions that fell due in the last N days (default: config key freshnessWindow, else ${DEFAULT_FRESHNESS_WINDOW}); older gaps are for strata status`)
    .option('--json', 'print the report as JSON')
    .action(async (options: { at?: string; window?: string; json?: boolean }) => {
      const at = options.at === undefined ? new Date() : parseInstant(options.at, '--at')
      let window: number | undefined
      if (options.window !== undefined) {
        window = Number(options.window)
        if (!Number.isInteger(window) || window < 1 || window > 3660) throw new StrataError('usage', `--window "${String(options.window).slice(0, 20)}" is not a whole number of days from 1 to 3660`, 'e.g. --window 30')
      }
      const report = await freshnessReport(kit, at, window)
      if (options.json) kit.printJson(report)
      else kit.print(describeFreshness(report))
      if (!report.ok) kit.fail(1)
    })
}

/**
 * Load what freshness needs (manifests of assets with a policy, landing days) and evaluate it at
 * `at` over the newest `days` due partitions (default: the config's freshnessWindow, else 7);
 * `known` is stored state the caller already holds (the UI's), read instead of the manifests.
 */
export async function freshnessReport(kit: CommandKit, at: Date, days?: number, known?: StoredState): Promise<FreshnessReport> {
  const configured = kit.settings().config.freshnessWindow
  const window = days ?? (typeof configured === 'number' ? configured : DEFAULT_FRESHNESS_WINDOW)
  const definitions = await kit.definitions()
  const storage = await kit.storage()
  const withPolicy = definitions.graph.keys.filter((key) => definitions.graph.asset(key).freshness !== undefined)
  const state = known ?? (await loadStoredState(storage, definitions.graph, withPolicy))
  const sourcePolicy = definitions.sourceFreshness
  const source = sourcePolicy
    ? { name: sourcePolicy.name, policy: { dueBy: sourcePolicy.dueBy, ...(sourcePolicy.warnAfter ? { warnAfter: sourcePolicy.warnAfter } : {}) }, days: (await kit.landingDays()) ?? [] }
    : undefined
  return evaluateFreshness({ graph: definitions.graph, state, at, window, ...(source ? { source } : {}) })
}

/** The report as a table: state, due partitions, late ones (gaps included) and lag per asset. */
export function describeFreshness(report: FreshnessReport): string {
  if (report.assets.length === 0) return `freshness at ${report.at}: no asset declares a freshness policy`
  const late = report.assets.filter((asset) => asset.state === 'late' || asset.state === 'missing').length
  const lines = [`freshness at ${report.at} (partitions due in the last ${report.window} days; older gaps: strata status): ${late === 0 ? 'nothing late' : `${late} late or missing`}`]
  lines.push(
    formatTable(
      ['asset', 'state', 'policy', 'newest due', 'lag', 'late partitions'],
      report.assets.map((asset) => [
        asset.kind === 'source' ? `${asset.asset} (source)` : asset.asset,
        asset.state,
        asset.policy,
        asset.newestDue ?? '-',
        asset.lag,
        [...compressRuns(asset.late.filter((p) => p.why === 'missing').map((p) => p.partition)), ...asset.late.filter((p) => p.why === 'failed-check').map((p) => `${p.partition} (check ${p.check ?? ''} failed)`), ...asset.warn.map((p) => `${p.partition} (warn)`)].join(', ') || '-',
      ]),
    ),
  )
  return lines.join('\n')
}

/** Consecutive keys (a day or a week apart) as one `first … last (n)` run, so a gap in the middle stands out. */
function compressRuns(keys: readonly string[]): string[] {
  const runs: string[][] = []
  for (const key of keys) {
    const current = runs.at(-1)
    const last = current?.at(-1)
    const step = current && current.length > 1 ? daysBetween(current[0] as string, current[1] as string) : undefined
    if (current && last !== undefined && (step === undefined ? [1, 7].includes(daysBetween(last, key)) : daysBetween(last, key) === step)) current.push(key)
    else runs.push([key])
  }
  return runs.map((run) => (run.length > 2 ? `${run[0] ?? ''} … ${run.at(-1) ?? ''} (${run.length})` : run.join(', ')))
}
