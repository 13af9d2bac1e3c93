import path from 'node:path'
import { quoteIdent, sqlString, sqlStringList, type SqlEngine } from '../../framework/sql/index.js'
import { FEATURE_SAMPLE_FILE } from './feature-stats.js'
import { MODEL_FEATURES, type ModelFeature } from './segment-model-types.js'
import type { FeaturePartition, FeatureStatsPartition } from './segment-model-inputs.js'

/**
 * The k-means sample: up to `limit` training rows in the order of md5(partition | customer_id),
 * a hash any tool can reproduce, so the sample is the same on every rerun and spread over all
 * days and customers. Row-major, seven features per row. Its first rows are the silhouette sample.
 *
 * Each feature_stats partition keeps its candidates (sample.parquet: its rows with md5 below
 * SAMPLE_MD5_BELOW, at most its first `limit`); when the union holds at least `limit` rows, its
 * first `limit` are the window's (see SAMPLE_ROWS_PER_PARTITION). Only candidates whose md5 falls
 * below a threshold (its first 8 hex digits, chosen so that comfortably more than `limit` rows
 * of all n pass) are ordered; the files are in md5 order with small row groups, so the filter
 * skips most of them. Every row that the full order puts first passes too, so the result is the
 * same; when too few pass, the unfiltered query runs, and when the candidates of a short window
 * are fewer than `limit` (and than n), the same order is taken over the features files.
 */
export async function loadSample(conn: SqlEngine, partitions: readonly FeaturePartition[], stats: readonly FeatureStatsPartition[], n: number, limit: number): Promise<Float64Array> {
  const columns = MODEL_FEATURES.map(quoteIdent).join(', ')
  const order = `ORDER BY md5, partition, customer_id, ${columns} LIMIT ${limit}`
  const files = sqlStringList(stats.map((s) => path.join(s.dir, FEATURE_SAMPLE_FILE)))
  let rows = await firstByMd5('md5', n, limit, (filter) => conn.all<Record<ModelFeature, number>>(`SELECT ${columns} FROM read_parquet(${files}) ${filter} ${order}`))
  if (rows.length < limit && rows.length < n) {
    const casts = MODEL_FEATURES.map((f) => `CAST(f.${quoteIdent(f)} AS DOUBLE) AS ${quoteIdent(f)}`).join(', ')
    const names = partitions.map((p) => `(${sqlString(p.file)}, ${sqlString(p.partition)})`).join(', ')
    rows = await conn.all<Record<ModelFeature, number>>(
      `SELECT ${columns} FROM (
         SELECT m.partition, CAST(f.customer_id AS VARCHAR) AS customer_id, md5(m.partition || '|' || CAST(f.customer_id AS VARCHAR)) AS md5, ${casts}
         FROM read_parquet(${sqlStringList(partitions.map((p) => p.file))}, filename = true, hive_partitioning = false) f JOIN (VALUES ${names}) m(file, partition) ON f.filename = m.file
       ) ${order}`,
    )
  }
  return featureMatrix(rows)
}

/** Rows of the seven model features as one row-major matrix. */
export function featureMatrix(rows: readonly Record<ModelFeature, number>[]): Float64Array {
  const d = MODEL_FEATURES.length
  const data = new Float64Array(rows.length * d)
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!
    for (let j = 0; j < d; j++) data[i * d + j] = row[MODEL_FEATURES[j]!]
  }
  return data
}

/**
 * The first `limit` of `n` rows in md5 order, from `query` (given a WHERE clause, or '' for
 * none; it orders and limits): filtered to `md5 < md5Threshold(n, limit)` when that leaves clearly
 * fewer rows, which spares ordering every row; every row the full order puts first passes the
 * filter, so the result is the same. When too few pass, the unfiltered query runs.
 */
export async function firstByMd5<T>(md5: string, n: number, limit: number, query: (filter: string) => Promise<T[]>): Promise<T[]> {
  const threshold = md5Threshold(n, limit)
  if (threshold === undefined) return query('')
  const rows = await query(`WHERE ${md5} < ${sqlString(threshold)}`)
  return rows.length < limit ? query('') : rows
}

/**
 * An 8-hex-digit prefix such that md5 hex strings below it are expected to number `limit` plus
 * a wide margin (2% and 8 binomial standard deviations) out of `n`; undefined when filtering
 * would not leave clearly fewer rows than `n`.
 */
export function md5Threshold(n: number, limit: number): string | undefined {
  const expected = limit * 1.02 + 8 * Math.sqrt(limit) + 64
  if (expected * 2 > n) return undefined
  const bound = Math.ceil((expected / n) * 2 ** 32)
  return bound >= 2 ** 32 ? undefined : bound.toString(16).padStart(8, '0')
}
