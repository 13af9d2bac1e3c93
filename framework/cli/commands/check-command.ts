import type { Command } from 'commander'
import { StrataError } from '../../errors/index.js'
import type { RecheckOutcome } from '../../checks/index.js'
import { blocks } from '../../checks/check.js'
import { parseDateKey } from '../../partitions/index.js'
import { resolveSelection } from '../../selection/index.js'
import { newRunId } from '../../runs/index.js'
import type { SqlEngine } from '../../sql/index.js'
import type { CommandKit } from '../command-kit.js'
import { formatTable } from '../format-table.js'

/** `strata check <selection> --partition D`: rerun the checks of committed partitions without rebuilding them. */
export function registerCheckCommand(program: Command, kit: CommandKit): void {
  program
    .command('check')
    .argument('<selection>', 'assets, as for materialize (e.g. curated, +cdi_scores, *)')
    .requiredOption('--partition <date>', 'the partition date (YYYY-MM-DD); a weekly asset checks the week containing it')
    .option('--json', 'print the results as JSON')
    .description("rerun the selected assets' checks on their committed partition, store the results in its manifest; exit 1 when a blocking check fails")
    .action((selection: string, options: { partition: string; json?: boolean }) => check(kit, selection, options))
}

interface CheckRow {
  readonly asset: string
  readonly partition: string
  readonly check: string
  readonly severity: string
  readonly blocking: boolean | null
  readonly passed: boolean | null
  readonly message: string
  readonly failingCount?: number
  readonly sample?: readonly unknown[]
}

async function check(kit: CommandKit, selection: string, options: { partition: string; json?: boolean }): Promise<void> {
  const day = parseDateKey(options.partition, '--partition')
  const definitions = await kit.definitions()
  const storage = await kit.storage()
  const graph = definitions.graph
  const assets = resolveSelection(selection, graph).filter((asset) => graph.asset(asset).checks.length > 0)
  // An asset with checks but no partition holding D: say so, rather than "declares no checks".
  const outOfRange = assets.filter((asset) => {
    const partitions = graph.asset(asset).partitions
    return partitions.kind !== 'unpartitioned' && partitions.keysInRange(day, day).length === 0
  })
  if (outOfRange.length > 0 && outOfRange.length === assets.length) {
    const first = outOfRange.map((asset) => `${asset} (${graph.asset(asset).partitions.start ?? '?'})`).join(', ')
    throw new StrataError('partition', `${day} is outside the partitions of ${first}`, `Pick a date from the first partition on, e.g. strata check ${outOfRange[0] ?? ''} --partition ${graph.asset(outOfRange[0] ?? '').partitions.start ?? day}`)
  }
  // The checks and DuckDB load only when this command runs, not at start-up.
  const { recheckPartition } = await import('../../checks/index.js')
  const { lazySqlEngine } = await import('../../sql/index.js')
  let opened: Promise<SqlEngine> | undefined
  const duckdb = lazySqlEngine(() => (opened ??= kit.platform.openSqlEngine({ threads: 1 })))
  const runId = newRunId(new Date())
  const outcomes: RecheckOutcome[] = []
  try {
    for (const asset of assets) {
      const partitions = graph.asset(asset).partitions
      // The partition that holds day D: itself when daily, its week when weekly, `all` when unpartitioned.
      for (const partition of partitions.kind === 'unpartitioned' ? ['all'] : partitions.keysInRange(day, day)) {
        outcomes.push(await recheckPartition({ graph, storage, duckdb, runId }, asset, partition))
      }
    }
  } finally {
    if (opened) (await opened).close()
  }

  const rows: CheckRow[] = outcomes.flatMap((outcome): CheckRow[] =>
    outcome.status === 'missing'
      ? [{ asset: outcome.asset, partition: outcome.partition, check: '-', severity: '-', blocking: null, passed: null, message: 'not materialized: nothing to check' }]
      : outcome.checks.map((result) => ({
          asset: outcome.asset,
          partition: outcome.partition,
          check: result.name,
          severity: result.severity,
          blocking: result.blocking,
          passed: result.passed,
          message: result.message,
          ...(result.failingCount !== undefined ? { failingCount: result.failingCount } : {}),
          ...(result.sample ? { sample: result.sample } : {}),
        })),
  )
  const blocking = outcomes.flatMap((outcome) => (outcome.status === 'checked' ? outcome.checks.filter(blocks).map((result) => `${outcome.asset}(${outcome.partition}) ${result.name}`) : []))
  const missing = outcomes.filter((outcome) => outcome.status === 'missing')
  if (options.json) kit.printJson({ selection, partition: day, results: rows, blockingFailures: blocking })
  else if (rows.length === 0) kit.print(`no checks: none of the selected assets (${selection}) declares checks or has a partition holding ${day}`)
  else {
    kit.print(formatTable(['asset', 'partition', 'check', 'severity', 'blocking', 'passed', 'message'], rows.map((row) => [row.asset, row.partition, row.check, row.severity, row.blocking === null ? '-' : row.blocking ? 'yes' : 'no', row.passed === null ? '-' : row.passed ? 'yes' : 'NO', row.message])))
    const checked = outcomes.length - missing.length
    kit.print(`${checked} partition${checked === 1 ? '' : 's'} checked, results stored in their manifests; ${blocking.length === 0 ? 'no blocking check failed' : `blocking failures: ${blocking.join(', ')} (downstream stays blocked until fixed and rebuilt or rechecked)`}`)
    if (missing.length > 0) kit.print(`not materialized: ${missing.map((outcome) => `${outcome.asset}(${outcome.partition})`).join(', ')} — materialize first: strata materialize ${missing[0]?.asset ?? ''} --partition ${day}`)
  }
  // A partition that is not there cannot be vouched for, so it fails the command like a failed check.
  if (blocking.length > 0 || missing.length > 0) kit.fail(1)
}
