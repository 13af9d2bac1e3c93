import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { quoteIdent, sqlString, type SqlEngine } from '../../framework/sql/index.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type ModelFeature, type SegmentModel, type SegmentName, type ShareShrink } from './segment-model-types.js'
import { doubleLiteral } from './sql-literals.js'
import { projectionSql } from './segment-model-pca.js'

/** SPEC §6 default for HYSTERESIS_DELTA. */
export const DEFAULT_HYSTERESIS_DELTA = 10

export interface AssignSegmentsOptions {
  readonly db: SqlEngine
  /** cdi_scores(D) Parquet: customer_id, cdi, … */
  readonly cdiFile: string
  /** features(D) Parquet with the seven model features. */
  readonly featuresFile: string
  /** The segment model of D's week. */
  readonly model: SegmentModel
  /** segments(D-1) Parquet; omitted only for the first partition of `segments`. */
  readonly previousSegmentsFile?: string
  /** A raw change only sticks when |cdi − cdi_yesterday| ≥ this. */
  readonly hysteresisDelta: number
  readonly outputDir: string
}

/** Materialization metadata of segments(D). */
export type SegmentsMetadata = {
  readonly rows: number
  readonly kept_by_hysteresis: number
  /** Final segment sizes, every name present (0 when empty). */
  readonly segment_sizes: Record<SegmentName, number>
  /** Customers present on both days whose final segment changed; null without a yesterday. */
  readonly changed_vs_yesterday: number | null
  /**
   * Customers present on both days (the denominator of drift_report's segment_churn, which reads
   * it and changed_vs_yesterday from here instead of joining the two days again); null without a
   * yesterday.
   */
  readonly both_days: number | null
  readonly model_version: string
  readonly hysteresis_delta: number
}

/** The file assignSegments writes inside its output folder. */
export const SEGMENTS_FILE = 'segments.parquet'

/**
 * segments(D) (SPEC §6): the raw segment is the nearest centroid of the week's model in PCA
 * space (ties → lower centroid index); hysteresis against segments(D-1) keeps yesterday's final
 * segment when the raw one differs and |Δcdi| < `hysteresisDelta`. Writes
 * `<outputDir>/segments.parquet` (customer_id, cdi, segment, raw_segment, kept_by_hysteresis,
 * model_version), ordered by customer_id, one row per customer of cdi_scores(D).
 */
