import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { quoteIdent, sqlString, type SqlEngine } from '../../framework/sql/index.js'
import { doubleLiteral } from './sql-literals.js'

/** The features a CDI is computed from (SPEC §4), as numbers. */
export interface CdiFeatures {
  readonly pct_trades_digital_90d: number
  readonly app_logins_30d: number
  readonly e_statement_flag: number
  readonly robo_advice_flag: number
  readonly webinars_90d: number
  readonly alerts_enabled_flag: number
  readonly pct_tickets_resolved_digital_90d: number
}

/** The feature columns the CDI reads. */
export const CDI_FEATURES: readonly (keyof CdiFeatures)[] = [
  'pct_trades_digital_90d',
  'app_logins_30d',
  'e_statement_flag',
  'robo_advice_flag',
  'webinars_90d',
  'alerts_enabled_flag',
  'pct_tickets_resolved_digital_90d',
]

/** The four components (doubles) and the rounded score. */
export interface Cdi {
  readonly channel: number
  readonly product: number
  readonly engagement: number
  readonly service: number
  readonly cdi: number
}

/** SQL text for each component and the score; see `cdiSqlExpressions`. */
export type CdiSqlExpressions = { readonly [K in keyof Cdi]: string } & {
  /** The score before rounding (a DOUBLE): select it in an inner query and round it outside with
   * `roundHalfEvenSql`, so the long expression is evaluated once per row, not once per CASE arm. */
  readonly score: string
}

/** The file materializeCdiScores writes inside its output folder. */
export const CDI_SCORES_FILE = 'cdi_scores.parquet'

/** Materialization metadata of cdi_scores(D); the CDI figures are null when there are no rows. */
export type CdiScoresMetadata = {
  readonly rows: number
  readonly cdi_mean: number | null
  readonly cdi_min: number | null
  readonly cdi_max: number | null
}

/** SPEC §4: clamp((x − lo) / (hi − lo), 0, 1). */
function s(x: number, lo: number, hi: number): number {
  return Math.min(Math.max((x - lo) / (hi - lo), 0), 1)
}

/**
 * Round half to even on a double. Exact for every finite double: x − floor(x) is computed
 * without rounding error for |x| < 2^52, so the comparison with 0.5 sees the true fraction.
 *
 * @example
 * roundHalfEven(12.5) // 12
 * roundHalfEven(13.5) // 14
 */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x)
  const d = x - f
  if (d > 0.5) return f + 1
  if (d < 0.5) return f
  return f % 2 === 0 ? f : f + 1
}

/**
 * The CDI of one features row (SPEC §4), evaluated in doubles in exactly the SPEC order. This is
 * the reference that `cdiSqlExpressions` must agree with bit for bit.
 *
 * @example
 * cdiOf({ pct_trades_digital_90d: 1, app_logins_30d: 30, e_statement_flag: 1, robo_advice_flag: 1,
 *         webinars_90d: 4, alerts_enabled_flag: 1, pct_tickets_resolved_digital_90d: 1 }).cdi // 100
 */
export function cdiOf(f: CdiFeatures): Cdi {
  const channel = 0.5 * s(f.pct_trades_digital_90d, 0, 1) + 0.5 * s(f.app_logins_30d, 0, 30)
  const product = 0.6 * f.e_statement_flag + 0.4 * f.robo_advice_flag
  const engagement = 0.5 * s(f.webinars_90d, 0, 4) + 0.5 * f.alerts_enabled_flag
  const service = s(f.pct_tickets_resolved_digital_90d, 0, 1)
  const raw = 100 * (0.4 * channel + 0.3 * product + 0.2 * engagement + 0.1 * service)
  return { channel, product, engagement, service, cdi: roundHalfEven(raw) }
}

/**
 * A DOUBLE literal. A bare `0.4` is DECIMAL in DuckDB and would turn the arithmetic into decimal
 * arithmetic; `doubleLiteral` writes it with an exponent, which DuckDB reads as the nearest double,
 * the same one JavaScript uses (and, unlike a cast from a string, folds into a constant once).
 */
function dbl(literal: string): string {
  return doubleLiteral(Number(literal))
}

/**
 * DuckDB SQL expressions for the four CDI components and the score over a features row, in
 * IEEE-754 doubles and in exactly the SPEC §4 order, so that they agree bit for bit with `cdiOf`.
 * Every column and literal is cast to DOUBLE (no DECIMAL arithmetic happens); the score is
 * rounded half to even on the double and cast to INTEGER.
 *
 * @param alias table alias to qualify the feature columns with, e.g. `'f'` → `f."app_logins_30d"`.
 * @example
 * const e = cdiSqlExpressions('f')
 * await db.run(`SELECT f.customer_id, ${e.cdi} AS cdi FROM read_parquet('features.parquet') f`)
 */
