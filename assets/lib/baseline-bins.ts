import { writeFileSync } from 'node:fs'
import { StrataError } from '../../framework/errors/index.js'
import type { SqlEngine } from '../../framework/sql/index.js'
import { readJsonFile } from './json-file.js'
import { featureBinCountsSql, type KsScale } from './drift-queries.js'
import { MODEL_FEATURES, type ModelFeature } from './segment-model-types.js'

/** The model partition's file of its baseline's drift bins (see BaselineBins). */
export const BASELINE_BINS_FILE = 'baseline_bins.json'

/** KS bins per feature over the baseline's 0.1 %..99.9 % range (plus one for each tail). */
export const KS_BINS = 1024

/** The baseline rows per PSI bin `bin` and KS bin `kbin` of feature `ord`: their count `n`, distinct values `rows`, smallest `lo` and largest `hi` value. */
export interface BinCount {
  readonly ord: number
  readonly bin: number
  readonly kbin: number
  readonly n: number
  readonly rows: number
  readonly lo: number
  readonly hi: number
}

/**
 * The baseline's side of drift_report's feature bins, counted once by segment_model instead of
 * every day by drift_report (at 1M customers the baseline holds ~12M distinct values, today ~1M):
 * per feature its KS scale, and the counts per (PSI bin, KS bin) in (ord, bin, kbin) order.
 */
export interface BaselineBins {
  readonly scales: readonly KsScale[]
  readonly bins: readonly BinCount[]
}

/**
 * KS bins spread over [from, to]: equal widths, of the logarithm when the range spans more than two
 * orders of magnitude above 0 (mean notionals do), so the bins hold similar counts. The bins only
 * decide how much of the samples the exact KS gap reads, never its value.
 */
export function ksScale(from: number, to: number, bins = KS_BINS): KsScale {
  return { from, to, bins, log: from > 0 && to > 100 * from }
}

/**
 * Counts `samples` (side, ord, value, n: one side) into each feature's PSI bins on `edges` and its
 * KS bins on `scales`.
 */
export async function countBins(db: SqlEngine, samples: string, edges: Readonly<Record<ModelFeature, readonly number[]>>, scales: readonly KsScale[]) {
  type Row = { ord: number; bin: number; kbin: number | null; n: bigint | null; rows: bigint; lo: number | null; hi: number | null; bad: bigint }
  return db.all<Row>(featureBinCountsSql(samples, edges, scales))
}

/** The baseline bins of `relation` (ord, value, n: the model's value counts) on `edges` and `scales`, in (ord, bin, kbin) order. */
export async function countBaselineBins(db: SqlEngine, relation: string, edges: Readonly<Record<ModelFeature, readonly number[]>>, scales: readonly KsScale[]): Promise<BaselineBins> {
  const rows = await countBins(db, `(SELECT 1 AS side, ord, value, n FROM ${relation})`, edges, scales)
  const bins = rows.map((r) => ({ ord: r.ord, bin: r.bin, kbin: r.kbin ?? 0, n: Number(r.n ?? 0n), rows: Number(r.rows), lo: r.lo ?? 0, hi: r.hi ?? 0 }))
  bins.sort((a, b) => a.ord - b.ord || a.bin - b.bin || a.kbin - b.kbin)
  return { scales, bins }
}

export function writeBaselineBins(file: string, bins: BaselineBins): void {
  writeFileSync(file, `${JSON.stringify(bins)}\n`)
}

/** Reads and checks a model partition's baseline bins. */
export function readBaselineBins(file: string): BaselineBins {
  const fix = 'Rebuild the segment_model partition of this week.'
  const doc = readJsonFile(file, 'segment_model', fix) as Partial<BaselineBins> | null
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x)
  const count = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0
  const ok =
    doc !== null &&
    Array.isArray(doc.scales) &&
    doc.scales.length === MODEL_FEATURES.length &&
    doc.scales.every((s: Partial<KsScale>) => finite(s.from) && finite(s.to) && Number.isSafeInteger(s.bins) && (s.bins as number) > 0 && typeof s.log === 'boolean') &&
    Array.isArray(doc.bins) &&
    doc.bins.every(
      (b: Partial<BinCount>) =>
        Number.isInteger(b.ord) && (b.ord as number) >= 0 && (b.ord as number) < MODEL_FEATURES.length && Number.isInteger(b.bin) && Number.isInteger(b.kbin) && count(b.n) && count(b.rows) && finite(b.lo) && finite(b.hi),
    )
  if (!ok) throw new StrataError('corrupt', `segment_model: ${file} is not a baseline's drift bins`, fix)
  return doc as BaselineBins
}
