import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { StrataError } from '../../errors/index.js'
import type { ShowSource } from '../../definitions/asset-definition.js'
import type { AssetGraph } from '../../graph/index.js'
import type { Storage } from '../../storage/storage.js'
import { readParquet, type SqlEngineOpener } from '../../sql/index.js'
import type { CommandKit } from '../command-kit.js'
import { csvField, formatTable } from '../format-table.js'

/** `strata show`: the committed rows of one partition, read through DuckDB. */
export function registerShowCommand(program: Command, kit: CommandKit): void {
  program
    .command('show')
    .argument('<asset>', 'asset key')
    .requiredOption('--partition <key>', 'partition (YYYY-MM-DD; weekly: a date in the week)')
    .option('--format <format>', 'table, csv or json', 'table')
    .option('--limit <n>', 'at most this many rows (default: 50 for table, all for csv and json)')
    .option('--table <name>', 'one table of an asset that holds several; without it such an asset shows a summary whose header line names its tables')
    .option('--json', 'same as --format json')
    .description('print the committed rows (or JSON document) of a partition')
    .action(async (asset: string, options: { partition: string; format: string; limit?: string; table?: string; json?: boolean }) => {
      const format = options.json ? 'json' : options.format
      if (!['table', 'csv', 'json'].includes(format)) throw new StrataError('usage', `--format "${format.slice(0, 20)}" is not table, csv or json`, 'e.g. --format csv')
      const limit = options.limit === undefined ? (format === 'table' ? 50 : Infinity) : Number(options.limit)
      if (limit !== Infinity && (!Number.isInteger(limit) || limit < 1)) throw new StrataError('usage', `--limit "${String(options.limit).slice(0, 20)}" is not a positive whole number`, 'e.g. --limit 100')
      const { graph } = await kit.definitions()
      // csv and json read no more than they print; a table reads all to count what it leaves out.
      const shown = await showPartition(graph, await kit.storage(), kit.platform.openSqlEngine, asset, options.partition, options.table, format === 'table' || limit === Infinity ? undefined : limit)
      if (shown.kind === 'document') {
        kit.print(JSON.stringify(shown.document, null, 2))
        return
      }
      const { columns, rows } = shown
      const printed = rows.slice(0, limit)
      if (format === 'json') kit.printJson(printed.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i]]))))
      else if (format === 'csv') kit.print([columns.map(csvField).join(','), ...printed.map((row) => row.map(csvField).join(','))].join('\n'))
      else {
        kit.print(`${asset}(${shown.key})${shown.title ? `: ${shown.title}` : ''}`)
        kit.print(formatTable(columns, printed))
        if (rows.length > limit) kit.print(`… ${rows.length - limit} more rows (--limit N, or --format csv for all)`)
        if (rows.length === 0) kit.print('(no rows: nothing here for this partition)')
      }
    })
}

/** A partition's rows (as `show` prints them) or its JSON document. */
export type ShownPartition =
  | { readonly kind: 'rows'; readonly key: string; readonly title?: string; readonly columns: readonly string[]; readonly rows: readonly (readonly unknown[])[] }
  | { readonly kind: 'document'; readonly key: string; readonly document: unknown }

/**
 * What `strata show` prints for a partition (weekly: any date in the week): the asset's own
 * `show`, else its one Parquet file or JSON document; `limit` reads only the first rows.
 * StrataError('usage') when not materialized.
 */
export async function showPartition(graph: AssetGraph, storage: Storage, openSqlEngine: SqlEngineOpener, asset: string, partition: string, table?: string, limit?: number): Promise<ShownPartition> {
  const definition = graph.asset(asset)
  const partitions = definition.partitions
  const key = partitions.kind === 'weekly' ? (partitions.keysInRange(partition, partition)[0] ?? partitions.validateKey(partition, asset)) : partitions.validateKey(partition, asset)
  const segment = partitions.pathSegment(key)
  const manifest = await storage.readManifest(asset, segment)
  if (!manifest) throw new StrataError('usage', `${asset}(${key}) is not materialized`, `Materialize it: strata materialize +${asset} --partition ${key}`)
  const dir = await storage.localDir(manifest, segment)
  // DuckDB loads only when this command runs, not at start-up.
  const source: ShowSource = definition.show?.({ manifest, dir, ...(table ? { table } : {}) }) ?? defaultSource(asset, dir, manifest.files.map((file) => file.name), table)
  if (source.kind === 'document') return { kind: 'document', key, document: JSON.parse(await readFile(source.path, 'utf8')) as unknown }
  const title = source.title ? { title: source.title } : {}
  if (source.kind === 'rows') return { kind: 'rows', key, ...title, columns: source.columns, rows: limit === undefined ? source.rows : source.rows.slice(0, limit) }
  // A preview reads only the rows it shows (the limit is a checked whole number, never text).
  const sql = limit === undefined ? source.sql : `SELECT * FROM (${source.sql}) LIMIT ${Math.max(0, Math.floor(limit))}`
  return { kind: 'rows', key, ...title, ...(await query(openSqlEngine, sql)) }
}

async function query(openSqlEngine: SqlEngineOpener, sql: string): Promise<{ columns: string[]; rows: unknown[][] }> {
  const db = await openSqlEngine({ threads: 2 })
  try {
    const described = await db.describe(sql)
    const columns = described.map((column) => column.name)
    // JSON-safe values, except 64-bit integers: numbers when they fit, so `--format json` has numbers.
    const integer = described.map((column) => /^(BIGINT|HUGEINT|UBIGINT|UHUGEINT)$/.test(column.type))
    const rows = await db.json<Record<string, unknown>>(sql)
    return {
      columns,
      rows: rows.map((row) =>
        columns.map((column, i) => {
          const value = row[column]
          return integer[i] && typeof value === 'string' && Number.isSafeInteger(Number(value)) ? Number(value) : value
        }),
      ),
    }
  } finally {
    db.close()
  }
}

function defaultSource(asset: string, dir: string, files: readonly string[], table: string | undefined): ShowSource {
  const parquet = files.filter((name) => name.endsWith('.parquet'))
  if (table !== undefined) {
    const name = `${table}.parquet`
    if (!parquet.includes(name)) throw new StrataError('usage', `${asset} has no table "${table.slice(0, 40)}"`, `Tables: ${parquet.map((file) => file.replace(/\.parquet$/, '')).join(', ') || 'none'}.`)
    return { kind: 'sql', sql: `SELECT * FROM ${readParquet([join(dir, name)])}` }
  }
  if (parquet.length === 1) return { kind: 'sql', sql: `SELECT * FROM ${readParquet([join(dir, parquet[0] as string)])}` }
  const json = files.filter((name) => name.endsWith('.json'))
  if (parquet.length === 0 && json.length >= 1) return { kind: 'document', path: join(dir, json[0] as string) }
  throw new StrataError('usage', `${asset} holds several tables`, `Pick one with --table: ${parquet.map((file) => file.replace(/\.parquet$/, '')).join(', ')}.`)
}
