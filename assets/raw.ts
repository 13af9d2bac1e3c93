import { defineAsset, type AssetCheck } from '../framework/definitions/index.js'
import { daily, printable } from '../framework/partitions/index.js'
import { StrataError } from '../framework/errors/index.js'
import { readParquet, sqlString } from '../framework/sql/index.js'
import { join } from 'node:path'
import type { CdiResources } from './cdi-resources.js'
import { withConnection } from './cdi-resources.js'
import type { CdiConfig } from './cdi-config.js'
import { quarantineRateMetrics } from './lib/operational-metrics.js'
import { materializeRaw, quarantineViolations, type RawMetadata } from './lib/raw.js'
import { TABLE_NAMES, tableSpec } from './lib/tables.js'
import type { JsonObject } from '../framework/definitions/json.js'
import type { Landing } from './landing/index.js'

/** Blocking: a table whose quarantined / rows read exceeds the threshold fails the partition (SPEC §1). */
function quarantineRate(threshold: number): AssetCheck {
  return {
    name: 'quarantine_rate',
    severity: 'error',
    blocking: true,
    description: `quarantined / rows read ≤ ${threshold} for every table`,
    async run({ metadata }) {
      const over = quarantineViolations(metadata as unknown as RawMetadata, threshold)
      return over.length === 0
        ? { passed: true, message: `every table quarantined at most ${threshold * 100}% of its rows` }
        : { passed: false, failingCount: over.length, message: `quarantine rate over ${threshold * 100}% in ${over.map((v) => `${v.table} (${(v.rate * 100).toFixed(2)}%)`).join(', ')}; the quarantine is kept in raw — fix the landing files and rebuild` }
    },
  }
}

/** raw(D): the six landing tables as landed, schema-checked, with the quarantine (SPEC §1, §2). */
export function rawAsset(config: CdiConfig, landing: Landing) {
  return defineAsset<CdiResources>({
    key: 'raw',
    description: 'The six landing tables of ingest_date=D as landed (text), schema-checked; bad rows in the quarantine.',
    partitions: daily({ start: config.firstDay }),
    codeVersion: 'raw-v4',
    checks: [quarantineRate(config.quarantineThreshold)],
    // The landing day's files are recorded with each commit; a re-delivered file makes raw(D) stale.
    source: landing,
    freshness: { dueBy: '03:00Z', warnAfter: '02:30Z' },
    async materialize({ partition, outputDir, resources }) {
      // A day run alone gets every core: its tables are read side by side.
      const metadata = await withConnection(resources, (db) => materializeRaw({ db, landing: resources.landing, day: partition, outputDir, parallel: resources.threads?.threads() ?? 1 }))
      // Published only when cloudwatch.enabled / STRATA_CLOUDWATCH=1 gave the resource; stamped D like the drift figures.
      await resources.metrics?.publish(quarantineRateMetrics(metadata), new Date(`${partition}T00:00:00Z`))
      return { metadata: metadata as unknown as JsonObject }
    },
    show({ dir, manifest, table }) {
      if (table === 'quarantine') {
        return { kind: 'sql', title: 'the quarantined rows of every table: line in the landing file, every rule broken, the original record', sql: `SELECT "table", line, reason, original FROM ${readParquet([join(dir, 'quarantine.parquet')])} ORDER BY "table", line` }
      }
      if (table !== undefined) {
        // SPEC §8: raw --table NAME is that table's quarantine (the typed rows are curated's).
        const name = knownTable(table, ['quarantine'])
        return { kind: 'sql', title: `the quarantined rows of ${name}: line in the landing file, every rule broken, the original record (its curated rows: strata show curated --table ${name})`, sql: `SELECT "table", line, reason, original FROM ${readParquet([join(dir, 'quarantine.parquet')])} WHERE "table" = ${sqlString(name)} ORDER BY line` }
      }
      const tables = (manifest.metadata as unknown as RawMetadata).tables
      const parts = TABLE_NAMES.map((name) => {
        const m = tables[name]
        const id = tableSpec(name).idColumn
        return `SELECT '${name}' AS "table", ${m?.rows_read ?? 0}::BIGINT AS rows_read, count(DISTINCT "${id}")::BIGINT AS curated, ${m?.quarantined ?? 0}::BIGINT AS quarantined, (count(*) - count(DISTINCT "${id}"))::BIGINT AS duplicates FROM ${readParquet([join(dir, `${name}.parquet`)])}`
      })
      return { kind: 'sql', title: `rows read, curated, quarantined and duplicates per table; the quarantined rows of one table: --table ${TABLE_NAMES.join('|')}; of all: --table quarantine`, sql: parts.join(' UNION ALL ') }
    },
  })
}

/** Only the six known table names ever reach SQL text. */
export function knownTable(table: string, also: readonly string[] = []): string {
  if (!(TABLE_NAMES as readonly string[]).includes(table)) {
    throw new StrataError('usage', `unknown table "${printable(table)}"`, `Tables: ${[...TABLE_NAMES, ...also].join(', ')}.`)
  }
  return table
}