export async function assignSegments(options: AssignSegmentsOptions): Promise<SegmentsMetadata> {
  const { db, cdiFile, featuresFile, model, previousSegmentsFile, hysteresisDelta, outputDir } = options
  validateHysteresisDelta(hysteresisDelta)
  assertUsableModel(model)
  await requireParquetColumns(db, cdiFile, ['customer_id', 'cdi'], 'cdi_scores')
  await requireParquetColumns(db, featuresFile, ['customer_id', ...modelColumns(model)], 'features')
  if (previousSegmentsFile !== undefined) {
    await requireParquetColumns(db, previousSegmentsFile, ['customer_id', 'cdi', 'segment'], 'segments(D-1)')
  }
  const aligned = await checkInputs(db, cdiFile, featuresFile, previousSegmentsFile)

  mkdirSync(outputDir, { recursive: true })
  const outFile = path.join(outputDir, SEGMENTS_FILE)
  const hasYesterday = previousSegmentsFile !== undefined
  // Segments travel as their index in SEGMENT_NAMES (UTINYINT) until the COPY: comparing and
  // storing small integers instead of strings made the step's temp table ~1.5× cheaper.
  // Yesterday's segment: its index, NULL_SEGMENT when null, OTHER_SEGMENT when not a name (a
  // corrupt file, refused below if it would be kept), and NULL for a customer absent yesterday.
  const yesterdayIndex = `CAST(CASE WHEN segment IS NULL THEN ${NULL_SEGMENT} ${SEGMENT_NAMES.map((n, i) => `WHEN segment = ${sqlString(n)} THEN ${i}`).join(' ')} ELSE ${OTHER_SEGMENT} END AS UTINYINT)`
  const hysteresis = !hasYesterday
    ? { join: '', kept: 'FALSE', yesterday: 'CAST(NULL AS UTINYINT) AS y_k' }
    : {
        join: `LEFT JOIN (SELECT customer_id, cdi AS y_cdi, ${yesterdayIndex} AS y_k FROM read_parquet(${sqlString(previousSegmentsFile)})) y USING (customer_id)`,
        // As the string comparison y_segment <> raw_segment did: a null segment yesterday compares
        // as unknown and a customer absent yesterday has y_k NULL, so coalesce keeps the raw one.
        kept: `COALESCE(y.y_k <> ${NULL_SEGMENT} AND y.y_k <> r.raw_k AND abs(CAST(r.cdi AS DOUBLE) - CAST(y.y_cdi AS DOUBLE)) < CAST($delta AS DOUBLE), FALSE)`,
        yesterday: 'y.y_k',
      }
  // The rows go to a temp table first, so that the metadata (sizes, kept, and the churn figures
  // that need yesterday's segment) comes from the same pass instead of re-reading and re-joining.
  await db.run(
    `CREATE OR REPLACE TEMP TABLE ${ASSIGNED_TABLE} AS
     WITH ${rawSegmentCtes(model, cdiFile, featuresFile, aligned)},
     h AS (SELECT r.customer_id, r.cdi, r.raw_k, ${hysteresis.kept} AS kept_by_hysteresis, ${hysteresis.yesterday} FROM r ${hysteresis.join})
     SELECT customer_id, CAST(cdi AS INTEGER) AS cdi, raw_k, CAST(kept_by_hysteresis AS BOOLEAN) AS kept_by_hysteresis,
            CASE WHEN kept_by_hysteresis THEN y_k ELSE raw_k END AS k, y_k
     FROM h`,
    hasYesterday ? { delta: hysteresisDelta } : undefined,
  )
  try {
    const metadata = await summarise(db, hasYesterday, model.version, hysteresisDelta, previousSegmentsFile)
    const name = (k: string) => `CAST([${SEGMENT_NAMES.map(sqlString).join(', ')}][${k} + 1] AS VARCHAR)`
    await db.run(
      `COPY (
        SELECT customer_id, cdi, ${name('k')} AS segment, ${name('raw_k')} AS raw_segment, kept_by_hysteresis, CAST($version AS VARCHAR) AS model_version
        FROM ${ASSIGNED_TABLE}
        ORDER BY customer_id
      ) TO ${sqlString(outFile)} (FORMAT parquet)`,
      { version: model.version },
    )
    return metadata
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${ASSIGNED_TABLE}`)
  }
}

/** The step's private table of assigned rows: segment indexes (k final, raw_k, y_k yesterday's). */
const ASSIGNED_TABLE = 'segments_assigned'

/** y_k of a customer whose segment yesterday was null. */
const NULL_SEGMENT = 254
/** y_k of a customer whose segment yesterday was not one of SEGMENT_NAMES. */
const OTHER_SEGMENT = 255

/** HYSTERESIS_DELTA must be a finite number ≥ 0 (SPEC §6); anything else is a configuration error. */
export function validateHysteresisDelta(value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new StrataError(
      'config',
      `HYSTERESIS_DELTA must be a finite number ≥ 0 (got ${typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value)})`,
      `Set HYSTERESIS_DELTA to a CDI difference such as ${DEFAULT_HYSTERESIS_DELTA} (the default), or 0 to turn hysteresis off.`,
    )
  }
}

/**
 * Checks that a segment model can be applied: the seven features in SPEC order, finite numbers,
 * non-zero scales and matrix shapes that agree. A model that fails here is a corrupt input.
 */
export function assertUsableModel(model: SegmentModel): void {
  const problems: string[] = []
  const nf = MODEL_FEATURES.length
  if (model.features.length !== nf || model.features.some((f, i) => f !== MODEL_FEATURES[i])) {
    problems.push(`features must be ${MODEL_FEATURES.join(', ')} in this order`)
  }
  if (!isFiniteVector(model.means, nf)) problems.push(`means must be ${nf} finite numbers`)
  if (!isFiniteVector(model.scales, nf) || model.scales.some((s) => s === 0)) problems.push(`scales must be ${nf} finite non-zero numbers`)
  const nc = model.components.length
  if (nc === 0 || !model.components.every((row) => isFiniteVector(row, nf))) problems.push(`components must be rows of ${nf} finite numbers`)
  if (model.centroids.length === 0 || !model.centroids.every((row) => isFiniteVector(row, nc))) {
    problems.push(`centroids must be rows of ${nc} finite numbers (one per component)`)
  }
  if (model.names.length !== model.centroids.length || model.names.some((n) => !(SEGMENT_NAMES as readonly string[]).includes(n))) {
    problems.push(`names must give each centroid one of ${SEGMENT_NAMES.join(', ')}`)
  }
  if (typeof model.version !== 'string' || model.version === '') problems.push('version must be a non-empty string')
  if (model.segmentation !== undefined && model.segmentation !== 'stable') problems.push('segmentation must be stable when present')
  if (model.log1p !== undefined && (!Array.isArray(model.log1p) || model.log1p.some((f) => !(MODEL_FEATURES as readonly string[]).includes(f)) || new Set(model.log1p).size !== model.log1p.length)) {
    problems.push(`log1p must list distinct model features (${MODEL_FEATURES.join(', ')})`)
  }
  if (model.shrink !== undefined) {
    const { weight, priors } = model.shrink
    const shares = Object.entries(priors ?? {})
    if (!(typeof weight === 'number' && Number.isFinite(weight) && weight > 0) || shares.some(([f, p]) => SHARE_EVENTS[f as ModelFeature] === undefined || !(typeof p === 'number' && p >= 0 && p <= 1))) {
      problems.push(`shrink must give a positive weight and priors in [0, 1] for shares among ${Object.keys(SHARE_EVENTS).join(', ')}`)
    }
  }
  if (problems.length > 0) {
    throw new StrataError('input', `segment model ${String(model.version)} cannot be applied: ${problems.join('; ')}`, 'Rebuild the segment_model partition of this week.')
  }
}

/**
 * Fails with an input error naming the file and the missing columns, instead of a DuckDB binder
 * error halfway through a query.
 */
export async function requireParquetColumns(db: SqlEngine, file: string, columns: readonly string[], what: string): Promise<void> {
  if (!existsSync(file)) {
    throw new StrataError('input', `${what}: ${file} does not exist`, `Materialize ${what} first.`)
  }
  const present = new Set((await db.describe(`SELECT * FROM read_parquet(${sqlString(file)})`)).map((c) => c.name))
  const missing = columns.filter((c) => !present.has(c))
  if (missing.length > 0) {
    throw new StrataError('input', `${what}: ${file} lacks column(s) ${missing.join(', ')}`, `Rebuild ${what} with the SPEC §8 columns.`)
  }
}

/**
 * CTEs ending in `r(customer_id, cdi, raw_k)`, raw_k the raw segment's index in SEGMENT_NAMES. The arithmetic follows the model's
 * definition term by term, z = (x − mean) / scale, p = Σ z·component, d = Σ (p − centroid)², so
 * that distances are reproducible outside DuckDB. With `aligned` (checkInputs proved that row i of
 * both files is the same customer), the files are paired by position instead of a hash join.
 */
function rawSegmentCtes(model: SegmentModel, cdiFile: string, featuresFile: string, aligned: boolean): string {
  const { z, p, d, nearest } = nearestSegmentSql(model)
  return `
    zs AS (
      SELECT c.customer_id, c.cdi, ${z.join(', ')}
      FROM read_parquet(${sqlString(cdiFile)}) c ${aligned ? 'POSITIONAL JOIN' : 'JOIN'} read_parquet(${sqlString(featuresFile)}) f${aligned ? '' : ' USING (customer_id)'}
    ),
    ps AS (SELECT customer_id, cdi, ${p.join(', ')} FROM zs),
    ds AS (SELECT customer_id, cdi, ${d.join(', ')} FROM ps),
    r AS (SELECT customer_id, cdi, ${nearest} AS raw_k FROM ds)`
}

/**
 * A query of (customer_id, raw_k) over a features file: each customer's raw segment under
 * `model`, with the arithmetic of segments(D) (so the same model gives the same raw segment).
 */
export function rawSegmentQuery(model: SegmentModel, featuresFile: string): string {
  const { z, p, d, nearest } = nearestSegmentSql(model)
  return `SELECT customer_id, ${nearest} AS raw_k FROM (
      SELECT customer_id, ${d.join(', ')} FROM (
        SELECT customer_id, ${p.join(', ')} FROM (
          SELECT f.customer_id, ${z.join(', ')} FROM read_parquet(${sqlString(featuresFile)}) f)))`
}

/**
 * The SQL pieces of the nearest centroid over a relation `f` of features: z0…z6, p0…, d0… and
 * `nearest`, the raw segment's index in SEGMENT_NAMES. The arithmetic follows the model's
 * definition term by term, z = (x − mean) / scale, p = Σ z·component, d = Σ (p − centroid)², so
 * that distances are reproducible outside DuckDB.
 */
function nearestSegmentSql(model: SegmentModel): { z: string[]; p: string[]; d: string[]; nearest: string } {
  // assertUsableModel has checked that every name is one of SEGMENT_NAMES.
  const indexOf = (name: SegmentName | undefined): number => (SEGMENT_NAMES as readonly (string | undefined)[]).indexOf(name)
  const { z, p } = projectionSql(MODEL_FEATURES.map((f) => modelInput(f, model)), model)
  const d = model.centroids.map((row, k) => `(${row.map((c, j) => `(p${j} - ${doubleLiteral(c)}) * (p${j} - ${doubleLiteral(c)})`).join(' + ')}) AS d${k}`)
  // The first k whose distance is ≤ every later one is the lowest index among the minima.
  const nk = model.centroids.length
  const whens: string[] = []
  for (let k = 0; k < nk - 1; k++) {
    const later = Array.from({ length: nk - 1 - k }, (_, m) => `d${k} <= d${k + 1 + m}`).join(' AND ')
    whens.push(`WHEN ${later} THEN ${indexOf(model.names[k])}`)
  }
  const nearest = `CAST(${nk === 1 ? indexOf(model.names[0]) : `CASE ${whens.join(' ')} ELSE ${indexOf(model.names[nk - 1])} END`} AS UTINYINT)`
  return { z, p, d, nearest }
}

/**
 * The event counts behind each share feature (columns of features, SPEC §3): a share of few
 * events says little, and of none nothing, so the stable segmentation shrinks it towards the
 * population's share by its event count.
 */
export const SHARE_EVENTS: Readonly<Partial<Record<ModelFeature, { readonly digital: string; readonly events: string }>>> = {
  pct_trades_digital_90d: { digital: 'trades_digital_90d', events: 'trades_total_90d' },
  pct_tickets_resolved_digital_90d: { digital: 'tickets_resolved_digital_90d', events: 'tickets_total_90d' },
}

/** How a model turns features into its inputs: the `log1p` and `shrink` of SegmentModel. */
export interface ModelTransform {
  readonly log1p?: readonly ModelFeature[] | undefined
  readonly shrink?: ShareShrink | undefined
}

/**
 * A model feature of relation `f` as the model takes it: the DOUBLE value; ln(1 + value) for a
 * feature in `log1p`; (digital + weight · prior) / (events + weight) for a share in `shrink`
 * (the stable segmentation). Training computes it with the same SQL, so both sides see the same
 * bits.
 */
export function modelInput(feature: ModelFeature, transform: ModelTransform, relation = 'f'): string {
  const column = (name: string): string => `CAST(${relation}.${quoteIdent(name)} AS DOUBLE)`
  const prior = transform.shrink?.priors[feature]
  const events = SHARE_EVENTS[feature]
  if (prior !== undefined && events !== undefined) {
    const weight = doubleLiteral(transform.shrink!.weight)
    return `((${column(events.digital)} + ${weight} * ${doubleLiteral(prior)}) / (${column(events.events)} + ${weight}))`
  }
  return transform.log1p?.includes(feature) ? `ln(1 + ${column(feature)})` : column(feature)
}

/** The features columns a model reads: the seven model features, and the event counts of shrunk shares. */
export function modelColumns(model: ModelTransform): string[] {
  const counts = Object.keys(model.shrink?.priors ?? {}).flatMap((f) => {
    const events = SHARE_EVENTS[f as ModelFeature]
    return events === undefined ? [] : [events.digital, events.events]
  })
  return [...MODEL_FEATURES, ...counts]
}

/**
 * Refuses inputs that would otherwise drop or duplicate customers silently. Returns whether
 * cdi_scores and features are aligned: the same customers in the same row order (both are written
 * ordered by customer_id), which lets the assignment pair them by position.
 *
 * The fast path proves it in one scan: ids equal row by row and strictly increasing in the order
 * read, which also proves them unique (whatever order DuckDB happened to read them in). Anything
 * else (another order, duplicates, null ids, different lengths) takes the general checks, which
 * also produce the specific error.
 */
async function checkInputs(db: SqlEngine, cdiFile: string, featuresFile: string, previousSegmentsFile: string | undefined): Promise<boolean> {
  const nullFeature = MODEL_FEATURES.map((f) => `f.${quoteIdent(f)} IS NULL`).join(' OR ')
  const [p] = await db.all<{ unaligned: bigint; null_cdi: bigint; null_features: bigint }>(
    `SELECT count(*) FILTER (WHERE id IS NULL OR id IS DISTINCT FROM f_id OR id <= prev_id) AS unaligned,
            count(*) FILTER (WHERE cdi IS NULL) AS null_cdi,
            count(*) FILTER (WHERE null_feature) AS null_features
     FROM (
       SELECT c.customer_id AS id, f.customer_id AS f_id, c.cdi, (${nullFeature}) AS null_feature, lag(c.customer_id) OVER () AS prev_id
       FROM read_parquet(${sqlString(cdiFile)}) c POSITIONAL JOIN read_parquet(${sqlString(featuresFile)}) f
     )`,
  )
  const aligned = p !== undefined && p.unaligned === 0n
  if (aligned) {
    if (p.null_cdi > 0n) throw new StrataError('input', `cdi_scores: ${cdiFile} has ${p.null_cdi} row(s) with a null customer_id or cdi`, 'Rebuild cdi_scores for this day.')
    if (p.null_features > 0n) throw new StrataError('input', `features: ${featuresFile} has ${p.null_features} row(s) with a null model feature`, 'Rebuild features for this day.')
  } else {
    await checkUnalignedInputs(db, cdiFile, featuresFile)
  }
  if (previousSegmentsFile !== undefined) {
    const source = `read_parquet(${sqlString(previousSegmentsFile)})`
    const [order] = await db.all<{ out_of_order: bigint }>(
      `SELECT count(*) FILTER (WHERE customer_id IS NULL OR customer_id <= prev_id) AS out_of_order FROM (SELECT customer_id, lag(customer_id) OVER () AS prev_id FROM ${source})`,
    )
    if (order && order.out_of_order > 0n) {
      const [y] = await db.all<{ rows: bigint; ids: bigint }>(`SELECT count(*) AS rows, count(DISTINCT customer_id) AS ids FROM ${source}`)
      if (y && y.rows !== y.ids) throw new StrataError('input', `segments(D-1): ${previousSegmentsFile} has duplicate customer_id rows`, 'Rebuild segments for the previous day.')
    }
  }
  return aligned
}

/** The checks of checkInputs for inputs not aligned row by row, by counting and joining. */
async function checkUnalignedInputs(db: SqlEngine, cdiFile: string, featuresFile: string): Promise<void> {
  const [f] = await db.all<{ rows: bigint; ids: bigint }>(`SELECT count(*) AS rows, count(DISTINCT customer_id) AS ids FROM read_parquet(${sqlString(featuresFile)})`)
  if (f && f.rows !== f.ids) throw new StrataError('input', `features: ${featuresFile} has duplicate customer_id rows`, 'Rebuild features for this day.')
  const nullFeature = MODEL_FEATURES.map((f) => `f.${quoteIdent(f)} IS NULL`).join(' OR ')
  const [c] = await db.all<{ rows: bigint; ids: bigint; null_cdi: bigint; no_features: bigint; null_features: bigint }>(
    `SELECT count(*) AS rows, count(DISTINCT c.customer_id) AS ids,
            count(*) FILTER (WHERE c.cdi IS NULL OR c.customer_id IS NULL) AS null_cdi,
            count(*) FILTER (WHERE f.customer_id IS NULL) AS no_features,
            count(*) FILTER (WHERE f.customer_id IS NOT NULL AND (${nullFeature})) AS null_features
     FROM read_parquet(${sqlString(cdiFile)}) c
     LEFT JOIN (SELECT * FROM read_parquet(${sqlString(featuresFile)})) f USING (customer_id)`,
  )
  if (!c) return
  if (c.rows !== c.ids) throw new StrataError('input', `cdi_scores: ${cdiFile} has ${Number(c.rows) - Number(c.ids)} duplicate customer_id row(s)`, 'Rebuild cdi_scores for this day.')
  if (c.null_cdi > 0n) throw new StrataError('input', `cdi_scores: ${cdiFile} has ${c.null_cdi} row(s) with a null customer_id or cdi`, 'Rebuild cdi_scores for this day.')
  if (c.no_features > 0n) {
    throw new StrataError('input', `features: ${featuresFile} lacks ${c.no_features} customer(s) of cdi_scores (${cdiFile})`, 'Rebuild features and cdi_scores for the same day.')
  }
  if (c.null_features > 0n) throw new StrataError('input', `features: ${featuresFile} has ${c.null_features} row(s) with a null model feature`, 'Rebuild features for this day.')
}

async function summarise(db: SqlEngine, hasYesterday: boolean, version: string, delta: number, previousSegmentsFile: string | undefined): Promise<SegmentsMetadata> {
  // changed: as `segment <> y_segment` on strings, which is unknown (not counted) for a null one.
  const rows = await db.all<{ k: number; n: bigint; kept: bigint; both: bigint; changed: bigint }>(
    `SELECT k, count(*) AS n, count(*) FILTER (WHERE kept_by_hysteresis) AS kept,
            count(y_k) AS both, count(*) FILTER (WHERE y_k <> ${NULL_SEGMENT} AND k <> y_k) AS changed
     FROM ${ASSIGNED_TABLE} GROUP BY k`,
  )
  const sizes = Object.fromEntries(SEGMENT_NAMES.map((n) => [n, 0])) as Record<SegmentName, number>
  let total = 0
  let kept = 0
  let both = 0
  let changed = 0
  for (const r of rows) {
    const name = SEGMENT_NAMES[r.k]
    if (name === undefined) {
      // Kept from a yesterday whose segment is not a name: the acceptedValues check would fail it.
      throw new StrataError(
        'input',
        `segments(D-1): ${previousSegmentsFile ?? ''} has a segment that is not one of ${SEGMENT_NAMES.join(', ')} for ${r.n} customer(s) kept by hysteresis`,
        'Rebuild segments for the previous day.',
      )
    }
    sizes[name] = Number(r.n)
    total += Number(r.n)
    kept += Number(r.kept)
    both += Number(r.both)
    changed += Number(r.changed)
  }
  return {
    rows: total,
    kept_by_hysteresis: kept,
    segment_sizes: sizes,
    changed_vs_yesterday: hasYesterday ? changed : null,
    both_days: hasYesterday ? both : null,
    model_version: version,
    hysteresis_delta: delta,
  }
}

function isFiniteVector(values: readonly number[], length: number): boolean {
  return Array.isArray(values) && values.length === length && values.every((v) => typeof v === 'number' && Number.isFinite(v))
}
