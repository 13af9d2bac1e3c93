import type { Command } from 'commander'
import { StrataError } from '../../errors/index.js'
import { resolveSelection } from '../../selection/index.js'
import type { CommandKit } from '../command-kit.js'
import { formatTable } from '../format-table.js'

interface RepairFlags {
  dryRun?: boolean
  json?: boolean
  verify?: boolean
  olderThan: string
}

/**
 * `strata repair [selection] [--dry-run] [--verify] [--older-than MIN] [--json]`: find damaged
 * committed partitions (bad manifest, missing or short files, with --verify a sha256 mismatch),
 * move them to `_strata/damaged/` so the next materialize rebuilds them, and remove the staging
 * leftovers of crashed runs. Exit 0 when storage is healthy or was repaired; 1 when damage was
 * found in a dry run or a damaged partition could not be moved (it is being rebuilt).
 */
export function registerRepairCommand(program: Command, kit: CommandKit): void {
  program
    .command('repair')
    .argument('[selection]', 'assets to scan, as for materialize (default: all)', '*')
    .description('move damaged partitions aside (so they are rebuilt) and clean up after crashed runs')
    .option('--dry-run', 'report only; change nothing')
    .option('--verify', 'also check every file against the sha256 in its manifest (reads all data)')
    .option('--older-than <minutes>', 'staging leftovers younger than this may belong to a running step and are kept', '60')
    .option('--json', 'print the report as JSON')
    .action(async (selection: string, flags: RepairFlags) => {
      if (!/^\d{1,6}$/.test(flags.olderThan)) throw new StrataError('usage', `--older-than "${flags.olderThan.slice(0, 20)}" is not a whole number of minutes`, 'e.g. --older-than 60')
      const definitions = await kit.definitions()
      const assets = resolveSelection(selection, definitions.graph)
      const settings = kit.settings()
      const repair = await import('../../storage/partition-repair.js')
      let target
      if (settings.storage.startsWith('s3://')) {
        const { cacheDirFor } = await import('../../storage/cache-dir.js')
        const { serverSideEncryptionOf } = await import('../../config/s3-encryption.js')
        const encryption = serverSideEncryptionOf(settings.config, settings.env)
        const store = await kit.platform.openObjectStore(settings.storage, settings.env, encryption === undefined ? {} : { encryption })
        target = await repair.s3RepairTarget(store, cacheDirFor(store.location, settings.env), flags.verify === true)
      } else {
        target = repair.localRepairTarget(settings.storage, flags.verify === true)
      }
      let report
      try {
        report = await repair.repairStorage(target, {
          assets,
          dryRun: flags.dryRun === true,
          verify: flags.verify === true,
          olderThanMs: Number(flags.olderThan) * 60_000,
          segmentOf: (asset, partition) => definitions.graph.asset(asset).partitions.pathSegment(partition),
        })
      } finally {
        await target.close()
      }
      if (report.damaged.some((entry) => entry.action !== 'quarantined')) kit.fail(1)
      if (flags.json) return kit.printJson(report)
      const verb = report.dryRun ? 'would move aside' : 'moved aside'
      kit.print(`${report.location}: ${report.scanned} partitions scanned${report.verify ? ' (sha256 verified)' : ''}, ${report.healthy} healthy, ${report.damaged.length} damaged`)
      if (report.damaged.length > 0) {
        kit.print(
          formatTable(
            ['asset', 'partition', 'action', 'problem'],
            report.damaged.map((entry) => [entry.asset, entry.pathSegment, entry.action === 'found' ? verb : entry.action, entry.problem]),
          ),
        )
        if (report.dryRun) kit.print('run without --dry-run to move them aside; the next materialize rebuilds them')
        else if (report.damaged.some((entry) => entry.action === 'quarantined')) {
          const moved = report.damaged.filter((entry) => entry.action === 'quarantined')
          const days = moved.map((entry) => entry.pathSegment.replace(/^[a-z]+=/, '')).filter((day) => /^\d{4}-\d{2}-\d{2}$/.test(day)).sort()
          const assetsMoved = [...new Set(moved.map((entry) => entry.asset))].join(',')
          const range = days.length === 0 ? '' : days[0] === days.at(-1) ? ` --partition ${days[0] ?? ''}` : ` --from ${days[0] ?? ''} --to ${days.at(-1) ?? ''}`
          kit.print(`damaged partitions are kept under _strata/damaged/; rebuild them with: strata materialize ${shellQuote(assetsMoved)}${range}`)
        }
        for (const entry of report.damaged.filter((candidate) => candidate.action === 'skipped')) kit.print(`  skipped ${entry.asset}/${entry.pathSegment}: ${entry.detail ?? ''}`)
      }
      kit.print(report.dryRun ? `${report.leftoversFound} staging leftovers of crashed runs older than ${flags.olderThan} min (kept in a dry run)` : `removed ${report.leftoversRemoved} leftovers of crashed runs (staging, trash, temp files)`)
    })
}

/** A selection as the shell needs it: quoted when it holds `*` or other characters a shell expands. */
function shellQuote(text: string): string {
  return /^[a-z0-9_,]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`
}
