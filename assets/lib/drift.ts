import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { quoteIdent, sqlString, type DuckDb } from '../../resources/duckdb.js'
import { validateDriftReport } from './drift-report-schema.js'
import { CDI_BIN_COUNT, mergeEdges, psiFromCounts } from './psi.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type BaselineEdges, type ModelFeature, type SegmentModel, type SegmentName } from './segment-model-types.js'
import { assertUsableModel, doubleLiteral, requireParquetColumns } from './segments.js'

/** Thresholds of SPEC §7. A figure equal to a threshold stays in the lower band. */
export const DRIFT_THRESHOLDS = {
  cdiPsiWarn: 0.1,
  cdiPsiAlert: 0.2,
  featurePsiWarn: 0.1,
  featurePsiAlert: 0.25,
  segmentChurnAlert: 0.25,
} as const

/** D is in warm-up while it is fewer than this many days after the first landing day. */
export const WARMUP_DAYS = 89

export type DriftStatus = 'ok' | 'warn' | 'alert'

/** Names of the metrics record (SPEC §7), as published to CloudWatch namespace `CDI`. */
export type MetricName = 'CDI_Mean' | 'CDI_StdDev' | 'Segment_Size' | 'PSI_CDI' | 'Segment_Churn' | 'RunCompleted'

/** One figure of the metrics record; `unit` is a CloudWatch StandardUnit. */
export interface MetricDatum {
  readonly name: MetricName
  readonly value: number
  readonly unit: 'None' | 'Count'
  readonly dimensions?: Readonly<Record<string, string>>
}

export interface FeatureDrift {
  /** PSI of today's values against the training window, on the baseline's quantile bins. */
  readonly psi: number | null
  /** Two-sample KS statistic against the training window; informative only. */
  readonly ks: number | null
}

export interface DriftRowCounts {
  /** Customers in segments(D). */
  readonly today: number
  /** Customers in segments(D-1); null without a yesterday. */
  readonly yesterday: number | null
  /** Customers in both; the denominator of segment_churn. Null without a yesterday. */
  readonly both_days: number | null
}

/** The drift_report document (SPEC §8), exactly these keys. */
export interface DriftReport {
  readonly partition: string
  readonly warmup: boolean
  readonly cdi_psi: number | null
  readonly segment_churn: number | null
  readonly cdi_mean: number | null
  readonly cdi_std: number | null
  readonly segment_sizes: Readonly<Record<SegmentName, number>>
  readonly features: Readonly<Record<ModelFeature, FeatureDrift>>
  readonly status: DriftStatus
  readonly notes: readonly string[]
  readonly row_counts: DriftRowCounts
  readonly metrics: readonly MetricDatum[]
}

export interface BuildDriftReportOptions {
  readonly db: DuckDb
  /** The partition D, YYYY-MM-DD. */
  readonly day: string
  /** The first landing day, which starts the warm-up count. */
  readonly firstLandingDay: string
  readonly segmentsFile: string
  /** segments(D-1); omitted on the first partition, which makes the day-over-day figures null. */
  readonly previousSegmentsFile?: string
  readonly featuresFile: string
  /** The segment_model partition folder: baseline.parquet and baseline_edges.json. */
  readonly modelDir: string
  readonly model: SegmentModel
  readonly outputDir: string
}

export const DRIFT_REPORT_FILE = 'report.json'
export const DRIFT_METRICS_FILE = 'metrics.json'

/**
 * drift_report(D) (SPEC §7): compares today's CDI with yesterday's, today's final segments with
 * yesterday's, and today's model features with the model's training window. Validates the
 * document against the schema, then writes `<outputDir>/report.json` and the metrics record
 * `<outputDir>/metrics.json` (a JSON array of MetricDatum).
 */
