import { join } from 'node:path'
import { defineAsset, type JsonObject } from '../framework/definitions/index.js'
import { daily, sameDay } from '../framework/partitions/index.js'
import { readParquet } from '../framework/sql/index.js'
import { withConnection, type CdiResources } from './cdi-resources.js'
import type { CdiConfig } from './cdi-config.js'
import { single } from './input-files.js'
import { materializeCurated, type CuratedMetadata } from './lib/curated.js'
import type { RawMetadata } from './lib/raw.js'
import { TABLE_NAMES } from './lib/tables.js'
import { knownTable } from './raw.js'

/** curated(D): typed, deduplicated Parquet per table; reconciles rows read = curated + quarantined + duplicates. */
export function curatedAsset(config: CdiConfig) {
  return defineAsset<CdiResources>({
    key: 'curated',
    description: 'The six tables of D typed and deduplicated (first valid row per id), one Parquet file per table.',
    partitions: daily({ start: config.firstDay }),
    deps: { raw: sameDay() },
    codeVersion: 'curated-v3',
    freshness: { dueBy: '03:00Z', warnAfter: '02:30Z' },
    async materialize({ inputs, outputDir, resources }) {
      const raw = single(inputs, 'raw')
      const metadata = await withConnection(resources, (db) =>
        materializeCurated({ db, rawDir: raw.dir, rawMetadata: raw.manifest.metadata as unknown as RawMetadata, outputDir, parallel: resources.threads?.threads() ?? 1 }),
      )
      return { metadata: metadata as unknown as JsonObject }
    },
    show({ dir, manifest, table }) {
      if (table !== undefined) return { kind: 'sql', title: `the ${knownTable(table)} rows typed and deduplicated (the quarantine is in raw: strata show raw --table quarantine)`, sql: `SELECT * FROM ${readParquet([join(dir, `${knownTable(table)}.parquet`)])}` }
      const tables = (manifest.metadata as unknown as CuratedMetadata).tables
      return {
        kind: 'rows',
        title: `rows read, curated, quarantined and duplicates per table; the rows of one: --table ${TABLE_NAMES.join('|')}`,
        columns: ['table', 'rows_read', 'curated', 'quarantined', 'duplicates'],
        rows: TABLE_NAMES.map((name) => [name, tables[name]?.rows_read ?? 0, tables[name]?.curated ?? 0, tables[name]?.quarantined ?? 0, tables[name]?.duplicates ?? 0]),
      }
    },
  })
}
