import { quoteIdent, sqlString } from '../../framework/sql/index.js'
import { cdiSqlExpressions, roundHalfEvenSql } from './cdi.js'
import { parquet } from './parquet-sql.js'
import { MODEL_FEATURES } from './segment-model-types.js'
import { doubleLiteral } from './sql-literals.js'

// The SQL of feature_stats(D), one builder per statement; feature-stats.ts runs them in order.

/** The temp table of the day's distinct vectors: the seven features, cdi, n (rows), null_ids, first_row. */
export const GROUPS_TABLE = 'feature_stats_groups'

const FEATURES = MODEL_FEATURES.map(quoteIdent).join(', ')

/**
 * Creates GROUPS_TABLE in one pass over the features file: rows grouped by the seven model
 * features (as DOUBLE) and the CDI (SPEC §4, from the row's features; the segment model names
 * clusters by it), with the count of rows and of null customer ids per group, and the file row
 * that first holds it. NULL features form groups of their own, so featureRangesSql still sees them.
 */
export function createFeatureGroupsSql(featuresFile: string): string {
  const columns = MODEL_FEATURES.map((f) => `CAST(f.${quoteIdent(f)} AS DOUBLE) AS ${quoteIdent(f)}`).join(', ')
  return `
    CREATE OR REPLACE TEMP TABLE ${GROUPS_TABLE} AS
    SELECT ${FEATURES},
           CAST(${roundHalfEvenSql('cdi_score')} AS INTEGER) AS cdi,
           count(*) AS n,
           count(*) FILTER (WHERE customer_id IS NULL) AS null_ids,
           min(file_row_number) AS first_row
    FROM (
      SELECT ${columns}, f.customer_id, f.file_row_number, ${cdiSqlExpressions('f').score} AS cdi_score
      FROM read_parquet(${sqlString(featuresFile)}, file_row_number = true) f
    )
    GROUP BY ALL`
}

/** One row: n, null_ids, and per feature j min{j}, max{j} and bad{j} (null or non-finite values). */
export function featureRangesSql(): string {
  const perFeature = MODEL_FEATURES.map((c, j) => {
    const x = quoteIdent(c)
    return `min(${x}) AS min${j}, max(${x}) AS max${j}, count(*) FILTER (WHERE ${x} IS NULL OR NOT isfinite(${x})) AS bad${j}`
  })
  return `
    SELECT coalesce(sum(n), 0) AS n,
           coalesce(sum(null_ids), 0) AS null_ids,
           ${perFeature.join(',\n           ')}
    FROM ${GROUPS_TABLE}`
}

/**
 * One row of HUGEINT sums on each feature's grid (see gridOf in feature-stats.ts): s{j} = Σ n·a_j
 * and s{j}_{k} = Σ n·a_j·a_k for k ≥ j, where a_j = round((x_j − centre_j) · 2^-g_j).
 */
export function gridMomentsSql(grids: readonly { readonly g: number; readonly centre: number }[]): string {
  const ints = MODEL_FEATURES.map((f, j) => {
    const { g, centre } = grids[j]!
    return `CAST(round((${quoteIdent(f)} - ${doubleLiteral(centre)}) * ${doubleLiteral(2 ** -g)}) AS HUGEINT) AS a${j}`
  })
  const sums: string[] = []
  for (let j = 0; j < MODEL_FEATURES.length; j++) {
    // n first: DuckDB then multiplies n · a_j once per row for all of the row's products.
    sums.push(`sum(n * a${j}) AS s${j}`)
    for (let k = j; k < MODEL_FEATURES.length; k++) sums.push(`sum(n * a${j} * a${k}) AS s${j}_${k}`)
  }
  return `
    SELECT ${sums.join(', ')}
    FROM (
      SELECT ${ints.join(', ')}, CAST(n AS HUGEINT) AS n
      FROM ${GROUPS_TABLE}
    )`
}

/** Writes values.parquet (feature, value, n): per feature in MODEL_FEATURES order, each distinct value and its count. */
export function copyFeatureValuesSql(file: string): string {
  const perFeature = MODEL_FEATURES.map(
    (f, j) => `SELECT ${j} AS ord, ${sqlString(f)} AS feature, ${quoteIdent(f)} AS value, sum(n) AS n FROM ${GROUPS_TABLE} GROUP BY ALL`,
  )
  return `
    COPY (
      SELECT CAST(feature AS VARCHAR) AS feature, value, CAST(n AS BIGINT) AS n
      FROM (${perFeature.join('\n            UNION ALL ')})
      ORDER BY ord, value
    ) TO ${sqlString(file)} (FORMAT parquet)`
}

/** (feature, n): the distinct values per feature in a values.parquet. */
export function distinctValueCountsSql(valuesFile: string): string {
  return `
    SELECT feature, count(*) AS n
    FROM ${parquet(valuesFile)}
    GROUP BY feature`
}

/**
 * Writes groups.parquet: the distinct vectors in the order the features file first holds them, so
 * that the file is the same bytes on every rerun (the group order of a parallel aggregate is not).
 * Sorting on that one integer costs a third of sorting on the eight columns (0.2 against 0.6 CPU-s
 * at 1M customers); the file is ~1.5× larger, which the model's pass over it did not feel.
 */
export function copyFeatureGroupsSql(file: string): string {
  return `
    COPY (
      SELECT ${FEATURES}, cdi, CAST(n AS BIGINT) AS n
      FROM ${GROUPS_TABLE}
      ORDER BY first_row
    ) TO ${sqlString(file)} (FORMAT parquet)`
}

/**
 * Writes sample.parquet: of the partition's rows with md5(partition | customer_id) below
 * `md5Below`, the first `rows` in md5 order, in row groups of `rowGroupSize`.
 */
export function copyFeatureSampleSql(featuresFile: string, partition: string, file: string, sample: { md5Below: string; rows: number; rowGroupSize: number }): string {
  const columns = MODEL_FEATURES.map((f) => `CAST(${quoteIdent(f)} AS DOUBLE) AS ${quoteIdent(f)}`).join(', ')
  const p = sqlString(partition)
  return `
    COPY (
      SELECT CAST(${p} AS VARCHAR) AS partition, customer_id, md5(${p} || '|' || customer_id) AS md5, ${columns}
      FROM (SELECT * REPLACE (CAST(customer_id AS VARCHAR) AS customer_id) FROM ${parquet(featuresFile)})
      WHERE md5(${p} || '|' || customer_id) < ${sqlString(sample.md5Below)}
      ORDER BY md5, customer_id, ${FEATURES}
      LIMIT ${sample.rows}
    ) TO ${sqlString(file)} (FORMAT parquet, ROW_GROUP_SIZE ${sample.rowGroupSize})`
}
