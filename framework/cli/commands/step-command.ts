import type { Command } from 'commander'
import { StrataError } from '../../errors/index.js'
import { loadStoredState, plan, describeReason } from '../../planner/index.js'
import { assertRunId } from '../../storage/storage-keys.js'
import type { SqlEngine } from '../../sql/index.js'
import type { CommandKit } from '../command-kit.js'

/**
 * `strata step <asset> --partition D --run-id R` (hidden): run exactly that one step, as a
 * Fargate task does. Prints the step record as JSON (it lands in the task's log stream); exit 0
 * when the step succeeded, 1 when it failed or could not run. On S3 storage with a Glue
 * database configured the commit is registered in the catalog.
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
      const definitions = await kit.definitions()
      const graph = definitions.graph
      graph.asset(asset)
      const storage = await kit.storage()
      const upstream = [...new Set([asset, ...graph.dependenciesOf(asset).map((dependency) => dependency.asset)])]
      const state = await loadStoredState(storage, graph, upstream)
      const runPlan = plan(graph, { selection: asset, partition: options.partition, force: true }, state)
      const step = runPlan.steps.find((candidate) => candidate.asset === asset && candidate.requested)
      if (!step || step.action !== 'run') {
        throw new StrataError('input', `${asset}(${options.partition}) cannot run: ${step ? describeReason(step.reason) : 'no such partition'}`, 'The orchestrating run starts a step only after its inputs commit; check that the task sees the same STRATA_STORAGE.')
      }
      // The executor, Glue client and DuckDB load only when this command runs, not at start-up.
      const { runStep } = await import('../../executors/index.js')
      const { catalogSyncFor } = await import('../../catalog/index.js')
      const settings = kit.settings()
      const scope = await definitions.openResources({ settings, storage, log: kit.log, openSqlEngine: kit.platform.openSqlEngine })
      let duckdb: Promise<SqlEngine> | undefined
      const openDb = () => (duckdb ??= kit.platform.openSqlEngine({ threads: 1 }))
      const catalog = storage.location.startsWith('s3://') ? await kit.platform.openCatalog(settings) : undefined
      const sync = catalog ? catalogSyncFor(catalog, graph, storage, kit.log, openDb) : undefined
      try {
        const record = await runStep(step, {
          graph,
          storage,
          resources: scope.resources,
          runId: options.runId,
          log: kit.log,
          signal: kit.io.signal ?? new AbortController().signal,
          duckdb: openDb,
          ...(sync ? { afterCommit: (manifest) => sync.register(manifest) } : {}),
        })
        kit.printJson(record)
        if (record.status !== 'success' && record.builtBy === undefined) kit.fail(1)
      } finally {
        if (duckdb) (await duckdb).close()
        await scope.close()
      }
    })
}