export async function buildDriftReport(options: BuildDriftReportOptions): Promise<DriftReport> {
  const { db, day, firstLandingDay, segmentsFile, previousSegmentsFile, featuresFile, modelDir, model, outputDir } = options
  const daysIn = daysBetween(firstLandingDay, day)
  if (daysIn < 0) {
    throw new StrataError('partition', `drift_report ${day} is before the first landing day ${firstLandingDay}`, 'Check STRATA_START and the partition key.')
  }
  const warmup = daysIn < WARMUP_DAYS
  assertUsableModel(model)
  await requireParquetColumns(db, segmentsFile, ['customer_id', 'cdi', 'segment'], 'segments')
  if (previousSegmentsFile !== undefined) await requireParquetColumns(db, previousSegmentsFile, ['customer_id', 'cdi', 'segment'], 'segments(D-1)')
  await requireParquetColumns(db, featuresFile, MODEL_FEATURES, 'features')
  const baselineFile = path.join(modelDir, 'baseline.parquet')
  await requireParquetColumns(db, baselineFile, ['feature', 'value', 'n'], 'segment_model baseline')
  const edges = readEdges(path.join(modelDir, 'baseline_edges.json'))

  const notes: string[] = []
  const today = await cdiSummary(db, segmentsFile, 'segments')
  const yesterday = previousSegmentsFile === undefined ? null : await cdiSummary(db, previousSegmentsFile, 'segments(D-1)')

  let cdiPsi: number | null = null
  let churn: number | null = null
  let bothDays: number | null = null
  if (yesterday === null) {
    notes.push(`No segments(D-1): ${day} is the first partition of segments, so cdi_psi, segment_churn and the yesterday/both_days row counts are null.`)
  } else {
    cdiPsi = psiFromCounts(today.bins, yesterday.bins)
    if (cdiPsi === null) notes.push(`cdi_psi is null: segments(D) has ${today.rows} rows and segments(D-1) has ${yesterday.rows}.`)
    const c = await segmentChurn(db, segmentsFile, previousSegmentsFile ?? '')
    bothDays = c.both
    churn = c.both === 0 ? null : c.changed / c.both
    if (churn === null) notes.push('segment_churn is null: no customer is present on both days.')
  }
  if (today.rows === 0) notes.push('segments(D) has no rows: cdi_mean, cdi_std and the feature figures are null.')

  const features = await featureDrift(db, featuresFile, baselineFile, edges)
  const sizes = await segmentSizes(db, segmentsFile)

  const { status, reasons, capped } = driftStatus({ cdiPsi, segmentChurn: churn, featurePsi: Object.fromEntries(MODEL_FEATURES.map((f) => [f, features[f].psi])), warmup })
  notes.push(...reasons)
  if (warmup) {
    notes.push(`Warm-up: ${day} is ${daysIn} day(s) after the first landing day ${firstLandingDay} (fewer than ${WARMUP_DAYS}); the 90-day feature windows are still filling.`)
  }
  if (capped) notes.push('Status capped at warn during warm-up; outside warm-up these figures would raise alert.')

  const report: DriftReport = {
    partition: day,
    warmup,
    cdi_psi: cdiPsi,
    segment_churn: churn,
    cdi_mean: today.mean,
    cdi_std: today.std,
    segment_sizes: sizes,
    features,
    status,
    notes,
    row_counts: { today: today.rows, yesterday: yesterday?.rows ?? null, both_days: bothDays },
    metrics: metricsRecord({ cdiMean: today.mean, cdiStd: today.std, sizes, cdiPsi, churn }),
  }
  validateDriftReport(report)
  mkdirSync(outputDir, { recursive: true })
  writeFileSync(path.join(outputDir, DRIFT_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(path.join(outputDir, DRIFT_METRICS_FILE), `${JSON.stringify(report.metrics, null, 2)}\n`)
  return report
}

export interface DriftFigures {
  readonly cdiPsi: number | null
  readonly segmentChurn: number | null
  readonly featurePsi: Readonly<Record<string, number | null>>
  readonly warmup: boolean
}

/**
 * The status of SPEC §7 and the figures that raised it. Null figures are skipped; KS never
 * counts; churn has no warn band; during warm-up an alert is capped at warn (`capped`).
 */
export function driftStatus(figures: DriftFigures): { status: DriftStatus; reasons: string[]; capped: boolean } {
  const t = DRIFT_THRESHOLDS
  const alerts: string[] = []
  const warns: string[] = []
  const { cdiPsi, segmentChurn } = figures
  if (cdiPsi !== null) {
    if (cdiPsi > t.cdiPsiAlert) alerts.push(`cdi_psi ${cdiPsi} > ${t.cdiPsiAlert}`)
    else if (cdiPsi > t.cdiPsiWarn) warns.push(`cdi_psi ${cdiPsi} in (${t.cdiPsiWarn}, ${t.cdiPsiAlert}]`)
  }
  if (segmentChurn !== null && segmentChurn > t.segmentChurnAlert) alerts.push(`segment_churn ${segmentChurn} > ${t.segmentChurnAlert}`)
  for (const [feature, psi] of Object.entries(figures.featurePsi)) {
    if (psi === null) continue
    if (psi > t.featurePsiAlert) alerts.push(`${feature} psi ${psi} > ${t.featurePsiAlert}`)
    else if (psi > t.featurePsiWarn) warns.push(`${feature} psi ${psi} in (${t.featurePsiWarn}, ${t.featurePsiAlert}]`)
  }
  const reasons = [...alerts.map((r) => `alert: ${r}`), ...warns.map((r) => `warn: ${r}`)]
  if (alerts.length > 0) return figures.warmup ? { status: 'warn', reasons, capped: true } : { status: 'alert', reasons, capped: false }
  return { status: warns.length > 0 ? 'warn' : 'ok', reasons, capped: false }
}

/** Whole days from `from` to `to` (both YYYY-MM-DD, UTC). */
export function daysBetween(from: string, to: string): number {
  return (parseDay(to) - parseDay(from)) / 86_400_000
}

function parseDay(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day) {
    throw new StrataError('partition', `"${day}" is not a real calendar date`, 'Use YYYY-MM-DD, e.g. 2026-02-28.')
  }
  return ms
}

/** The metrics record: the report's figures, null ones left out, then RunCompleted = 1. */
function metricsRecord(f: { cdiMean: number | null; cdiStd: number | null; sizes: Record<SegmentName, number>; cdiPsi: number | null; churn: number | null }): MetricDatum[] {
  const metrics: MetricDatum[] = []
  if (f.cdiMean !== null) metrics.push({ name: 'CDI_Mean', value: f.cdiMean, unit: 'None' })
  if (f.cdiStd !== null) metrics.push({ name: 'CDI_StdDev', value: f.cdiStd, unit: 'None' })
  for (const name of SEGMENT_NAMES) metrics.push({ name: 'Segment_Size', value: f.sizes[name], unit: 'Count', dimensions: { Segment: name } })
  if (f.cdiPsi !== null) metrics.push({ name: 'PSI_CDI', value: f.cdiPsi, unit: 'None' })
  if (f.churn !== null) metrics.push({ name: 'Segment_Churn', value: f.churn, unit: 'None' })
  metrics.push({ name: 'RunCompleted', value: 1, unit: 'Count' })
  return metrics
}

interface CdiSummary {
  readonly rows: number
  readonly mean: number | null
  readonly std: number | null
  /** Counts per fixed CDI bin. */
  readonly bins: number[]
}

async function cdiSummary(db: DuckDb, file: string, what: string): Promise<CdiSummary> {
  const src = `read_parquet(${sqlString(file)})`
  const [s] = await db.all<{ rows: bigint; bad: bigint; mean: number | null; std: number | null }>(
    `SELECT count(*) AS rows, count(*) FILTER (WHERE cdi IS NULL OR cdi < 0 OR cdi > 100) AS bad,
            avg(cdi) AS mean, stddev_pop(cdi) AS std
     FROM ${src}`,
  )
  if (!s) throw new StrataError('compute', `${what}: no summary row for ${file}`)
  if (s.bad > 0n) throw new StrataError('input', `${what}: ${file} has ${s.bad} row(s) with cdi null or outside 0..100`, `Rebuild ${what}.`)
  // 100 belongs to the closed last bin [90,100].
  const rows = await db.all<{ bin: number; n: bigint }>(`SELECT least(CAST(cdi AS INTEGER) // 10, ${CDI_BIN_COUNT - 1}) AS bin, count(*) AS n FROM ${src} GROUP BY bin`)
  const bins = new Array<number>(CDI_BIN_COUNT).fill(0)
  for (const r of rows) bins[r.bin] = Number(r.n)
  return { rows: Number(s.rows), mean: s.rows > 0n ? s.mean : null, std: s.rows > 0n ? s.std : null, bins }
}

async function segmentChurn(db: DuckDb, todayFile: string, yesterdayFile: string): Promise<{ both: number; changed: number }> {
  const [r] = await db.all<{ both: bigint; changed: bigint }>(
    `SELECT count(*) AS both, count(*) FILTER (WHERE t.segment IS DISTINCT FROM y.segment) AS changed
     FROM read_parquet(${sqlString(todayFile)}) t JOIN read_parquet(${sqlString(yesterdayFile)}) y USING (customer_id)`,
  )
  return { both: Number(r?.both ?? 0n), changed: Number(r?.changed ?? 0n) }
}

async function segmentSizes(db: DuckDb, file: string): Promise<Record<SegmentName, number>> {
  const rows = await db.all<{ segment: string | null; n: bigint }>(`SELECT segment, count(*) AS n FROM read_parquet(${sqlString(file)}) GROUP BY segment`)
  const sizes = Object.fromEntries(SEGMENT_NAMES.map((n) => [n, 0])) as Record<SegmentName, number>
  for (const r of rows) {
    if (r.segment === null || !(SEGMENT_NAMES as readonly string[]).includes(r.segment)) {
      throw new StrataError('input', `segments: ${file} has ${r.n} row(s) with segment ${JSON.stringify(r.segment)}, not one of ${SEGMENT_NAMES.join(', ')}`, 'Rebuild segments for this day.')
    }
    sizes[r.segment as SegmentName] = Number(r.n)
  }
  return sizes
}

function readEdges(file: string): Record<ModelFeature, number[]> {
  if (!existsSync(file)) throw new StrataError('input', `segment_model: ${file} does not exist`, 'Rebuild the segment_model partition of this week.')
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new StrataError('corrupt', `segment_model: ${file} is not valid JSON`, 'Rebuild the segment_model partition of this week.', { cause: error })
  }
  const raw = parsed as Partial<BaselineEdges> | null
  const edges = {} as Record<ModelFeature, number[]>
  for (const f of MODEL_FEATURES) {
    const list: unknown = raw?.[f]
    if (!Array.isArray(list) || !list.every((e): e is number => typeof e === 'number' && Number.isFinite(e))) {
      throw new StrataError('corrupt', `segment_model: ${file} has no list of finite edges for ${f}`, 'Rebuild the segment_model partition of this week.')
    }
    edges[f] = mergeEdges(list)
  }
  return edges
}

