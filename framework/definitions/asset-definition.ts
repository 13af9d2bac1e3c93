import type { AssetCheck } from '../checks/check.js'
import type { JsonObject } from './json.js'
import type { PartitionKey, PartitionsDefinition } from '../partitions/partitions-definition.js'
import type { PartitionMapping } from '../partitions/mappings/partition-mapping.js'
import type { Manifest } from '../storage/manifest.js'
import type { Logger } from './logger.js'
import type { ObservedSource } from '../sources/observed-source.js'

/**
 * A dependency on another asset (or on the asset itself, through `previous()`), for when the
 * input's name is not the upstream asset's key. Where they are the same, `deps` takes the
 * mapping alone.
 *
 * @example
 * // segments(D) reads the day's features, and its own partition of D-1 as `yesterday`
 * deps: {
 *   features: sameDay(),
 *   yesterday: { asset: 'segments', mapping: previous() },
 * }
 */
export interface AssetDependency {
  readonly asset: string
  readonly mapping: PartitionMapping
}

/**
 * One committed upstream partition, ready to read: where its files are and the manifest it was
 * committed with (data version, metadata, row count). `AssetContext.inputs` holds these per
 * dependency, in ascending partition order, as the mapping resolved them.
 *
 * @example
 * async materialize({ inputs, outputDir, resources }) {
 *   // lookback(7): the seven days ending on D, oldest first
 *   const files = inputs.orders.flatMap((input: InputPartition) => input.parquetFiles)
 *   await resources.sql.run(`COPY (SELECT customer, sum(amount) AS amount FROM ${readParquet(files)} GROUP BY customer)
 *     TO ${sqlString(join(outputDir, 'weekly_totals.parquet'))} (FORMAT parquet)`)
 *   return { metadata: { days_read: inputs.orders.length } }
 * }
 */
export interface InputPartition {
  readonly asset: string
  readonly partition: PartitionKey
  /** Local folder with the partition's files. */
  readonly dir: string
  /** Absolute paths of the partition's Parquet files (may be empty for JSON-only assets). */
  readonly parquetFiles: readonly string[]
  readonly manifest: Manifest
}

/**
 * What `materialize` receives for one step: the partition it builds, its inputs as committed
 * upstream partitions, a private staging folder to write into, the resources `openResources`
 * returned, a logger and the run's abort signal. What the step writes to `outputDir` is
 * committed as the partition's new version only when `materialize` succeeds.
 *
 * `Resources` types `resources`; in a TypeScript definitions module, name it once.
 *
 * @example
 * import { join } from 'node:path'
 * import { readParquet, sqlString, type AssetContext, type SqlEngine } from 'strata'
 *
 * async function sumOrders({ partition, inputs, outputDir, resources, log }: AssetContext<{ sql: SqlEngine }>) {
 *   const files = inputs.orders.flatMap((input) => input.parquetFiles)
 *   log.info(`customer_totals(${partition}): ${files.length} files`)
 *   await resources.sql.run(`COPY (SELECT customer, sum(amount) AS amount FROM ${readParquet(files)} GROUP BY customer)
 *     TO ${sqlString(join(outputDir, 'customer_totals.parquet'))} (FORMAT parquet)`)
 *   return {}
 * }
 */
export interface AssetContext<Resources = unknown> {
  readonly asset: string
  readonly partition: PartitionKey
  readonly runId: string
  /** Per dependency name, the committed upstream partitions (ascending), as the mapping resolved them. */
  readonly inputs: Readonly<Record<string, readonly InputPartition[]>>
  /** The private staging folder this step writes its files into. */
  readonly outputDir: string
  readonly resources: Resources
  readonly log: Logger
  readonly signal: AbortSignal
}

/**
 * What `strata show` asks an asset's `show` for: the committed partition (its folder and
 * manifest) and, for assets that hold several tables, the `--table` the user named.
 *
 * @example
 * show({ dir, table }: ShowRequest): ShowSource {
 *   const file = table === undefined ? 'customers.parquet' : `${table}.parquet`
 *   return { kind: 'sql', sql: `SELECT * FROM ${readParquet([join(dir, file)])}` }
 * }
 */
export interface ShowRequest {
  readonly manifest: Manifest
  /** Local folder of the committed partition. */
  readonly dir: string
  /** `--table NAME`, for assets that hold several tables. */
  readonly table?: string
}

/**
 * What `strata show` prints for a partition: a SELECT over the partition's files, fixed rows
 * (e.g. a summary built from the manifest's metadata), or one JSON document.
 *
 * @example
 * // curated: a summary per table by default, one table's rows with --table
 * show({ dir, manifest, table }) {
 *   if (table !== undefined) return { kind: 'sql', sql: `SELECT * FROM ${readParquet([join(dir, `${table}.parquet`)])}` }
 *   const tables = manifest.metadata.tables as Record<string, { rows_read: number; curated: number }>
 *   return {
 *     kind: 'rows',
 *     title: 'rows read and curated per table; the rows of one: --table NAME',
 *     columns: ['table', 'rows_read', 'curated'],
 *     rows: Object.entries(tables).map(([name, t]) => [name, t.rows_read, t.curated]),
 *   }
 * }
 */
