import type { Command } from 'commander'
import { StrataError } from '../../errors/index.js'
import { describeCounts, describeStepStatus, RunStore } from '../../runs/index.js'
import type { CommandKit } from '../command-kit.js'
import { formatTable } from '../format-table.js'

/** `strata runs` and `strata runs show <id>`: the run history. */
export function registerRunsCommand(program: Command, kit: CommandKit): void {
  const runs = program
    .command('runs')
    .description('list recent runs')
    .option('--limit <n>', 'how many (default 20)', '20')
    .option('--json', 'print JSON')
    .action(async (options: { limit: string; json?: boolean }) => {
      const limit = Number(options.limit)
      if (!Number.isInteger(limit) || limit < 1) throw new StrataError('usage', `--limit "${options.limit.slice(0, 20)}" is not a positive whole number`, 'e.g. --limit 10')
      const records = await new RunStore(await kit.storage()).list({ limit })
      if (options.json) return kit.printJson(records)
      if (records.length === 0) return kit.print('no runs yet')
      kit.print(
        formatTable(
          ['run', 'status', 'started', 'seconds', 'command', 'partitions', 'ok', 'failed', 'blocked', 'skipped'],
          records.map((r) => [r.runId, r.status, r.startedAt, r.endedAt ? ((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1) : '', r.command, `${r.partitions.from}…${r.partitions.to}`, r.counts.succeeded, r.counts.failed, r.counts.blocked ?? 0, r.counts.skipped]),
        ),
      )
    })
  runs
    .command('show')
    .argument('<runId>', 'run id, as `strata runs` lists it')
    .option('--json', 'print JSON')
    .description('one run with its steps')
    .action(async (runId: string, options: { json?: boolean }) => {
      const record = await new RunStore(await kit.storage()).read(runId)
      if (options.json) return kit.printJson(record)
      kit.print(`run ${record.runId} ${record.status} — ${record.command} (${record.partitions.from} … ${record.partitions.to}), executor ${record.executor}`)
      kit.print(`started ${record.startedAt}${record.endedAt ? `, ended ${record.endedAt}` : ''}; ${describeCounts(record.counts)}`)
      if (record.crash) kit.print(`crashed: ${record.crash.why}; last seen ${record.crash.lastSeenAt}${record.crash.lastCompletedStep ? `, last finished step ${record.crash.lastCompletedStep}` : ''}. Its committed partitions stay; rerun the command to finish the rest.`)
      const shown = record.steps.filter((step) => step.status !== 'up-to-date' || step.builtBy !== undefined)
      kit.print(formatTable(['asset', 'partition', 'status', 'ms', 'rows', 'reason / error'], shown.map((s) => [s.asset, s.partition, describeStepStatus(s.status), s.durationMs ?? '', s.rowCount ?? '', s.error ? `${s.error.message}${s.error.hint ? ` (hint: ${s.error.hint})` : ''}` : (s.reason ?? '')])))
    })
}
