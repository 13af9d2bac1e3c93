import type { Command } from 'commander'
import { StrataError } from '../../errors/index.js'
import { resolveSelection } from '../../selection/index.js'
import type { CatalogSyncReport } from '../../catalog/index.js'
import type { SqlEngine } from '../../sql/index.js'
import type { CommandKit } from '../command-kit.js'
import { formatTable } from '../format-table.js'

/** `strata catalog sync [selection]`: (re-)register every committed partition in the Glue catalog. */
export function registerCatalogCommand(program: Command, kit: CommandKit): void {
  const catalog = program.command('catalog').description('the Glue data catalog of the committed partitions (S3 storage)')
  catalog
    .command('sync')
    .argument('[selection]', 'assets, as for materialize (default: all)', '*')
    .option('--json', 'print the outcome per table as JSON')
    .description('create or update the Glue table and partitions of every committed partition')
    .action(async (selection: string, options: { json?: boolean }) => {
      const settings = kit.settings()
      if (!settings.storage.startsWith('s3://')) {
        throw new StrataError('config', `the Glue catalog describes S3 data, but --storage / STRATA_STORAGE is ${settings.storage.slice(0, 120)}`, 'Pass --storage s3://bucket/prefix.')
      }
      // The Glue client and DuckDB load only when this command runs, not at start-up.
      const { catalogSyncFor } = await import('../../catalog/index.js')
      const client = await kit.platform.openCatalog(settings)
      if (!client) throw new StrataError('config', 'no Glue database is configured', 'Set aws.glueDatabase in the config file or STRATA_GLUE_DATABASE, e.g. STRATA_GLUE_DATABASE=cdi.')
      const definitions = await kit.definitions()
      const assets = resolveSelection(selection, definitions.graph)
      const storage = await kit.storage()
      let duckdb: Promise<SqlEngine> | undefined
      let report: CatalogSyncReport
      try {
        report = await catalogSyncFor(client, definitions.graph, storage, kit.log, () => (duckdb ??= kit.platform.openSqlEngine({ threads: 1 }))).syncAll(assets)
      } finally {
        if (duckdb) (await duckdb).close()
      }
      if (options.json) return kit.printJson(report)
      if (report.tables.length === 0) return kit.print(`nothing to register in ${report.database}: no committed Parquet partitions for ${selection}`)
      kit.print(`Glue database ${report.database}:`)
      kit.print(formatTable(['table', 'table', 'created', 'updated', 'unchanged'], report.tables.map((row) => [row.table, row.table_outcome, row.partitions.created, row.partitions.updated, row.partitions.unchanged])))
    })
}
