import { StrataError } from '../errors/index.js'
import { describeReason, loadStoredState, plan } from '../planner/index.js'
import type { StepRecord } from '../runs/index.js'
import type { SqlEngine } from '../sql/index.js'
import type { CommandKit } from './command-kit.js'

/** Steps of one run, carried out by this process one after another: what a Fargate task does. */
export interface StepSession {
  /** Plan the step against what storage holds now and run it; StrataError('input') when it cannot run. */
  run(asset: string, partition: string, runId: string): Promise<StepRecord>
  close(): Promise<void>
}

/**
 * Opens what the steps of a task share: definitions, storage, the definitions' resources, DuckDB
 * (on first use) and, on S3 storage with a Glue database configured, the catalog each commit
 * registers in. Each step is planned the way a local run plans it (forced: the orchestrating
 * run already decided it runs), so it reads the inputs the earlier steps of the task committed.
 */
export async function openStepSession(kit: CommandKit): Promise<StepSession> {
  const definitions = await kit.definitions()
  const graph = definitions.graph
  const storage = await kit.storage()
  // The executor, Glue client and DuckDB load only when a step runs, not at start-up.
  const { runStep } = await import('../executors/index.js')
  const { catalogSyncFor } = await import('../catalog/index.js')
  const settings = kit.settings()
  const scope = await definitions.openResources({ settings, storage, log: kit.log, openSqlEngine: kit.platform.openSqlEngine })
  let duckdb: Promise<SqlEngine> | undefined
  const openDb = () => (duckdb ??= kit.platform.openSqlEngine({ threads: 1 }))
  const catalog = storage.location.startsWith('s3://') ? await kit.platform.openCatalog(settings) : undefined
  const sync = catalog ? catalogSyncFor(catalog, graph, storage, kit.log, openDb) : undefined
  return {
    async run(asset, partition, runId) {
      graph.asset(asset)
      const upstream = [...new Set([asset, ...graph.dependenciesOf(asset).map((dependency) => dependency.asset)])]
      const state = await loadStoredState(storage, graph, upstream)
      const runPlan = plan(graph, { selection: asset, partition, force: true }, state)
      const step = runPlan.steps.find((candidate) => candidate.asset === asset && candidate.requested)
      if (!step || step.action !== 'run') {
        throw new StrataError('input', `${asset}(${partition}) cannot run: ${step ? describeReason(step.reason) : 'no such partition'}`, 'The orchestrating run starts a step only after its inputs commit; check that the task sees the same STRATA_STORAGE.')
      }
      return runStep(step, {
        graph,
        storage,
        resources: scope.resources,
        runId,
        log: kit.log,
        signal: kit.io.signal ?? new AbortController().signal,
        duckdb: openDb,
        ...(sync ? { afterCommit: (manifest) => sync.register(manifest) } : {}),
      })
    },
    async close() {
      if (duckdb) (await duckdb).close()
      await scope.close()
    },
  }
}
