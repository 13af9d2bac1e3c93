import { join } from 'node:path'
import type { AssetGraph } from '../graph/index.js'
import type { Logger } from '../definitions/logger.js'
import type { ColumnSchema, Manifest } from '../storage/manifest.js'
import type { Storage } from '../storage/storage.js'
import type { CatalogClient, CatalogOutcome, CatalogPartition, CatalogTable } from './catalog-client.js'
import { catalogEntriesFor, type CatalogEntry } from './catalog-entries.js'

export interface CatalogSyncOptions {
  readonly client: CatalogClient
  readonly graph: AssetGraph
  readonly storage: Storage
  readonly log: Logger
  /** Columns of a local Parquet file (DuckDB DESCRIBE); used for multi-table partitions. */
  readonly describeParquet: (path: string) => Promise<readonly ColumnSchema[]>
}

/** What a sync did, per table. */
export interface CatalogSyncReport {
  readonly database: string
  readonly tables: { readonly table: string; readonly table_outcome: CatalogOutcome; readonly partitions: Record<CatalogOutcome, number> }[]
}

/**
 * Keeps the catalog (Glue) in step with committed partitions on S3 storage: `register` after
 * each commit, `syncAll` for `strata catalog sync`. A table is checked once per process and
 * shape; partitions are created when missing, updated when their location or columns changed.
 */
export class CatalogSync {
  private readonly tablesSeen = new Map<string, Promise<CatalogOutcome>>()

  constructor(private readonly options: CatalogSyncOptions) {}

  /** Register one just-committed partition (its table, partition, and symlink manifest). */
  async register(manifest: Manifest): Promise<void> {
    const entries = await this.entriesOf(manifest)
    for (const entry of entries) {
      if (entry.symlink) await this.options.client.writeText(entry.symlink.uri, entry.symlink.body)
      await this.ensureTable(entry.table)
      if (entry.partition) await this.options.client.ensurePartitions(entry.table, [entry.partition])
    }
  }

  /** Re-register every committed partition of the given assets. */
  async syncAll(assets: readonly string[]): Promise<CatalogSyncReport> {
    const tables = new Map<string, { table: CatalogTable; partitions: CatalogPartition[]; symlinks: { uri: string; body: string }[] }>()
    for (const asset of assets) {
      const partitions = this.options.graph.asset(asset).partitions
      const manifests = (await this.options.storage.listManifests(asset)).sort((a, b) => a.partition.localeCompare(b.partition))
      for (const manifest of manifests) {
        for (const entry of await this.entriesOf(manifest, partitions.pathSegment(manifest.partition))) {
          const slot = tables.get(entry.table.name) ?? { table: entry.table, partitions: [], symlinks: [] }
          slot.table = entry.table // the newest partition's shape describes the table
          if (entry.partition) slot.partitions.push(entry.partition)
          if (entry.symlink) slot.symlinks.push(entry.symlink)
          tables.set(entry.table.name, slot)
        }
      }
    }
    const report: CatalogSyncReport = { database: this.options.client.database, tables: [] }
    for (const { table, partitions, symlinks } of tables.values()) {
      for (const symlink of symlinks) await this.options.client.writeText(symlink.uri, symlink.body)
      const outcome = await this.options.client.ensureTable(table)
      const counts: Record<CatalogOutcome, number> = { created: 0, updated: 0, unchanged: 0 }
      for (const result of partitions.length > 0 ? await this.options.client.ensurePartitions(table, partitions) : []) counts[result]++
      report.tables.push({ table: table.name, table_outcome: outcome, partitions: counts })
    }
    return report
  }

  private async entriesOf(manifest: Manifest, pathSegment?: string): Promise<CatalogEntry[]> {
    const definition = this.options.graph.asset(manifest.asset)
    const segment = pathSegment ?? definition.partitions.pathSegment(manifest.partition)
    let dir: Promise<string> | undefined
    return catalogEntriesFor({
      manifest,
      pathSegment: segment,
      root: this.options.storage.location.replace(/\/+$/, ''),
      description: definition.description,
      schemaOf: async (file) => this.options.describeParquet(join(await (dir ??= this.options.storage.localDir(manifest, segment)), file)),
    })
  }

  private ensureTable(table: CatalogTable): Promise<CatalogOutcome> {
    const key = `${table.name}\n${JSON.stringify(table)}`
    let pending = this.tablesSeen.get(key)
    if (!pending) {
      pending = this.options.client.ensureTable(table)
      this.tablesSeen.set(key, pending)
      pending.catch(() => this.tablesSeen.delete(key))
    }
    return pending
  }
}
