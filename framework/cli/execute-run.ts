import { StrataError } from '../errors/index.js'
import type { Definitions } from '../definitions/definitions.js'
import { localExecutor, PACKINGS, runStep, taskExecutor, type Executor, type Packing, type RunProgress, type StepLauncher, type TaskLauncher } from '../executors/index.js'
import { glueDatabaseOf } from '../catalog/glue-database.js'
import type { RunPlan } from '../planner/index.js'
import { newRunId, type RunRecord } from '../runs/index.js'
import type { Storage } from '../storage/storage.js'
import type { SqlEngine } from '../sql/index.js'
import type { CommandKit } from './command-kit.js'
import { progressReporter } from './progress.js'

/** Open resources, run the plan with the chosen executor, close everything; returns the run record. */
export async function executeRun(
  kit: CommandKit,
  definitions: Definitions,
  storage: Storage,
  runPlan: RunPlan,
  options: { command: string; concurrency?: string; executor?: string; pack?: string; runId?: string; quiet?: boolean; json?: boolean; onProgress?: (progress: RunProgress) => void },
): Promise<RunRecord> {
  const settings = kit.settings()
  const concurrency = options.concurrency === undefined ? settings.concurrency : Number(options.concurrency)
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new StrataError('usage', `--concurrency "${String(options.concurrency).slice(0, 20)}" is not a whole number from 1 to 256`, 'e.g. --concurrency 2')
  }
  // Without a terminal the step lines go to stdout with the summary (a cron log), unless stdout holds JSON.
  const progress = progressReporter(kit.io, { ...(options.quiet ? { quiet: true } : {}), ...(options.json ? {} : { lines: kit.io.stdout }), total: runPlan.steps.filter((step) => step.action === 'run').length })
  const executor: Executor = await chooseExecutor(kit, definitions, options.executor ?? 'local', options.pack, progress.watch)
  const scope = await definitions.openResources({ settings, storage, log: kit.log, openSqlEngine: kit.platform.openSqlEngine })
  let duckdb: Promise<SqlEngine> | undefined
  try {
    const record = await executor.execute(
      runPlan,
      { graph: definitions.graph, storage, resources: scope.resources, runId: options.runId ?? newRunId(new Date()), log: progress.logger(kit.log), duckdb: () => (duckdb ??= kit.platform.openSqlEngine({ threads: 1, env: kit.io.env })) },
      { command: options.command, concurrency, ...(kit.io.signal ? { signal: kit.io.signal } : {}), onProgress: (p) => {
        progress.update(p)
        options.onProgress?.(p)
      } },
    )
    // The record is already stored: a failing observer costs a warning, never the run's outcome.
    await scope.runFinished?.(record).catch((error: unknown) => kit.log.warn(`after run ${record.runId}: ${error instanceof Error ? error.message : String(error)}`))
    return record
  } finally {
    progress.done()
    if (duckdb) (await duckdb).close()
    await scope.close()
  }
}

async function chooseExecutor(kit: CommandKit, definitions: Definitions, kind: string, pack: string | undefined, watch: (launch: StepLauncher) => StepLauncher): Promise<Executor> {
  const settings = kit.settings()
  if (pack !== undefined) packingOf(pack)
  if (pack !== undefined && kind !== 'fargate') throw new StrataError('usage', `--pack ${pack.slice(0, 20)} is for --executor fargate`, 'A local run needs no packing: drop --pack, or add --executor fargate.')
  // The AWS clients load only when used: a plain local run never pays for them.
  if (kind === 'local') {
    if (!glueDatabaseOf(settings)) return localExecutor(watch(runStep))
    // On S3 storage with a Glue database configured, each local commit registers its partition.
    const { withCatalog } = await import('../catalog/index.js')
    return withCatalog(localExecutor(watch(runStep)), await kit.platform.openCatalog(settings), kit.log)
  }
  if (kind === 'fargate') {
    const { assertS3Locations, fargateLauncher, resolveFargateSettings } = await import('../executors/fargate-launcher.js')
    const { settingsDocument } = await import('../config/settings-document.js')
    assertS3Locations(settings)
    const fargate = resolveFargateSettings(settings)
    const packing = packingOf(pack ?? fargate.pack)
    // The tasks commit, so they register in Glue themselves: the settings document gives them the same settings.
    const document = settingsDocument(settings, definitions.settingsDocument?.() ?? {})
    const containers = await kit.platform.openContainerService({ ...(fargate.region ? { region: fargate.region } : {}), env: kit.io.env })
    const launch = fargateLauncher({ containers, settings: fargate, storage: settings.storage, landing: settings.landing, settingsDocument: document })
    return taskExecutor(watchedTasks(launch, watch), { kind: 'fargate', packing })
  }
  throw new StrataError('usage', `unknown executor "${kind.slice(0, 20)}"`, 'Use --executor local or --executor fargate.')
}

function packingOf(value: string): Packing {
  if (!(PACKINGS as readonly string[]).includes(value)) throw new StrataError('usage', `--pack "${value.slice(0, 20)}" is not one of ${PACKINGS.join(', ')}`, 'Use --pack partition (one task per day, the default), --pack step or --pack run; see the README, "On AWS".')
  return value as Packing
}

/** The progress display learns each step's outcome when its task ends. */
function watchedTasks(launch: TaskLauncher, watch: (launch: StepLauncher) => StepLauncher): TaskLauncher {
  return async (task, env) => {
    const results = await launch(task, env)
    const report = watch(async (step) => results.get(step.id) ?? { asset: step.asset, partition: step.partition, status: 'failed', error: { code: 'compute', message: `${step.id}: the task reported no outcome for this step` } })
    for (const step of task.steps) await report(step, env)
    return results
  }
}
