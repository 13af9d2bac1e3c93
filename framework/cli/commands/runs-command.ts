import type { Command } from 'commander'
import { StrataError } from '../../errors/index.js'
import { describeCounts, describeStepStatus, RunStore, type RunRecord, type StepRecord, type TaskAttempt } from '../../runs/index.js'
import type { CommandKit } from '../command-kit.js'
import { formatTable } from '../format-table.js'

/** `strata runs` and `strata runs show <id>`: the run history. */
export function registerRunsCommand(program: Command, kit: CommandKit): void {
  const runs = program
    .command('runs')
    .description('list recent runs')
    .option('--limit <n>', 'how many (default 20)', '20')
    .option('--all', 'include runs that had nothing to do (every partition was up to date)')
    .option('--json', 'print JSON')
    .action(async (options: { limit: string; all?: boolean; json?: boolean }) => {
      const limit = Number(options.limit)
      if (!Number.isInteger(limit) || limit < 1) throw new StrataError('usage', `--limit "${options.limit.slice(0, 20)}" is not a positive whole number`, 'e.g. --limit 10')
      const store = new RunStore(await kit.storage())
      // No-op runs (a rerun, a cron tick with nothing new) are left out unless asked for; read in
      // pages until `limit` runs that did something are found.
      const records: RunRecord[] = []
      let hidden = 0
      for (let page = limit; records.length < limit; page *= 4) {
        const batch = await store.list({ limit: page })
        records.length = 0
        hidden = 0
        for (const record of batch) {
          if (!options.all && isNoOp(record)) hidden++
          else if (records.length < limit) records.push(record)
        }
        if (batch.length < page) break
      }
      if (options.json) return kit.printJson(records)
      if (records.length === 0) return kit.print(hidden > 0 ? `no runs that did anything (${hidden} with nothing to do; --all lists them)` : 'no runs yet')
      kit.print(
        formatTable(
          ['run', 'status', 'started', 'seconds', 'command', 'partitions', 'ok', 'failed', 'blocked', 'skipped'],
          records.map((r) => [r.runId, r.status, r.startedAt, r.endedAt ? ((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1) : '', r.command, `${r.partitions.from}…${r.partitions.to}`, r.counts.succeeded, r.counts.failed, r.counts.blocked ?? 0, r.counts.skipped]),
        ),
      )
      if (hidden > 0) kit.print(`(${hidden} run${hidden === 1 ? '' : 's'} with nothing to do not shown; --all lists them)`)
    })
  runs
    .command('show')
    .argument('<runId>', 'run id as `strata runs` lists it, or a unique start of one (e.g. 20261201T0802)')
    .option('--json', 'print JSON')
    .description('one run with its steps')
    .action(async (runId: string, options: { json?: boolean }) => {
      const store = new RunStore(await kit.storage())
      const record = await store.read(await resolveRunId(store, runId))
      // `runs` has a --json of its own, which commander gives the parent when it comes after `show <id>`.
      if (options.json || runs.opts<{ json?: boolean }>().json) return kit.printJson(record)
      kit.print(`run ${record.runId} ${record.status} — ${record.command} (${record.partitions.from} … ${record.partitions.to}), executor ${record.executor}`)
      kit.print(`started ${record.startedAt}${record.endedAt ? `, ended ${record.endedAt}` : ''}; ${describeCounts(record.counts)}`)
      if (record.crash) kit.print(`crashed: ${record.crash.why}; last seen ${record.crash.lastSeenAt}${record.crash.lastCompletedStep ? `, last finished step ${record.crash.lastCompletedStep}` : ''}. Its committed partitions stay; rerun the command to finish the rest.`)
      const shown = record.steps.filter((step) => step.status !== 'up-to-date' || step.builtBy !== undefined)
      const why = (s: StepRecord) => (s.error ? `${s.error.message}${s.error.hint ? ` (hint: ${s.error.hint})` : ''}` : (s.reason ?? ''))
      if (!record.steps.some((s) => s.attempts !== undefined)) {
        kit.print(formatTable(['asset', 'partition', 'status', 'ms', 'rows', 'reason / error'], shown.map((s) => [s.asset, s.partition, describeStepStatus(s.status), s.durationMs ?? '', s.rowCount ?? '', why(s)])))
        return
      }
      // Steps run in container tasks: which task ran each, and every attempt (a retried launch, a Spot interruption).
      kit.print(formatTable(['asset', 'partition', 'status', 'ms', 'rows', 'task', 'attempts', 'reason / error'], shown.map((s) => [s.asset, s.partition, describeStepStatus(s.status), s.durationMs ?? '', s.rowCount ?? '', s.task ? s.task.slice(s.task.lastIndexOf('/') + 1, s.task.lastIndexOf('/') + 9) : '', describeAttempts(s.attempts), why(s)])))
      const streams = [...new Set(shown.flatMap((s) => (s.logStream ? [s.logStream] : [])))]
      if (streams.length > 0) kit.print(`log streams: ${streams.join(', ')}`)
    })
}

/** `3: refused, not started, exit 0`: each launch of the step's task, in a word or two. */
function describeAttempts(attempts: readonly TaskAttempt[] | undefined): string {
  if (!attempts || attempts.length === 0) return ''
  const word = (attempt: TaskAttempt) =>
    attempt.outcome.startsWith('RunTask refused') ? 'refused' : /still \w+ after/.test(attempt.outcome) ? 'not started' : attempt.stopCode === 'SpotInterruption' ? 'spot' : attempt.exitCode !== undefined ? `exit ${attempt.exitCode}` : attempt.outcome.split(':')[0] ?? ''
  return `${attempts.length}: ${attempts.map(word).join(', ')}`
}

/** A run that had nothing to do: it succeeded without running, failing or canceling a step. */
function isNoOp(record: RunRecord): boolean {
  return record.status === 'success' && record.counts.succeeded === 0 && record.counts.failed === 0 && record.counts.canceled === 0
}

/** The full run id a unique prefix names (the id itself when it is one). */
async function resolveRunId(store: RunStore, text: string): Promise<string> {
  const ids = await store.ids()
  if (ids.includes(text)) return text
  const matches = text.length >= 4 ? ids.filter((id) => id.startsWith(text)) : []
  if (matches.length === 1) return matches[0] as string
  if (matches.length > 1) throw new StrataError('usage', `run id "${text.slice(0, 40)}" is the start of ${matches.length} runs: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''}`, 'Give more of the run id.')
  return text
}
