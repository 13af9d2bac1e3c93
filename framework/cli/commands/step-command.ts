import type { Command } from 'commander'
import { assertRunId } from '../../storage/storage-keys.js'
import type { CommandKit } from '../command-kit.js'
import { openStepSession } from '../step-session.js'

/**
 * `strata step <asset> --partition D --run-id R` (hidden): run exactly that one step, as a
 * Fargate task of one step does. Prints the step record as JSON (it lands in the task's log
 * stream); exit 0 when the step succeeded, 1 when it failed or could not run. On S3 storage
 * with a Glue database configured the commit is registered in the catalog.
 */
export function registerStepCommand(program: Command, kit: CommandKit): void {
  program
    .command('step', { hidden: true })
    .argument('<asset>', 'asset key')
    .requiredOption('--partition <key>', 'the partition (YYYY-MM-DD; weekly: the Monday)')
    .requiredOption('--run-id <id>', 'the run this step belongs to')
    .description('run one step of a run (used inside a Fargate task)')
    .action(async (asset: string, options: { partition: string; runId: string }) => {
      assertRunId(options.runId)
      const session = await openStepSession(kit)
      try {
        const record = await session.run(asset, options.partition, options.runId)
        kit.printJson(record)
        if (record.status !== 'success' && record.builtBy === undefined) kit.fail(1)
      } finally {
        await session.close()
      }
    })
}
