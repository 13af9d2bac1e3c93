import { sqlString } from '../../framework/sql/index.js'
import { parquet } from './parquet-sql.js'
import { CDI_BIN_COUNT } from './psi.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type ModelFeature, type SegmentModel } from './segment-model-types.js'
import { rawSegmentQuery } from './segments.js'
import { doubleLiteral } from './sql-literals.js'

// The SQL of drift_report(D), one builder per statement; drift.ts runs them and checks the rows.

/**
 * One row: rows, rows with cdi null or outside 0..100 (`bad`), Σcdi and Σcdi² (exact integers:
 * DuckDB's float aggregates such as stddev_pop vary in their last bits between runs), rows without
 * a segment.
 */
export function cdiSummarySql(segmentsFile: string): string {
  return `
    SELECT count(*) AS rows,
           count(*) FILTER (WHERE cdi IS NULL OR cdi < 0 OR cdi > 100) AS bad,
           sum(CAST(cdi AS HUGEINT)) AS sum,
           sum(CAST(cdi AS HUGEINT) * cdi) AS sum_squares,
           count(*) FILTER (WHERE segment IS NULL) AS null_segments
    FROM ${parquet(segmentsFile)}`
}

/** (bin, n): customers per CDI decile bin; 100 belongs to the closed last bin [90, 100]. */
export function cdiBinCountsSql(segmentsFile: string): string {
  return `
    SELECT least(CAST(cdi AS INTEGER) // 10, ${CDI_BIN_COUNT - 1}) AS bin,
           count(*) AS n
    FROM ${parquet(segmentsFile)}
    GROUP BY bin`
}

/** One row: customers on both days (`both`) and, of those, how many changed final segment. */
export function segmentChurnSql(todayFile: string, yesterdayFile: string): string {
  return `
    SELECT count(*) AS both,
           count(*) FILTER (WHERE t.segment IS DISTINCT FROM y.segment) AS changed
    FROM ${parquet(todayFile)} t
    JOIN ${parquet(yesterdayFile)} y USING (customer_id)`
}

/** (segment, n): customers per final segment. */
export function segmentSizesSql(segmentsFile: string): string {
  return `
    SELECT segment, count(*) AS n
    FROM ${parquet(segmentsFile)}
    GROUP BY segment`
}

/**
 * One row: today's customers, those matched in features(D) under the previous model, and of
 * those how many have another raw segment under it than segments(D) recorded.
 */
export function retrainChurnSql(segmentsFile: string, featuresFile: string, previous: SegmentModel): string {
  const names = `[${SEGMENT_NAMES.map(sqlString).join(', ')}]`
  return `
    SELECT (SELECT count(*) FROM ${parquet(segmentsFile)}) AS today,
           count(*) AS matched,
           count(*) FILTER (WHERE t.raw_segment IS DISTINCT FROM CAST(${names}[p.raw_k + 1] AS VARCHAR)) AS changed
    FROM ${parquet(segmentsFile)} t
    JOIN (${rawSegmentQuery(previous, featuresFile)}) p USING (customer_id)`
}

/**
 * A subquery of both feature samples as distinct-value counts, (side, ord, value, n): side 0 is
 * today's feature_stats values, side 1 the model's baseline; ord is the feature's index in
 * MODEL_FEATURES (features the model does not use are left out).
 */
export function featureSamplesSql(featureValuesFile: string, baselineFile: string): string {
  return `(${featureSide(0, featureValuesFile)}
      UNION ALL${featureSide(1, baselineFile)}
    )`
}

/** One side of featureSamplesSql: a file of (feature, value, n) as (side, ord, value, n). */
export function featureSide(side: number, file: string): string {
  const ord = `CASE feature ${MODEL_FEATURES.map((f, j) => `WHEN ${sqlString(f)} THEN ${j}`).join(' ')} END`
  return `(
      SELECT * FROM (
        SELECT ${side} AS side, ${ord} AS ord, CAST(value AS DOUBLE) AS value, CAST(n AS BIGINT) AS n
        FROM ${parquet(file)}
      ) WHERE ord IS NOT NULL)`
}

/**
 * (side, ord, bin, kbin, n, rows, lo, hi, bad): counts per PSI bin and KS bin (ksBinSql) of each
 * feature and side, with the smallest and largest value of the group; `bad` counts rows with a
 * null value or a null or negative count. One pass over both samples serves PSI and the bounds of
 * the KS gap.
 */
export function featureBinCountsSql(samples: string, edges: Readonly<Record<ModelFeature, readonly number[]>>, ksScales: readonly KsScale[]): string {
  const binOf = MODEL_FEATURES.map((f, j) => `WHEN ${j} THEN ${binExpression('value', edges[f])}`).join(' ')
  return `
    SELECT side, ord,
           CASE ord ${binOf} END AS bin,
           ${ksBinSql(ksScales)} AS kbin,
           CAST(sum(n) AS BIGINT) AS n,
           count(*) AS rows,
           min(value) AS lo,
           max(value) AS hi,
           count(*) FILTER (WHERE value IS NULL OR n IS NULL OR n < 0) AS bad
    FROM ${samples}
    GROUP BY ALL`
}