export type ShowSource = (
  | { readonly kind: 'sql'; readonly sql: string }
  | { readonly kind: 'rows'; readonly columns: readonly string[]; readonly rows: readonly (readonly unknown[])[] }
  | { readonly kind: 'document'; readonly path: string }
) & {
  /** One line saying what these rows are (and which other tables `--table` shows), printed above a table. */
  readonly title?: string
}

/**
 * What `materialize` returns: metadata to record in the partition's manifest (what `status`,
 * `show`, checks such as `reconciliation` and dashboards read back), and the row count when the
 * asset knows it. Row count and schema are measured by the engine when omitted.
 *
 * @example
 * async materialize({ outputDir, resources }): Promise<MaterializeResult> {
 *   const [row] = await resources.sql.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${readParquet([join(outputDir, 'orders.parquet')])}`)
 *   return { rowCount: Number(row?.n ?? 0), metadata: { source: 'orders.csv' } }
 * }
 */
export interface MaterializeResult {
  readonly metadata?: JsonObject
  readonly rowCount?: number
}

/**
 * Freshness policy: partition D is due by `dueBy` (HH:MMZ) on the day after D's last day
 * (plus `lagDays`), and warns after `warnAfter` on that same day. `strata freshness` evaluates
 * it from the manifests and exits 1 when a partition is late, so a stalled schedule is seen
 * before users notice stale data.
 *
 * @example
 * // curated(D) is expected by 03:00 UTC on D+1, with a warning from 02:30
 * freshness: { dueBy: '03:00Z', warnAfter: '02:30Z' }
 */
export interface FreshnessPolicy {
  readonly dueBy: string
  readonly warnAfter?: string
  readonly lagDays?: number
}

/**
 * What an asset is, as `defineAsset` takes it: its key (snake_case, the table name), what it
 * holds, how it is partitioned, what it reads through which mappings, its code version (change it
 * and every partition is stale), its checks, and the function that builds one partition.
 *
 * @example
 * const spec: AssetSpec<{ sql: SqlEngine }> = {
 *   key: 'customer_totals',
 *   description: 'Amount per customer per day',
 *   partitions: daily({ start: '2026-11-01' }),
 *   deps: { orders: sameDay() },
 *   codeVersion: '1',
 *   checks: [uniqueKey('customer')],
 *   materialize: sumOrders,
 * }
 * export const customerTotals = defineAsset(spec)
 */
export interface AssetSpec<Resources = unknown> {
  /** snake_case, unique in the definitions; names the storage folder and the table. */
  readonly key: string
  /** One sentence: what a row or document of the asset is. */
  readonly description: string
  readonly partitions: PartitionsDefinition
  /** Keyed by input name; the value names the upstream asset (default: the input name) and the mapping. */
  readonly deps?: Readonly<Record<string, PartitionMapping | AssetDependency>>
  /** Change it when the compute changes: every partition committed under another version is stale. */
  readonly codeVersion: string
  /** Run after each materialization; a failed blocking check at severity `error` stops the partition's downstream steps. */
  readonly checks?: readonly AssetCheck[]
  /**
   * An observed source the asset reads, partition for partition (raw reads the landing's
   * `ingest_date=D` folder). Each commit records the files it read; planning lists the source and
   * a changed, added or removed file makes the partition stale.
   */
  readonly source?: ObservedSource
  readonly freshness?: FreshnessPolicy
  /** What `strata show` prints; by default the partition's one Parquet file, or its one JSON document. */
  readonly show?: (request: ShowRequest) => ShowSource
  materialize(context: AssetContext<Resources>): Promise<MaterializeResult>
}

/**
 * A validated, frozen asset definition, as `defineAsset` returns it: every dependency in the
 * `{ asset, mapping }` form and the checks as a list, so the engine never handles the
 * shorthand forms of `AssetSpec`.
 *
 * @example
 * const orders: AssetDefinition<{ sql: SqlEngine }> = defineAsset({
 *   key: 'orders',
 *   description: "The day's orders, typed",
 *   partitions: daily({ start: '2026-11-01' }),
 *   codeVersion: '1',
 *   checks: [rowCountAtLeast(1), notNull('order_id')],
 *   materialize: loadOrders,
 * })
 * orders.deps // {}
 */
export interface AssetDefinition<Resources = unknown> extends Omit<AssetSpec<Resources>, 'deps' | 'checks'> {
  readonly deps: Readonly<Record<string, AssetDependency>>
  readonly checks: readonly AssetCheck[]
}
