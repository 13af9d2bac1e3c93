import type { AssetCheck } from '../checks/check.js'
import type { JsonObject } from './json.js'
import type { PartitionKey, PartitionsDefinition } from '../partitions/partitions-definition.js'
import type { PartitionMapping } from '../partitions/mappings/partition-mapping.js'
import type { Manifest } from '../storage/manifest.js'
import type { Logger } from './logger.js'
import type { ObservedSource } from '../sources/observed-source.js'

/** A dependency on another asset (or on the asset itself, through `previous()`). */
export interface AssetDependency {
  readonly asset: string
  readonly mapping: PartitionMapping
}

/** One committed upstream partition, ready to read. */
export interface InputPartition {
  readonly asset: string
  readonly partition: PartitionKey
  /** Local folder with the partition's files. */
  readonly dir: string
  /** Absolute paths of the partition's Parquet files (may be empty for JSON-only assets). */
  readonly parquetFiles: readonly string[]
  readonly manifest: Manifest
}

/** What a compute function receives. */
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

/** What `strata show` asks an asset for. */
export interface ShowRequest {
  readonly manifest: Manifest
  /** Local folder of the committed partition. */
  readonly dir: string
  /** `--table NAME`, for assets that hold several tables. */
  readonly table?: string
}

/** Rows to print: a SELECT over the partition's files, fixed rows, or one JSON document. */
export type ShowSource = (
  | { readonly kind: 'sql'; readonly sql: string }
  | { readonly kind: 'rows'; readonly columns: readonly string[]; readonly rows: readonly (readonly unknown[])[] }
  | { readonly kind: 'document'; readonly path: string }
) & {
  /** One line saying what these rows are (and which other tables `--table` shows), printed above a table. */
  readonly title?: string
}

/** What a compute function returns. Row count and schema are measured by the engine when omitted. */
export interface MaterializeResult {
  readonly metadata?: JsonObject
  readonly rowCount?: number
}

/**
 * Freshness policy: partition D is due by `dueBy` (HH:MMZ) on the day after D's last day
 * (plus `lagDays`), and warns after `warnAfter` on that same day.
 */
export interface FreshnessPolicy {
  readonly dueBy: string
  readonly warnAfter?: string
  readonly lagDays?: number
}

export interface AssetSpec<Resources = unknown> {
  readonly key: string
  readonly description: string
  readonly partitions: PartitionsDefinition
  /** Keyed by input name; the value names the upstream asset (default: the input name) and the mapping. */
  readonly deps?: Readonly<Record<string, PartitionMapping | AssetDependency>>
  readonly codeVersion: string
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

/** A validated, frozen asset definition. */
export interface AssetDefinition<Resources = unknown> extends Omit<AssetSpec<Resources>, 'deps' | 'checks'> {
  readonly deps: Readonly<Record<string, AssetDependency>>
  readonly checks: readonly AssetCheck[]
}