export function cdiSqlExpressions(alias?: string): CdiSqlExpressions {
  const col = (name: keyof CdiFeatures): string => `CAST(${alias === undefined ? '' : `${quoteIdent(alias)}.`}${quoteIdent(name)} AS DOUBLE)`
  const sq = (x: string, lo: string, hi: string): string => `least(greatest((${x} - ${dbl(lo)}) / (${dbl(hi)} - ${dbl(lo)}), ${dbl('0')}), ${dbl('1')})`
  const half = dbl('0.5')
  const channel = `(${half} * ${sq(col('pct_trades_digital_90d'), '0', '1')} + ${half} * ${sq(col('app_logins_30d'), '0', '30')})`
  const product = `(${dbl('0.6')} * ${col('e_statement_flag')} + ${dbl('0.4')} * ${col('robo_advice_flag')})`
  const engagement = `(${half} * ${sq(col('webinars_90d'), '0', '4')} + ${half} * ${col('alerts_enabled_flag')})`
  const service = sq(col('pct_tickets_resolved_digital_90d'), '0', '1')
  const raw = `(${dbl('100')} * (((${dbl('0.4')} * ${channel} + ${dbl('0.3')} * ${product}) + ${dbl('0.2')} * ${engagement}) + ${dbl('0.1')} * ${service}))`
  return { channel, product, engagement, service, score: raw, cdi: roundHalfEvenSql(raw) }
}

/**
 * Half-to-even rounding written out, because DuckDB's `round` rounds half away from zero and
 * the exactness of `round_even` on DOUBLE is not documented. Same reasoning as `roundHalfEven`.
 */
export function roundHalfEvenSql(x: string): string {
  const f = `floor(${x})`
  const d = `(${x} - ${f})`
  return `CAST(CASE WHEN ${d} > ${dbl('0.5')} THEN ${f} + ${dbl('1')} WHEN ${d} < ${dbl('0.5')} THEN ${f} WHEN ${f} % ${dbl('2')} = ${dbl('0')} THEN ${f} ELSE ${f} + ${dbl('1')} END AS INTEGER)`
}

export interface MaterializeCdiScoresOptions {
  readonly db: SqlEngine
  /** features(D) Parquet. */
  readonly featuresFile: string
  readonly outputDir: string
}

/**
 * cdi_scores(D) (SPEC §4, §8): writes `<outputDir>/cdi_scores.parquet` with customer_id VARCHAR,
 * cdi INTEGER and the four components as DOUBLE, one row per features row, ordered by
 * customer_id.
 */
export async function materializeCdiScores(options: MaterializeCdiScoresOptions): Promise<CdiScoresMetadata> {
  const { db, featuresFile, outputDir } = options
  if (!featuresFile.includes('://') && !existsSync(featuresFile)) {
    throw new StrataError('input', `cdi_scores: features file ${featuresFile} does not exist`, 'Materialize features for this partition first.')
  }
  const present = new Set((await db.describe(`SELECT * FROM read_parquet(${sqlString(featuresFile)})`)).map((c) => c.name))
  const missing = ['customer_id', ...CDI_FEATURES].filter((c) => !present.has(c))
  if (missing.length > 0) {
    throw new StrataError('input', `cdi_scores: features file ${featuresFile} lacks column(s) ${missing.join(', ')}`, 'Rebuild features for this partition with the SPEC §3 columns.')
  }
  mkdirSync(outputDir, { recursive: true })
  const outFile = path.join(outputDir, CDI_SCORES_FILE)
  await db.run(copyCdiScoresSql(featuresFile, outFile))
  const [m] = await db.all<{ rows: bigint; cdi_mean: number | null; cdi_min: number | null; cdi_max: number | null }>(cdiScoresSummarySql(outFile))
  return { rows: Number(m?.rows ?? 0n), cdi_mean: m?.cdi_mean ?? null, cdi_min: m?.cdi_min ?? null, cdi_max: m?.cdi_max ?? null }
}

/** Writes cdi_scores.parquet: per features row, the CDI and its four components, ordered by customer_id. */
function copyCdiScoresSql(featuresFile: string, outFile: string): string {
  const e = cdiSqlExpressions('f')
  return `
    COPY (
      SELECT customer_id, ${roundHalfEvenSql('score')} AS cdi, channel, product, engagement, service
      FROM (
        SELECT CAST(f.customer_id AS VARCHAR) AS customer_id,
               ${e.score} AS score,
               ${e.channel} AS channel,
               ${e.product} AS product,
               ${e.engagement} AS engagement,
               ${e.service} AS service
        FROM read_parquet(${sqlString(featuresFile)}) f
      )
      ORDER BY customer_id
    ) TO ${sqlString(outFile)} (FORMAT parquet)`
}

/** One row: rows, mean, min and max CDI of a cdi_scores file (its materialization metadata). */
function cdiScoresSummarySql(scoresFile: string): string {
  return `
    SELECT count(*) AS rows,
           avg(cdi) AS cdi_mean,
           min(cdi) AS cdi_min,
           max(cdi) AS cdi_max
    FROM read_parquet(${sqlString(scoresFile)})`
}