/**
 * Today's model features in long form (feature, value as DOUBLE, n) next to the baseline's, so
 * that PSI counts and the KS merge run as one query each over both samples.
 */
function longSamplesCtes(featuresFile: string, baselineFile: string): string {
  const unpivot = MODEL_FEATURES.map(
    (f) => `SELECT ${sqlString(f)} AS feature, CAST(${quoteIdent(f)} AS DOUBLE) AS value FROM read_parquet(${sqlString(featuresFile)})`,
  ).join(' UNION ALL ')
  return `
    t AS (SELECT feature, value, count(*) AS n FROM (${unpivot}) GROUP BY feature, value),
    b AS (
      SELECT feature, CAST(value AS DOUBLE) AS value, sum(n) AS n
      FROM read_parquet(${sqlString(baselineFile)})
      WHERE feature IN (${MODEL_FEATURES.map(sqlString).join(', ')})
      GROUP BY feature, CAST(value AS DOUBLE)
    )`
}

async function featureDrift(db: DuckDb, featuresFile: string, baselineFile: string, edges: Record<ModelFeature, number[]>): Promise<Record<ModelFeature, FeatureDrift>> {
  const ctes = longSamplesCtes(featuresFile, baselineFile)
  const [bad] = await db.all<{ t_null: bigint; b_null: bigint }>(
    `WITH ${ctes} SELECT (SELECT coalesce(sum(n), 0) FROM t WHERE value IS NULL) AS t_null,
                        (SELECT coalesce(sum(n), 0) FROM b WHERE value IS NULL OR n IS NULL OR n < 0) AS b_null`,
  )
  if (bad && bad.t_null > 0n) throw new StrataError('input', `features: ${featuresFile} has null model feature values`, 'Rebuild features for this day.')
  if (bad && bad.b_null > 0n) throw new StrataError('corrupt', `segment_model: ${baselineFile} has null values or counts`, 'Rebuild the segment_model partition of this week.')

  // Left-closed bins: a value's bin is the number of edges at or below it.
  const binCases = MODEL_FEATURES.map((f) => {
    const e = edges[f]
    const expr = e.length === 0 ? '0' : e.map((x) => `CAST(value >= ${doubleLiteral(x)} AS INTEGER)`).join(' + ')
    return `WHEN ${sqlString(f)} THEN ${expr}`
  }).join(' ')
  const binRows = await db.all<{ side: 'today' | 'baseline'; feature: ModelFeature; bin: number; n: bigint }>(
    `WITH ${ctes}
     SELECT 'today' AS side, feature, CASE feature ${binCases} END AS bin, CAST(sum(n) AS BIGINT) AS n FROM t GROUP BY ALL
     UNION ALL
     SELECT 'baseline' AS side, feature, CASE feature ${binCases} END AS bin, CAST(sum(n) AS BIGINT) AS n FROM b GROUP BY ALL`,
  )
  const counts = Object.fromEntries(
    MODEL_FEATURES.map((f) => [f, { today: new Array<number>(edges[f].length + 1).fill(0), baseline: new Array<number>(edges[f].length + 1).fill(0) }]),
  ) as Record<ModelFeature, { today: number[]; baseline: number[] }>
  for (const r of binRows) counts[r.feature][r.side][r.bin] = Number(r.n)

  // KS from the merged ECDFs, compared after each distinct value; the gap is kept as the
  // integer |cum_t·N_b − cum_b·N_t| so the one rounding is the final division.
  const ksRows = await db.all<{ feature: ModelFeature; gap: bigint | null; nt: bigint; nb: bigint }>(
    `WITH ${ctes},
     tot AS (
       SELECT f.feature,
              coalesce((SELECT sum(n) FROM t WHERE t.feature = f.feature), 0) AS nt,
              coalesce((SELECT sum(n) FROM b WHERE b.feature = f.feature), 0) AS nb
       FROM (SELECT unnest([${MODEL_FEATURES.map(sqlString).join(', ')}]) AS feature) f
     ),
     merged AS (
       SELECT coalesce(t.feature, b.feature) AS feature, coalesce(t.value, b.value) AS value,
              coalesce(t.n, 0) AS tn, coalesce(b.n, 0) AS bn
       FROM t FULL OUTER JOIN b ON t.feature = b.feature AND t.value = b.value
     ),
     cum AS (
       SELECT feature,
              sum(tn) OVER (PARTITION BY feature ORDER BY value ROWS UNBOUNDED PRECEDING) AS ct,
              sum(bn) OVER (PARTITION BY feature ORDER BY value ROWS UNBOUNDED PRECEDING) AS cb
       FROM merged
     )
     SELECT tot.feature, CAST(max(abs(CAST(cum.ct AS HUGEINT) * tot.nb - CAST(cum.cb AS HUGEINT) * tot.nt)) AS HUGEINT) AS gap,
            CAST(tot.nt AS BIGINT) AS nt, CAST(tot.nb AS BIGINT) AS nb
     FROM tot LEFT JOIN cum USING (feature)
     GROUP BY tot.feature, tot.nt, tot.nb`,
  )
  const result = {} as Record<ModelFeature, FeatureDrift>
  for (const f of MODEL_FEATURES) {
    const ks = ksRows.find((r) => r.feature === f)
    if (!ks || ks.nb === 0n) {
      throw new StrataError('corrupt', `segment_model: ${baselineFile} has no baseline rows for ${f}`, 'Rebuild the segment_model partition of this week.')
    }
    const c = counts[f]
    result[f] = {
      psi: psiFromCounts(c.today, c.baseline),
      ks: ks.nt === 0n || ks.gap === null ? null : Number(ks.gap) / Number(ks.nt * ks.nb),
    }
  }
  return result
}
