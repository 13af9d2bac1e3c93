import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { daysBetween, isoWeekday, parseDateKey } from '../../framework/partitions/index.js'
import type { SqlEngine } from '../../framework/sql/index.js'
import { validateDriftReport } from './drift-report-schema.js'
import type { DriftReport, DriftStatus, FeatureDrift, MetricDatum } from './drift-report-types.js'
import { CDI_BIN_COUNT, mergeEdges, psiFromCounts } from './psi.js'
import { BASELINE_BINS_FILE, countBins, readBaselineBins, type BaselineBins } from './baseline-bins.js'
import { cdiBinCountsSql, cdiSummarySql, featureSamplesSql, featureSide, ksBinGapsSql, ksGapsSql, retrainChurnSql, segmentChurnSql, segmentSizesSql, type KsCandidate } from './drift-queries.js'
import { readJsonFile } from './json-file.js'
import { rowCountSql } from './parquet-sql.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type BaselineEdges, type ModelFeature, type SegmentModel, type SegmentName } from './segment-model-types.js'
import { assertUsableModel, modelColumns, requireParquetColumns } from './segments.js'

export type { DriftReport, DriftRowCounts, DriftStatus, FeatureDrift, MetricDatum, MetricName } from './drift-report-types.js'

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

export interface BuildDriftReportOptions {
  readonly db: SqlEngine
  /** The partition D, YYYY-MM-DD. */
  readonly day: string
  /** The first landing day, which starts the warm-up count. */
  readonly firstLandingDay: string
  readonly segmentsFile: string
  /** segments(D-1); omitted on the first partition, which makes the day-over-day figures null. */
  readonly previousSegmentsFile?: string
  /**
   * The churn figures of segments(D) against exactly `previousSegmentsFile`, as segments(D)
   * recorded them while it wrote (see `SegmentsMetadata`); when given, the join of the two days is
   * skipped. Only pass figures whose segments(D-1) is the same data as `previousSegmentsFile`.
   */
  readonly segmentsChurn?: SegmentsChurn
  /** features(D): its row count is what every feature's value counts must add up to. */
  readonly featuresFile: string
  /** feature_stats(D) values.parquet: (feature, value, n), today's distinct values per model feature. */
  readonly featureValuesFile: string
  /** The segment_model partition folder: baseline.parquet and baseline_edges.json. */
  readonly modelDir: string
  readonly model: SegmentModel
  /**
   * On a Monday, the previous week's model: retrain_churn compares today's raw segments under it
   * with those under `model`. Omitted on other days and in the first week.
   */
  readonly previousModel?: SegmentModel
  readonly outputDir: string
}

/** Customers present on both days and, of those, how many changed final segment. */
export interface SegmentsChurn {
  readonly both: number
  readonly changed: number
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
  const { db, day, firstLandingDay, segmentsFile, previousSegmentsFile, featuresFile, featureValuesFile, modelDir, model, outputDir } = options
  const daysIn = daysBetween(parseDateKey(firstLandingDay, 'first landing day'), parseDateKey(day, 'drift_report partition'))
  if (daysIn < 0) {
    throw new StrataError('partition', `drift_report ${day} is before the first landing day ${firstLandingDay}`, 'Check STRATA_START and the partition key.')
  }
  const warmup = daysIn < WARMUP_DAYS
  assertUsableModel(model)
  await requireParquetColumns(db, segmentsFile, ['customer_id', 'cdi', 'segment'], 'segments')
  if (previousSegmentsFile !== undefined) await requireParquetColumns(db, previousSegmentsFile, ['customer_id', 'cdi', 'segment'], 'segments(D-1)')
  await requireParquetColumns(db, featuresFile, modelColumns(model), 'features')
  await requireParquetColumns(db, featureValuesFile, ['feature', 'value', 'n'], 'feature_stats values')
  const baselineFile = path.join(modelDir, 'baseline.parquet')
  await requireParquetColumns(db, baselineFile, ['feature', 'value', 'n'], 'segment_model baseline')
  const edges = readEdges(path.join(modelDir, 'baseline_edges.json'))
  const baselineBins = readBaselineBins(path.join(modelDir, BASELINE_BINS_FILE))

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
    // Recorded figures count `<>` on the join; the churn counts IS DISTINCT FROM, which differs
    // only where yesterday's segment is null (today's never is: segmentSizes refuses it).
    const c = options.segmentsChurn !== undefined && yesterday.nullSegments === 0 ? options.segmentsChurn : await segmentChurn(db, segmentsFile, previousSegmentsFile ?? '')
    bothDays = c.both
    churn = c.both === 0 ? null : c.changed / c.both
    if (churn === null) notes.push('segment_churn is null: no customer is present on both days.')
  }
  if (today.rows === 0) notes.push('segments(D) has no rows: cdi_mean, cdi_std and the feature figures are null.')

  const features = await featureDrift(db, { featuresFile, featureValuesFile, baselineFile }, edges, baselineBins)
  const retrain = await retrainChurn(db, day, segmentsFile, featuresFile, options.previousModel)
  if (retrain.note !== undefined) notes.push(retrain.note)
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
    retrain_churn: retrain.churn,
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

