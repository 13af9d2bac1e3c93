import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { quoteIdent, sqlString, sqlStringList, type SqlEngine } from '../../framework/sql/index.js'
import { FEATURE_GROUPS_FILE, FEATURE_VALUES_FILE } from './feature-stats.js'
import { readJsonFile } from './json-file.js'
import type { FeatureStatsPartition } from './segment-model-inputs.js'
import { MODEL_FEATURES } from './segment-model-types.js'
import { featureOrdSql } from './segment-model-baseline.js'

/** Days one week_stats partition sums: the week before its Monday (Monday-7 … Monday-1). */
export const WEEK_STATS_DAYS = 7

/** The file week_stats writes beside its groups.parquet and values.parquet: which days it sums. */
export const WEEK_STATS_FILE = 'week.json'

/** `week.json`: the feature_stats days a week_stats partition sums, and their rows. */
export interface WeekStatsDocument {
  readonly week: string
  readonly days: readonly string[]
  readonly rows: number
}

/** A week_stats partition as segment_model reads it. */
export interface WeekStatsPartition {
  /** The week's Monday; it sums the days before it (Monday-7 … Monday-1). */
  readonly week: string
  /** The partition folder (week.json, groups.parquet, values.parquet). */
  readonly dir: string
}

export type WeekStatsMetadata = {
  readonly days: number
  readonly rows: number
  readonly groups: number
  readonly values: number
}

/**
 * week_stats(week): the feature_stats groups (distinct vectors) and value counts of the
 * WEEK_STATS_DAYS days before the week, each summed over those days. The weekly model reads 12 of
 * these and the 6 days left of its 90 instead of 90 days of files: at 1M customers a week's 6.4M
 * day vectors are 3.5M distinct and its 6.4M (feature, value) counts 1.8M, so the model's
 * assignment pass and baseline read about half as many rows. Every use weighs a row by its count, so the sums do not change.
 *
 * Both files are sorted on all their columns, so a rerun writes the same bytes.
 */
export async function computeWeekStats(options: { readonly db: SqlEngine; readonly week: string; readonly stats: readonly FeatureStatsPartition[]; readonly outputDir: string }): Promise<WeekStatsMetadata> {
  const { db, week, outputDir } = options
  if (!/^\d{4}-\d{2}-\d{2}$/.test(week)) throw new StrataError('partition', `week_stats: "${week}" is not a YYYY-MM-DD week`)
  const stats = [...options.stats].sort((a, b) => (a.partition < b.partition ? -1 : 1))
  if (stats.length === 0) {
    throw new StrataError('input', `week_stats: no feature_stats partitions in the ${WEEK_STATS_DAYS} days before ${week}`, `Materialize feature_stats for those days, then rerun week_stats for ${week}.`)
  }
  const files = (name: string) => sqlStringList(stats.map((s) => path.join(s.dir, name)))
  const features = MODEL_FEATURES.map(quoteIdent).join(', ')
  mkdirSync(outputDir, { recursive: true })
  const groupsFile = path.join(outputDir, FEATURE_GROUPS_FILE)
  // COPY returns the rows it wrote.
  const [groups] = await db.all<{ Count: bigint }>(
    `COPY (SELECT ${features}, cdi, CAST(sum(n) AS BIGINT) AS n FROM read_parquet(${files(FEATURE_GROUPS_FILE)}) GROUP BY ALL ORDER BY ALL)
     TO ${sqlString(groupsFile)} (FORMAT parquet)`,
  )
  const [values] = await db.all<{ Count: bigint }>(
    `COPY (SELECT feature, value, n FROM (SELECT feature, value, CAST(sum(n) AS BIGINT) AS n FROM read_parquet(${files(FEATURE_VALUES_FILE)}) GROUP BY ALL) ORDER BY ${featureOrdSql('feature')}, value)
     TO ${sqlString(path.join(outputDir, FEATURE_VALUES_FILE))} (FORMAT parquet)`,
  )
  const [total] = await db.all<{ rows: bigint | null }>(`SELECT CAST(sum(n) AS BIGINT) AS rows FROM read_parquet(${sqlString(groupsFile)})`)
  const rows = Number(total?.rows ?? 0n)
  const document: WeekStatsDocument = { week, days: stats.map((s) => s.partition), rows }
  writeFileSync(path.join(outputDir, WEEK_STATS_FILE), `${JSON.stringify(document, null, 2)}\n`)
  return { days: stats.length, rows, groups: Number(groups?.Count ?? 0n), values: Number(values?.Count ?? 0n) }
}

/** Reads and checks one partition's week.json. */
export function readWeekStats(partition: WeekStatsPartition): WeekStatsDocument {
  const file = path.join(partition.dir, WEEK_STATS_FILE)
  const fix = `Rebuild it: strata materialize week_stats --partition ${partition.week} --force`
  const doc = readJsonFile(file, 'week_stats', fix) as Partial<WeekStatsDocument> | null
  const ok =
    doc !== null &&
    doc.week === partition.week &&
    Array.isArray(doc.days) &&
    doc.days.every((d) => typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d)) &&
    typeof doc.rows === 'number' &&
    Number.isSafeInteger(doc.rows) &&
    doc.rows >= 0
  if (!ok) throw new StrataError('corrupt', `week_stats: ${file} is not the summary of week ${partition.week}`, fix)
  return doc as WeekStatsDocument
}
