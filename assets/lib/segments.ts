import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { quoteIdent, sqlString, type DuckDb } from '../../resources/duckdb.js'
import { MODEL_FEATURES, SEGMENT_NAMES, type SegmentModel, type SegmentName } from './segment-model-types.js'

/** SPEC §6 default for HYSTERESIS_DELTA. */
export const DEFAULT_HYSTERESIS_DELTA = 10

export interface AssignSegmentsOptions {
  readonly db: DuckDb
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
  await requireParquetColumns(db, featuresFile, ['customer_id', ...MODEL_FEATURES], 'features')
  if (previousSegmentsFile !== undefined) {
    await requireParquetColumns(db, previousSegmentsFile, ['customer_id', 'cdi', 'segment'], 'segments(D-1)')
  }
  await checkInputs(db, cdiFile, featuresFile, previousSegmentsFile)

  mkdirSync(outputDir, { recursive: true })
  const outFile = path.join(outputDir, SEGMENTS_FILE)
  const hysteresis =
    previousSegmentsFile === undefined
      ? { join: '', kept: 'FALSE' }
      : {
          join: `LEFT JOIN (SELECT customer_id, cdi AS y_cdi, segment AS y_segment FROM read_parquet(${sqlString(previousSegmentsFile)})) y USING (customer_id)`,
          // A customer absent yesterday has y_segment NULL: coalesce keeps the raw segment.
          kept: `COALESCE(y.y_segment <> r.raw_segment AND abs(CAST(r.cdi AS DOUBLE) - CAST(y.y_cdi AS DOUBLE)) < CAST($delta AS DOUBLE), FALSE)`,
        }
  await db.run(
    `COPY (
      WITH ${rawSegmentCtes(model, cdiFile, featuresFile)},
      h AS (
        SELECT r.customer_id, r.cdi, r.raw_segment, ${hysteresis.kept} AS kept_by_hysteresis${previousSegmentsFile === undefined ? '' : ', y.y_segment'}
        FROM r ${hysteresis.join}
      )
      SELECT customer_id,
             CAST(cdi AS INTEGER) AS cdi,
             CAST(${previousSegmentsFile === undefined ? 'raw_segment' : 'CASE WHEN kept_by_hysteresis THEN y_segment ELSE raw_segment END'} AS VARCHAR) AS segment,
             CAST(raw_segment AS VARCHAR) AS raw_segment,
             CAST(kept_by_hysteresis AS BOOLEAN) AS kept_by_hysteresis,
             CAST($version AS VARCHAR) AS model_version
      FROM h
      ORDER BY customer_id
    ) TO ${sqlString(outFile)} (FORMAT parquet)`,
    previousSegmentsFile === undefined ? { version: model.version } : { version: model.version, delta: hysteresisDelta },
  )
  return summarise(db, outFile, previousSegmentsFile, model.version, hysteresisDelta)
}

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
  if (problems.length > 0) {
    throw new StrataError('input', `segment model ${String(model.version)} cannot be applied: ${problems.join('; ')}`, 'Rebuild the segment_model partition of this week.')
  }
}

/**
 * Fails with an input error naming the file and the missing columns, instead of a DuckDB binder
 * error halfway through a query.
 */
export async function requireParquetColumns(db: DuckDb, file: string, columns: readonly string[], what: string): Promise<void> {
  if (!existsSync(file)) {
    throw new StrataError('input', `${what}: ${file} does not exist`, `Materialize ${what} first.`)
  }
  const present = new Set((await db.describe(`SELECT * FROM read_parquet(${sqlString(file)})`)).map((c) => c.name))
  const missing = columns.filter((c) => !present.has(c))
  if (missing.length > 0) {
    throw new StrataError('input', `${what}: ${file} lacks column(s) ${missing.join(', ')}`, `Rebuild ${what} with the SPEC §8 columns.`)
  }
}

/** A double as SQL text that DuckDB parses back to the same double (a bare 0.1 would be DECIMAL). */
export function doubleLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new StrataError('compute', `cannot write ${value} as a SQL number`)
  return `CAST('${String(value)}' AS DOUBLE)`
}

/**
 * CTEs ending in `r(customer_id, cdi, raw_segment)`. The arithmetic follows the model's
 * definition term by term, z = (x − mean) / scale, p = Σ z·component, d = Σ (p − centroid)², so
 * that distances are reproducible outside DuckDB.
 */
