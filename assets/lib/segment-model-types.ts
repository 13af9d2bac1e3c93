/** The seven model features of SPEC §5, in this order everywhere (columns of every matrix). */
export const MODEL_FEATURES = [
  'pct_trades_digital_90d',
  'app_logins_30d',
  'e_statement_flag',
  'robo_advice_flag',
  'webinars_90d',
  'pct_tickets_resolved_digital_90d',
  'avg_notional_90d',
] as const
export type ModelFeature = (typeof MODEL_FEATURES)[number]

/** Segment names, from the highest mean CDI to the lowest (SPEC §5). */
export const SEGMENT_NAMES = ['digital_native', 'digital_adopter', 'hybrid', 'traditional'] as const
export type SegmentName = (typeof SEGMENT_NAMES)[number]

/**
 * The weekly segment model document (`model.json` in the segment_model partition), exactly the
 * keys of SPEC §8.
 */
export interface SegmentModel {
  readonly features: readonly ModelFeature[]
  /** Per feature, population mean over the training rows. */
  readonly means: readonly number[]
  /** Per feature, population std (1 when below 10 × machine epsilon). */
  readonly scales: readonly number[]
  /** 6 × 7: principal axes (rows) in standardised feature space. */
  readonly components: readonly (readonly number[])[]
  readonly explained_variance_ratio: readonly number[]
  /** 4 × 6: centroids in PCA space; centroid i is called names[i]. */
  readonly centroids: readonly (readonly number[])[]
  readonly names: readonly SegmentName[]
  readonly inertia: number
  /** Mean silhouette on a deterministic sample of at most 10,000 training rows; null when undefined (< 2 clusters used). */
  readonly silhouette: number | null
  readonly training_rows: number
  /** The feature partitions trained on: Monday-90 … Monday-1, clipped to what exists. */
  readonly window: { readonly from: string; readonly to: string }
  /** sha256 (hex, first 16 chars) of the canonical JSON of everything above. */
  readonly version: string
}

/** `baseline_edges.json` beside the model: per feature, the PSI bin edges (SPEC §7). */
export type BaselineEdges = Record<ModelFeature, number[]>