/**
 * retrain_churn (see DriftReport): segments(D)'s raw_segment is the new model's; the previous
 * model's raw segment of each customer comes from features(D) with the same arithmetic. Null,
 * with the reason, when D is not a Monday, when there is no previous week's model, or when
 * segments(D) has no rows.
 */
async function retrainChurn(
  db: SqlEngine,
  day: string,
  segmentsFile: string,
  featuresFile: string,
  previous: SegmentModel | undefined,
): Promise<{ churn: number | null; note?: string }> {
  if (isoWeekday(day) !== 1) return { churn: null, note: `retrain_churn is null: ${day} is not a Monday, so no new weekly model takes over today.` }
  if (previous === undefined) return { churn: null, note: `retrain_churn is null: there is no segment model of the week before ${day} (the first week of segment_model).` }
  assertUsableModel(previous)
  await requireParquetColumns(db, segmentsFile, ['customer_id', 'raw_segment'], 'segments')
  const [row] = await db.all<{ today: bigint; matched: bigint; changed: bigint }>(retrainChurnSql(segmentsFile, featuresFile, previous))
  const today = row?.today ?? 0n
  if (today === 0n) return { churn: null, note: 'retrain_churn is null: segments(D) has no rows.' }
  if (row?.matched !== today) {
    throw new StrataError('input', `drift_report: features(${day}) holds ${row?.matched ?? 0n} of the ${today} customers of segments(${day})`, `Rebuild segments for ${day}.`)
  }
  return { churn: Number(row.changed) / Number(today) }
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
  /** Rows whose segment is null. */
  readonly nullSegments: number
}

async function cdiSummary(db: SqlEngine, file: string, what: string): Promise<CdiSummary> {
  const [s] = await db.all<{ rows: bigint; bad: bigint; sum: bigint | null; sum_squares: bigint | null; null_segments: bigint }>(cdiSummarySql(file))
  if (!s) throw new StrataError('compute', `${what}: no summary row for ${file}`)
  if (s.bad > 0n) throw new StrataError('input', `${what}: ${file} has ${s.bad} row(s) with cdi null or outside 0..100`, `Rebuild ${what}.`)
  const rows = await db.all<{ bin: number; n: bigint }>(cdiBinCountsSql(file))
  const bins = new Array<number>(CDI_BIN_COUNT).fill(0)
  for (const r of rows) bins[r.bin] = Number(r.n)
  const n = s.rows
  const sum = s.sum ?? 0n
  // Population variance (n·Σx² − (Σx)²) / n², its numerator exact: the one rounding is the division.
  const variance = n > 0n ? Number(n * (s.sum_squares ?? 0n) - sum * sum) / Number(n * n) : 0
  return { rows: Number(n), mean: n > 0n ? Number(sum) / Number(n) : null, std: n > 0n ? Math.sqrt(variance) : null, bins, nullSegments: Number(s.null_segments) }
}

async function segmentChurn(db: SqlEngine, todayFile: string, yesterdayFile: string): Promise<{ both: number; changed: number }> {
  const [r] = await db.all<{ both: bigint; changed: bigint }>(segmentChurnSql(todayFile, yesterdayFile))
  return { both: Number(r?.both ?? 0n), changed: Number(r?.changed ?? 0n) }
}

