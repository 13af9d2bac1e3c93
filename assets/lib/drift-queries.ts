import { sqlString } from '../../framework/sql/index.js'
import { parquet } from './parquet-sql.js'
import { CDI_BIN_COUNT } from './psi.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type ModelFeature, type SegmentModel } from './segment-model-types.js'
import { rawSegmentQuery } from './segments.js'
import { doubleLiteral } from './sql-literals.js'

// The SQL of drift_report(D), one builder per statement; drift.ts runs them and checks the rows.

/** One row: rows, rows with cdi null or outside 0..100 (`bad`), mean, population std, rows without a segment. */
export function cdiSummarySql(segmentsFile: string): string {
  return `
    SELECT count(*) AS rows,
           count(*) FILTER (WHERE cdi IS NULL OR cdi < 0 OR cdi > 100) AS bad,
           avg(cdi) AS mean,
           stddev_pop(cdi) AS std,
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
  const ord = `CASE feature ${MODEL_FEATURES.map((f, j) => `WHEN ${sqlString(f)} THEN ${j}`).join(' ')} END`
  const side = (n: number, file: string) => `
      SELECT * FROM (
        SELECT ${n} AS side, ${ord} AS ord, CAST(value AS DOUBLE) AS value, CAST(n AS BIGINT) AS n
        FROM ${parquet(file)}
      ) WHERE ord IS NOT NULL`
  return `(${side(0, featureValuesFile)}
      UNION ALL${side(1, baselineFile)}
    )`
}

/** (side, ord, bin, n, bad): counts per PSI bin of each feature and side; `bad` counts rows with a null value or a null or negative count. */
export function featureBinCountsSql(samples: string, edges: Readonly<Record<ModelFeature, readonly number[]>>): string {
  const binOf = MODEL_FEATURES.map((f, j) => `WHEN ${j} THEN ${binExpression('value', edges[f])}`).join(' ')
  return `
    SELECT side, ord,
           CASE ord ${binOf} END AS bin,
           CAST(sum(n) AS BIGINT) AS n,
           count(*) FILTER (WHERE value IS NULL OR n IS NULL OR n < 0) AS bad
    FROM ${samples}
    GROUP BY ALL`
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
 * The KS gaps, two ways that must give the same rows (ord, gap, unsorted): per feature the gap
 * max |cum_t·N_b − cum_b·N_t| over the distinct values of both samples, as an exact integer. One
 * running sum of d = n·N_b (today) or −n·N_t (baseline) over the samples ordered by (feature,
 * value) gives cum_t·N_b − cum_b·N_t; it is read where the value changes, i.e. after each
 * distinct value with its ties on both sides. Each feature's d add up to N_t·N_b − N_b·N_t = 0,
 * so the sum restarts at every feature without a PARTITION BY (which costs DuckDB many times
 * more here).
 *
 * - fast (`streaming`): the running sum streams over the sorted subquery, which DuckDB keeps in
 *   order; `unsorted` counts any row that arrives out of order, and drift.ts then runs
 * - exact: the order inside the window, which is slower but does not depend on that.
 *
 * `nt`/`nb` are each feature's total count today and in the baseline.
 */
export function ksGapsSql(samples: string, nt: readonly bigint[], nb: readonly bigint[], path: 'streaming' | 'ordered-window'): string {
  // Every feature has the same totals unless an input is corrupt; one constant is then cheaper.
  const perFeature = (values: readonly bigint[]) =>
    values.every((v) => v === values[0]) ? `CAST(${values[0] ?? 0n} AS BIGINT)` : `CASE ord ${values.map((v, j) => `WHEN ${j} THEN CAST(${v} AS BIGINT)`).join(' ')} END`
  const d = `CASE WHEN side = 0 THEN n * ${perFeature(nb)} ELSE -(n * ${perFeature(nt)}) END`
  const streaming = path === 'streaming'
  return `
    SELECT prev_ord AS ord,
           CAST(max(abs(c - d)) AS HUGEINT) AS gap,
           count(*) FILTER (WHERE ord < prev_ord OR (ord = prev_ord AND value < prev_value)) AS unsorted
    FROM (
      SELECT ord, value, d, sum(d) OVER w AS c, lag(ord) OVER w AS prev_ord, lag(value) OVER w AS prev_value
      FROM (SELECT ord, value, ${d} AS d FROM ${samples}${streaming ? ' ORDER BY ord, value' : ''})
      WINDOW w AS (${streaming ? '' : 'ORDER BY ord, value '}ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
    WHERE prev_ord IS NOT NULL AND (ord <> prev_ord OR value <> prev_value)
    GROUP BY prev_ord`
}