/**
 * A feature's KS bins: `bins` equal widths from `from` to `to`, on a log scale when `log`, plus
 * one below and one above.
 */
export interface KsScale {
  readonly from: number
  readonly to: number
  readonly bins: number
  readonly log: boolean
}

/**
 * The KS bin of `value` for its feature `ord`, -1 … bins. Any split gives the exact gap as long as
 * each bin holds one interval of values, which drift.ts checks on the bins' smallest and largest
 * values; bins of about equal counts keep the bounds tight (a log scale for a skewed feature).
 */
function ksBinSql(scales: readonly KsScale[]): string {
  const perFeature = scales.map((k, j) => {
    const scale = k.log ? k.bins / (Math.log(k.to) - Math.log(k.from)) : k.bins / (k.to - k.from)
    if (!(Number.isFinite(scale) && scale > 0)) return `WHEN ${j} THEN 0`
    const x = k.log ? `(ln(value) - ${doubleLiteral(Math.log(k.from))})` : `(value - ${doubleLiteral(k.from)})`
    return `WHEN ${j} THEN CASE WHEN value <= ${doubleLiteral(k.from)} THEN -1 ELSE CAST(least(floor(${x} * ${doubleLiteral(scale)}), ${k.bins}) AS INTEGER) END`
  })
  return `CASE ord ${perFeature.join(' ')} END`
}

/**
 * SQL for the left-closed bin of `column` on ascending, distinct `edges`: the number of edges at
 * or below the value, as a binary search of nested CASEs, which costs DuckDB a few comparisons per
 * row instead of one per edge (the same bin as summing `value >= edge` for every edge, NaN
 * included: it is above every edge either way).
 */
export function binExpression(column: string, edges: readonly number[]): string {
  const search = (lo: number, hi: number): string => {
    if (lo === hi) return String(lo)
    const mid = (lo + hi + 1) >> 1
    return `CASE WHEN ${column} < ${doubleLiteral(edges[mid - 1] ?? NaN)} THEN ${search(lo, mid - 1)} ELSE ${search(mid, hi)} END`
  }
  return search(0, edges.length)
}

/**
 * The KS gap per feature over every value: max |cum_t·N_b − cum_b·N_t| over the distinct values of
 * both samples, as an exact integer (ord, gap). One running sum of d = n·N_b (today) or −n·N_t
 * (baseline) in (feature, value) order, ties included (RANGE), gives cum_t·N_b − cum_b·N_t at every
 * row's value. It sorts both samples whole: drift.ts reads the gap within a few KS bins instead
 * (ksBinGapsSql) and runs this only when the bins do not narrow it down.
 *
 * `nt`/`nb` are each feature's total count today and in the baseline.
 */
export function ksGapsSql(samples: string, nt: readonly bigint[], nb: readonly bigint[]): string {
  return `
    SELECT ord, CAST(max(abs(c)) AS HUGEINT) AS gap
    FROM (
      SELECT ord, sum(d) OVER (PARTITION BY ord ORDER BY value RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS c
      FROM (SELECT ord, value, ${ksStepSql(nt, nb)} AS d FROM ${samples})
    )
    GROUP BY ord`
}

/** A KS bin whose gap must be read value by value: feature `ord`, its values `lo` … `hi`, and D before it. */
export interface KsCandidate {
  readonly ord: number
  readonly lo: number
  readonly hi: number
  readonly before: bigint
}

/**
 * (bin, gap): for each candidate bin (its index in `bins`), max |D| over the distinct values in
 * it, D = the bin's `before` plus the running sum of ksGapsSql within the bin, ties included.
 */
export function ksBinGapsSql(samples: string, nt: readonly bigint[], nb: readonly bigint[], bins: readonly KsCandidate[]): string {
  const parts = bins.map(
    (b, i) =>
      `SELECT ${i} AS bin, CAST(${b.before} AS HUGEINT) AS before, value, ${ksStepSql(nt, nb)} AS d FROM ${samples} ` +
      `WHERE ord = ${b.ord} AND value BETWEEN ${doubleLiteral(b.lo)} AND ${doubleLiteral(b.hi)}`,
  )
  return `
    SELECT bin, CAST(max(abs(before + c)) AS HUGEINT) AS gap
    FROM (
      SELECT bin, before, sum(d) OVER (PARTITION BY bin ORDER BY value RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS c
      FROM (${parts.join('\n      UNION ALL ')})
    )
    GROUP BY bin`
}

/** A row's step of D: n·N_b today, −n·N_t in the baseline (per feature, one constant when every feature has the same totals). */
function ksStepSql(nt: readonly bigint[], nb: readonly bigint[]): string {
  const perFeature = (values: readonly bigint[]) =>
    values.every((v) => v === values[0]) ? `CAST(${values[0] ?? 0n} AS BIGINT)` : `CASE ord ${values.map((v, j) => `WHEN ${j} THEN CAST(${v} AS BIGINT)`).join(' ')} END`
  return `CASE WHEN side = 0 THEN n * ${perFeature(nb)} ELSE -(n * ${perFeature(nt)}) END`
}