function rawSegmentCtes(model: SegmentModel, cdiFile: string, featuresFile: string): string {
  const z = MODEL_FEATURES.map(
    (f, i) => `((CAST(f.${quoteIdent(f)} AS DOUBLE) - ${doubleLiteral(model.means[i] ?? NaN)}) / ${doubleLiteral(model.scales[i] ?? NaN)}) AS z${i}`,
  )
  const p = model.components.map((row, j) => `(${row.map((c, i) => `z${i} * ${doubleLiteral(c)}`).join(' + ')}) AS p${j}`)
  const d = model.centroids.map((row, k) => `(${row.map((c, j) => `(p${j} - ${doubleLiteral(c)}) * (p${j} - ${doubleLiteral(c)})`).join(' + ')}) AS d${k}`)
  // The first k whose distance is ≤ every later one is the lowest index among the minima.
  const nk = model.centroids.length
  const whens: string[] = []
  for (let k = 0; k < nk - 1; k++) {
    const later = Array.from({ length: nk - 1 - k }, (_, m) => `d${k} <= d${k + 1 + m}`).join(' AND ')
    whens.push(`WHEN ${later} THEN ${sqlString(model.names[k] ?? '')}`)
  }
  const nearest = nk === 1 ? sqlString(model.names[0] ?? '') : `CASE ${whens.join(' ')} ELSE ${sqlString(model.names[nk - 1] ?? '')} END`
  return `
    zs AS (
      SELECT c.customer_id, c.cdi, ${z.join(', ')}
      FROM read_parquet(${sqlString(cdiFile)}) c JOIN read_parquet(${sqlString(featuresFile)}) f USING (customer_id)
    ),
    ps AS (SELECT customer_id, cdi, ${p.join(', ')} FROM zs),
    ds AS (SELECT customer_id, cdi, ${d.join(', ')} FROM ps),
    r AS (SELECT customer_id, cdi, ${nearest} AS raw_segment FROM ds)`
}

/** Refuses inputs that would otherwise drop or duplicate customers silently. */
async function checkInputs(db: DuckDb, cdiFile: string, featuresFile: string, previousSegmentsFile: string | undefined): Promise<void> {
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
  if (previousSegmentsFile !== undefined) {
    const [y] = await db.all<{ rows: bigint; ids: bigint }>(`SELECT count(*) AS rows, count(DISTINCT customer_id) AS ids FROM read_parquet(${sqlString(previousSegmentsFile)})`)
    if (y && y.rows !== y.ids) throw new StrataError('input', `segments(D-1): ${previousSegmentsFile} has duplicate customer_id rows`, 'Rebuild segments for the previous day.')
  }
}

async function summarise(db: DuckDb, outFile: string, previousSegmentsFile: string | undefined, version: string, delta: number): Promise<SegmentsMetadata> {
  const rows = await db.all<{ segment: string; n: bigint; kept: bigint }>(
    `SELECT segment, count(*) AS n, count(*) FILTER (WHERE kept_by_hysteresis) AS kept FROM read_parquet(${sqlString(outFile)}) GROUP BY segment`,
  )
  const sizes = Object.fromEntries(SEGMENT_NAMES.map((n) => [n, 0])) as Record<SegmentName, number>
  let total = 0
  let kept = 0
  for (const r of rows) {
    sizes[r.segment as SegmentName] = Number(r.n)
    total += Number(r.n)
    kept += Number(r.kept)
  }
  let changed: number | null = null
  if (previousSegmentsFile !== undefined) {
    const [c] = await db.all<{ changed: bigint }>(
      `SELECT count(*) AS changed FROM read_parquet(${sqlString(outFile)}) t JOIN read_parquet(${sqlString(previousSegmentsFile)}) y USING (customer_id) WHERE t.segment <> y.segment`,
    )
    changed = Number(c?.changed ?? 0n)
  }
  return { rows: total, kept_by_hysteresis: kept, segment_sizes: sizes, changed_vs_yesterday: changed, model_version: version, hysteresis_delta: delta }
}

function isFiniteVector(values: readonly number[], length: number): boolean {
  return Array.isArray(values) && values.length === length && values.every((v) => typeof v === 'number' && Number.isFinite(v))
}