async function segmentSizes(db: SqlEngine, file: string): Promise<Record<SegmentName, number>> {
  const rows = await db.all<{ segment: string | null; n: bigint }>(segmentSizesSql(file))
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
  const raw = readJsonFile(file, 'segment_model', 'Rebuild the segment_model partition of this week.') as Partial<BaselineEdges> | null
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

export interface FeatureDriftFiles {
  readonly featuresFile: string
  readonly featureValuesFile: string
  readonly baselineFile: string
}

/**
 * Per model feature, PSI on the baseline's edges and KS against the baseline. Both samples are
 * distinct-value counts: today's from feature_stats(D) (the same grouping of features(D) the report
 * once did itself), the baseline's from the model. Today's values are counted into the PSI bins and
 * the KS bins (see ksGaps) here; the baseline's counts come with the model (`baseline`, counted once
 * a week: baseline-bins.ts). Only the few KS bins that can hold the gap are read again, from both
 * files. `ks: 'full'` reads every value for the KS gaps instead, for tests.
 */
export async function featureDrift(
  db: SqlEngine,
  files: FeatureDriftFiles,
  edges: Record<ModelFeature, number[]>,
  baseline: BaselineBins,
  options: { readonly ks?: 'bins' | 'full' } = {},
): Promise<Record<ModelFeature, FeatureDrift>> {
  const { featuresFile, featureValuesFile, baselineFile } = files
  const samples = featureSamplesSql(featureValuesFile, baselineFile)
  const [features] = await db.all<{ rows: bigint }>(rowCountSql(featuresFile))
  const featureRows = features?.rows ?? 0n
  const counts = await binCounts(db, featureValuesFile, edges, baseline)
  const totals = { today: counts.map((c) => sumOf(c.today)), baseline: counts.map((c) => sumOf(c.baseline)) }
  if (counts.some((c) => c.badToday > 0n)) {
    throw new StrataError('corrupt', `feature_stats: ${featureValuesFile} has null values or counts`, 'Rebuild feature_stats for this day with --force.')
  }
  const short = MODEL_FEATURES.filter((_, j) => totals.today[j] !== featureRows)
  if (short.length > 0) {
    throw new StrataError(
      'corrupt',
      `feature_stats: the value counts of ${short.join(', ')} in ${featureValuesFile} do not add up to the ${featureRows} rows of ${featuresFile}`,
      'Rebuild feature_stats for this day with --force.',
    )
  }
  const empty = MODEL_FEATURES.find((_, j) => totals.baseline[j] === 0n)
  if (empty !== undefined) throw new StrataError('corrupt', `segment_model: the baseline bins of ${baselineFile} have no rows for ${empty}`, 'Rebuild the segment_model partition of this week.')

  const gaps = options.ks === 'full' ? await allGaps(db, samples, totals.today, totals.baseline) : await ksGaps(db, samples, counts, totals.today, totals.baseline)
  const result = {} as Record<ModelFeature, FeatureDrift>
  MODEL_FEATURES.forEach((f, j) => {
    const c = counts[j]!
    const nt = totals.today[j]!
    const nb = totals.baseline[j]!
    result[f] = {
      psi: psiFromCounts(c.today.map(Number), c.baseline.map(Number)),
      // The gap is the integer |cum_t·N_b − cum_b·N_t|: the one rounding is this division.
      ks: nt === 0n ? null : Number(gaps[j] ?? 0n) / Number(nt * nb),
    }
  })
  return result
}

/** One KS bin of a feature: both sides' counts and rows, and the smallest and largest value in it. */
interface KsBin {
  today: bigint
  baseline: bigint
  rows: bigint
  lo: number
  hi: number
}

interface FeatureBins {
  readonly today: bigint[]
  readonly baseline: bigint[]
  /** The KS bins in value order (see ksGaps). */
  readonly ks: KsBin[]
  /** Today's rows with a null value or a null or negative count. */
  badToday: bigint
}

/** Counts per PSI bin and per KS bin of each feature, per side, in MODEL_FEATURES order: today's counted on the baseline's scales, the baseline's as the model counted them. */
async function binCounts(db: SqlEngine, featureValuesFile: string, edges: Record<ModelFeature, number[]>, baseline: BaselineBins): Promise<FeatureBins[]> {
  const bins: FeatureBins[] = MODEL_FEATURES.map((f) => ({
    today: new Array<bigint>(edges[f].length + 1).fill(0n),
    baseline: new Array<bigint>(edges[f].length + 1).fill(0n),
    ks: [],
    badToday: 0n,
  }))
  const ks = MODEL_FEATURES.map(() => new Map<number, KsBin>())
  const add = (side: 0 | 1, ord: number, bin: number, kbin: number, n: bigint, rows: bigint, lo: number, hi: number): void => {
    const b = bins[ord]!
    const counts = side === 0 ? b.today : b.baseline
    if (!(bin >= 0 && bin < counts.length)) {
      throw new StrataError('corrupt', `segment_model: the baseline bins do not match the PSI edges of ${MODEL_FEATURES[ord]}`, 'Rebuild the segment_model partition of this week.')
    }
    counts[bin] = counts[bin]! + n
    const perFeature = ks[ord]!
    const k = perFeature.get(kbin) ?? { today: 0n, baseline: 0n, rows: 0n, lo: Infinity, hi: -Infinity }
    perFeature.set(kbin, k)
    if (side === 0) k.today += n
    else k.baseline += n
    k.rows += rows
    k.lo = Math.min(k.lo, lo)
    k.hi = Math.max(k.hi, hi)
  }
  for (const r of await countBins(db, featureSide(0, featureValuesFile), edges, baseline.scales)) {
    bins[r.ord]!.badToday += r.bad
    if (r.bad === 0n) add(0, r.ord, r.bin, r.kbin ?? 0, r.n ?? 0n, r.rows, r.lo ?? Infinity, r.hi ?? -Infinity)
  }
  for (const r of baseline.bins) add(1, r.ord, r.bin, r.kbin, BigInt(r.n), BigInt(r.rows), r.lo, r.hi)
  ks.forEach((perFeature, j) => bins[j]!.ks.push(...[...perFeature].sort((a, b) => a[0] - b[0]).map(([, bin]) => bin)))
  return bins
}

/**
 * Per feature, the exact KS gap max |D(v)| over the distinct values v of both samples, with
 * D(v) = cum_t(v)·N_b − cum_b(v)·N_t, without sorting both samples whole. The KS bins are
 * intervals of values in order; D after a bin is D at the bin's largest value, so the largest of
 * those is a lower bound of the gap. Within a bin that starts at D₀ and holds T of today's rows and
 * B of the baseline's, D stays within [D₀ − B·N_t, D₀ + T·N_b], so only a bin whose bound exceeds
 * the lower bound, and that holds more than one distinct value, can hold a larger |D|: those are
 * read value by value (ksBinGapsSql), neighbours in one range. When they hold too many rows
 * (samples alike everywhere), every value is read (ksGapsSql). Either way the gap is the same
 * integer.
 */
async function ksGaps(db: SqlEngine, samples: string, counts: readonly FeatureBins[], nt: readonly bigint[], nb: readonly bigint[]): Promise<bigint[]> {
  const gaps = MODEL_FEATURES.map(() => 0n)
  const candidates: KsCandidate[] = []
  let candidateRows = 0n
  let allRows = 0n
  // Each bin must hold one interval of values, in bin order (else read every value).
  const intervals = counts.every((feature) => feature.ks.every((bin, i) => i === 0 || feature.ks[i - 1]!.hi < bin.lo))
  if (!intervals) return allGaps(db, samples, nt, nb)
  counts.forEach((feature, j) => {
    let d = 0n
    const starts = feature.ks.map((bin) => {
      const before = d
      d += bin.today * nb[j]! - bin.baseline * nt[j]!
      gaps[j] = max(gaps[j]!, abs(d))
      allRows += bin.rows
      return before
    })
    let previous = -2
    feature.ks.forEach((bin, i) => {
      const before = starts[i]!
      const bound = max(abs(before + bin.today * nb[j]!), abs(before - bin.baseline * nt[j]!))
      if (bound <= gaps[j]! || !(bin.lo < bin.hi)) return
      const last = candidates[candidates.length - 1]
      // Next to the previous candidate (no rows between them), one read covers both from its D.
      if (previous === i - 1 && last !== undefined) candidates[candidates.length - 1] = { ...last, hi: bin.hi }
      else candidates.push({ ord: j, lo: bin.lo, hi: bin.hi, before })
      previous = i
      candidateRows += bin.rows
    })
  })
  if (candidates.length === 0) return gaps
  // Reading a quarter of the rows bin by bin costs about what one sort of them all does.
  if (candidateRows * 4n > allRows) return allGaps(db, samples, nt, nb)
  for (const row of await db.all<{ bin: number; gap: bigint | null }>(ksBinGapsSql(samples, nt, nb, candidates))) {
    const ord = candidates[row.bin]!.ord
    gaps[ord] = max(gaps[ord]!, row.gap ?? 0n)
  }
  return gaps
}

/** Per feature, the exact KS gap over every value (ksGapsSql). */
async function allGaps(db: SqlEngine, samples: string, nt: readonly bigint[], nb: readonly bigint[]): Promise<bigint[]> {
  const gaps = MODEL_FEATURES.map(() => 0n)
  for (const r of await db.all<{ ord: number; gap: bigint | null }>(ksGapsSql(samples, nt, nb))) gaps[r.ord] = r.gap ?? 0n
  return gaps
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x)
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b)

function sumOf(values: readonly bigint[]): bigint {
  let total = 0n
  for (const v of values) total += v
  return total
}
