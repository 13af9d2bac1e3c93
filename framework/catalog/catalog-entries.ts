import type { ColumnSchema, Manifest } from '../storage/manifest.js'
import type { CatalogColumn, CatalogPartition, CatalogTable } from './catalog-client.js'
import { glueTypeOf } from './glue-types.js'

/** What registering one committed partition writes: a table, maybe a partition, maybe a symlink manifest. */
export interface CatalogEntry {
  readonly table: CatalogTable
  readonly partition?: CatalogPartition
  /** For multi-table partitions: the manifest object listing this table's file. */
  readonly symlink?: { readonly uri: string; readonly body: string }
}

export interface CatalogEntriesInput {
  readonly manifest: Manifest
  /** `dt=…`, `week=…` or `all`. */
  readonly pathSegment: string
  /** The storage root, `s3://bucket/prefix` (no trailing slash). */
  readonly root: string
  readonly description: string
  /** Columns of one Parquet file of the partition, for multi-table partitions whose manifest has no schema. */
  readonly schemaOf: (fileName: string) => Promise<readonly ColumnSchema[]>
}

/** Folder under the storage root holding the symlink manifests of multi-table assets. */
export const SYMLINK_PREFIX = '_symlink'

/**
 * The catalog entries of a committed partition. A partition with one Parquet file is one table
 * named after the asset; a partition with several (raw, curated: one per table) is one table per
 * file, `<asset>_<table>`, each reading only its own file through a symlink manifest, because
 * Athena reads every file in a partition's folder. JSON-only partitions have no table.
 */
export async function catalogEntriesFor(input: CatalogEntriesInput): Promise<CatalogEntry[]> {
  const { manifest, pathSegment, root } = input
  const parquet = manifest.files.map((file) => file.name).filter((name) => name.endsWith('.parquet')).sort()
  if (parquet.length === 0) return []
  const [keyName, keyValue] = pathSegment === 'all' ? [undefined, undefined] : (pathSegment.split('=') as ['dt' | 'week', string])
  const folder = withSlash(committedLocation(manifest) ?? `${root}/${manifest.asset}/${pathSegment}`)
  const parameters = { 'strata.asset': manifest.asset, 'strata.code_version': manifest.codeVersion }

  if (parquet.length === 1) {
    // Manifests written before measuring turned hive partitioning off list the dt= folder as a column too.
    const columns = toColumns(manifest.schema.length > 0 ? manifest.schema : await input.schemaOf(parquet[0] as string)).filter((column) => column.name !== keyName)
    const table: CatalogTable = {
      name: manifest.asset,
      description: input.description,
      columns,
      ...(keyName ? { partitionKey: keyName } : {}),
      location: keyName ? `${root}/${manifest.asset}/` : folder,
      format: 'parquet',
      parameters,
    }
    return [{ table, ...(keyValue ? { partition: { value: keyValue, location: folder, columns, format: 'parquet' } } : {}) }]
  }

  const entries: CatalogEntry[] = []
  for (const file of parquet) {
    const name = `${manifest.asset}_${file.replace(/\.parquet$/, '').toLowerCase().replace(/[^a-z0-9_]/g, '_')}`
    const columns = toColumns(await input.schemaOf(file))
    const symlinkFolder = `${root}/${SYMLINK_PREFIX}/${name}/${pathSegment}/`
    const table: CatalogTable = {
      name,
      description: `${input.description} (table ${file.replace(/\.parquet$/, '')})`,
      columns,
      ...(keyName ? { partitionKey: keyName } : {}),
      location: keyName ? `${root}/${SYMLINK_PREFIX}/${name}/` : symlinkFolder,
      format: 'parquet-symlink',
      parameters,
    }
    entries.push({
      table,
      ...(keyValue ? { partition: { value: keyValue, location: symlinkFolder, columns, format: 'parquet-symlink' } } : {}),
      symlink: { uri: `${symlinkFolder}manifest`, body: `${folder}${file}\n` },
    })
  }
  return entries
}

function toColumns(schema: readonly ColumnSchema[]): CatalogColumn[] {
  return schema.map((column) => ({ name: column.name.toLowerCase(), type: glueTypeOf(column.type, column.name) }))
}

function withSlash(location: string): string {
  return location.endsWith('/') ? location : `${location}/`
}

/**
 * The versioned folder a storage commit wrote the partition to (`manifest.location`, set by S3
 * storage), when the manifest records one; otherwise the partition lives at its plain path.
 */
export function committedLocation(manifest: Manifest): string | undefined {
  const location = (manifest as Manifest & { readonly location?: unknown }).location
  return typeof location === 'string' && location.length > 0 ? location : undefined
}
