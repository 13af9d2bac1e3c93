import type { Command } from 'commander'
import { AssetGraph } from '../graph/index.js'
import type { AssetDefinition } from './asset-definition.js'
import type { JsonObject } from './json.js'
import type { Logger } from './logger.js'
import type { Settings } from '../config/index.js'
import type { Storage } from '../storage/storage.js'
import type { ScheduleDefinition } from '../schedules/schedule-definition.js'
import type { CliIo } from '../cli/cli-io.js'
import type { RunRecord } from '../runs/run-record.js'
import type { DashboardDefinition } from './dashboard-definition.js'
import type { SqlEngineOpener } from '../sql/sql-engine.js'

/**
 * Resources opened for one invocation; closed when it ends.
 *
 * @example
 * const sql = await openSqlEngine()
 * return { resources: { sql }, async close() { sql.close() } }
 */
export interface ResourceScope<R> {
  readonly resources: R
  /** Told about each run executed with these resources once it ends (e.g. to publish its step counts); must not throw. */
  runFinished?(record: RunRecord): Promise<void>
  close(): Promise<void>
}

/**
 * What a command contributed by the definitions receives: the CLI's io, the resolved settings,
 * the storage, and a way to run another `strata` command, so a command like `demo` composes
 * the built-in ones instead of re-implementing them. Settings and storage are resolved lazily,
 * when the command runs, not when it is registered.
 *
 * @example
 * .action(async () => {
 *   context.io.stdout.write(`landing: ${context.settings().landing}\n`)
 *   process.exitCode = await context.run(['backfill', '*', '--from', '2026-11-01', '--to', '2026-11-14'])
 * })
 */
export interface CommandContext {
  readonly io: CliIo
  settings(): Settings
  storage(): Promise<Storage>
  /** Run another strata command with the same io and settings; returns its exit code. */
  run(argv: readonly string[]): Promise<number>
}

/**
 * An extra CLI command contributed by the definitions (e.g. `generate-sample`, `demo`): it
 * registers itself on the commander program, next to the built-in commands, and gets its
 * context from the CLI. Add its one-line summary to `StrataApp.commandSummaries` so
 * `strata --help` lists it without loading the definitions.
 *
 * @example
 * export const countOrdersCommand: CommandDefinition = {
 *   name: 'count-orders',
 *   register(program, context) {
 *     program
 *       .command('count-orders')
 *       .description('count the CSV files in orders/')
 *       .action(async () => {
 *         const files = await readdir(join(context.io.cwd, 'orders'))
 *         context.io.stdout.write(`${files.length} files\n`)
 *       })
 *   },
 * }
 * export default defineDefinitions({ assets: [orders, customerTotals], commands: [countOrdersCommand] })
 */
export interface CommandDefinition {
  readonly name: string
  register(program: Command, context: CommandContext): void
}

/** Landing data's own freshness: `ingest_date=D` should be present by `dueBy` (HH:MMZ) on D+1. */
export interface SourceFreshness {
  readonly name: string
  readonly dueBy: string
  readonly warnAfter?: string
  /** The landing days present. */
  listDays(settings: Settings): Promise<readonly string[]>
  /** What the landing days look like on disk, for messages (e.g. `ingest_date=YYYY-MM-DD folders`). */
  readonly layout?: string
}

/**
 * What `openResources` receives: the resolved settings, the storage, a logger, and the engine's
 * SQL engine opener (DuckDB), so assets can query Parquet without knowing how it is built.
 *
 * @example
 * async openResources({ openSqlEngine, log }) {
 *   const sql = await openSqlEngine({ threads: 2 })
 *   log.info('SQL engine open')
 *   return { resources: { sql }, async close() { sql.close() } }
 * }
 */
export interface ResourcesContext {
  readonly settings: Settings
  readonly storage: Storage
  readonly log: Logger
  readonly openSqlEngine: SqlEngineOpener
}

/**
 * What a definitions module declares: its assets, and optionally schedules, extra commands, the
 * landing's freshness, dashboards and the resources its assets use.
 *
 * @example
 * const spec: DefinitionsSpec<{ sql: SqlEngine }> = { assets: [orders, totals], openResources: openSql }
 */
export interface DefinitionsSpec<R> {
  readonly assets: readonly AssetDefinition<R>[]
  readonly schedules?: readonly ScheduleDefinition[]
  readonly commands?: readonly CommandDefinition[]
  readonly sourceFreshness?: SourceFreshness
  /**
   * The pipeline's own resolved settings as strata.config.json keys (e.g. start,
   * hysteresisDelta), for the settings document another process (a Fargate task) receives in
   * STRATA_SETTINGS. Every setting the assets read must be here, so it reaches the task.
   */
  settingsDocument?(): JsonObject
  /** Chart pages `strata ui` serves over manifest metadata (e.g. `/drift`). */
  readonly dashboards?: readonly DashboardDefinition[]
  /** Open what the assets use (a SQL engine, the landing, cloud clients) for one invocation; by default nothing. */
  openResources?(context: ResourcesContext): Promise<ResourceScope<R>>
}

/**
 * Validated definitions: the assets, their graph, schedules and resources.
 *
 * @example
 * const definitions: Definitions = defineDefinitions({ assets: [orders, totals] })
 * definitions.graph.keys // ['orders', 'totals']
 */
export interface Definitions<R = unknown> extends DefinitionsSpec<R> {
  readonly graph: AssetGraph
  readonly schedules: readonly ScheduleDefinition[]
  readonly commands: readonly CommandDefinition[]
  openResources(context: ResourcesContext): Promise<ResourceScope<R>>
}

/**
 * Build and validate the definitions once; throws StrataError('definition') naming the assets at
 * fault (unknown dependencies, cycles, mappings that do not fit their partitions).
 *
 * @example
 * export default defineDefinitions({ assets: [orders, totals], schedules: [nightly] })
 */
export function defineDefinitions<R>(spec: DefinitionsSpec<R>): Definitions<R> {
  const graph = AssetGraph.build(spec.assets as readonly AssetDefinition[])
  const openResources = spec.openResources ?? (async () => ({ resources: {} as R, async close() {} }))
  return Object.freeze({ ...spec, graph, schedules: spec.schedules ?? [], commands: spec.commands ?? [], openResources })
}

/** How the CLI gets the definitions: called lazily, only by commands that need them. */
export type DefinitionsLoader = (settings: Settings) => Promise<Definitions>
