import type { Command } from 'commander'
import { StrataError, asStrataError } from '../../errors/index.js'
import { assertRunId } from '../../storage/storage-keys.js'
import type { CommandKit } from '../command-kit.js'
import { openStepSession } from '../step-session.js'

/**
 * `strata task --run-id R <asset@partition>…` (hidden): the steps of one packed Fargate task, in
 * the order given (the run's plan order), each planned and run as `strata step` runs one, each
 * outcome committed or recorded as a failure in storage, where the orchestrating run reads it.
 * A step whose input did not commit (an earlier step of the task failed) is left out, and the
 * task goes on with the others. Prints one JSON line per step (its log stream shows them); exit
 * 0 when every step succeeded or was up to date, else 1.
 */
export function registerTaskCommand(program: Command, kit: CommandKit): void {
  program
    .command('task', { hidden: true })
    .argument('<steps...>', 'step ids, asset@partition, in run order')
    .requiredOption('--run-id <id>', 'the run these steps belong to')
    .description('run the steps of one packed task of a run (used inside a Fargate task)')
    .action(async (steps: string[], options: { runId: string }) => {
      assertRunId(options.runId)
      const parsed = steps.map(parseStepId)
      const session = await openStepSession(kit)
      let ok = true
      try {
        for (const { id, asset, partition } of parsed) {
          if (kit.io.signal?.aborted) {
            ok = false
            break
          }
          try {
            const record = await session.run(asset, partition, options.runId)
            kit.print(JSON.stringify({ step: id, status: record.status, durationMs: record.durationMs, ...(record.error ? { error: record.error.message } : {}) }))
            if (record.status !== 'success' && record.builtBy === undefined) ok = false
          } catch (error) {
            // Not runnable here (its input is missing or failed): the orchestrator names why.
            const failure = asStrataError(error)
            if (failure.code !== 'input') throw error
            kit.print(JSON.stringify({ step: id, status: 'not-run', error: failure.message }))
            ok = false
          }
        }
      } finally {
        await session.close()
      }
      if (!ok) kit.fail(1)
    })
}

function parseStepId(id: string): { id: string; asset: string; partition: string } {
  const at = id.lastIndexOf('@')
  if (at <= 0 || at === id.length - 1) throw new StrataError('usage', `"${id.slice(0, 80)}" is not a step id asset@partition`, 'e.g. strata task --run-id 20260301T020000Z-a1b2c3 raw@2026-03-01 curated@2026-03-01')
  return { id, asset: id.slice(0, at), partition: id.slice(at + 1) }
}
