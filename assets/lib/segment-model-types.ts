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

/**
 * How segment_model clusters. `spec`: SPEC §5 (every customer-day row of the window, PCA,
 * mini-batch k-means). `stable`: ln(1 + x) of the count and amount features, standardised, full
 * k-means on one row per customer (the window's last day); see segment-model-stable.ts.
 */
export const SEGMENTATIONS = ['spec', 'stable'] as const
export type Segmentation = (typeof SEGMENTATIONS)[number]

/** Segment names, from the highest mean CDI to the lowest (SPEC §5). */
export const SEGMENT_NAMES = ['digital_native', 'digital_adopter', 'hybrid', 'traditional'] as const
export type SegmentName = (typeof SEGMENT_NAMES)[number]

/**
 * The weekly segment model document (`model.json` in the segment_model partition), exactly the
 * keys of SPEC §8.
 */
export interface SegmentModel {
  readonly features: readonly ModelFeature[]
  /**
   * Absent in SPEC §5 models; `stable` for the stable segmentation (segment-model-stable.ts), whose
   * components are the identity (no PCA) and whose window is the one day it trained on.
   */
  readonly segmentation?: 'stable'
  /** Features taken as ln(1 + x) before standardising (stable models); absent means none. */
  readonly log1p?: readonly ModelFeature[]
  /**
   * Shares shrunk towards a prior before standardising (stable models; segments.ts SHARE_EVENTS
   * names each share's event columns): (digital + weight · prior) / (events + weight). Absent
   * means none.
   */
  readonly shrink?: ShareShrink
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
  /** How good and how stable the clustering is (beyond SPEC §8; absent in models from before it). */
  readonly quality?: SegmentModelQuality
  /** sha256 (hex, first 16 chars) of the canonical JSON of everything above. */
  readonly version: string
}

/** The stable segmentation's shrinkage of shares: the pseudo-event weight and each share's prior. */
export interface ShareShrink {
  readonly weight: number
  readonly priors: Readonly<Partial<Record<ModelFeature, number>>>
}

/** `baseline_edges.json` beside the model: per feature, the PSI bin edges (SPEC §7). */
export type BaselineEdges = Record<ModelFeature, number[]>

/** The model's own account of its clustering, in model.json beside the SPEC §8 keys. */
export interface SegmentModelQuality {
  /** Training rows nearest each centroid, by segment name (they add up to training_rows). */
  readonly cluster_sizes: Record<SegmentName, number>
  /** The clustering run: what it ran on and how it ended. */
  readonly kmeans: {
    readonly algorithm: 'mini-batch' | 'lloyd'
    /** Rows the clustering saw, and how many distinct vectors they are. */
    readonly rows: number
    readonly distinct_rows: number
    /** Mini-batch steps run and the budget (max_iter passes); Lloyd: iterations of the kept run. */
    readonly steps: number
    readonly max_steps: number
    /** True when the smoothed-inertia early stop ended the run (mini-batch) or the run converged (Lloyd). */
    readonly early_stop: boolean
    /** Starved centres moved to random rows (mini-batch; 0 for Lloyd). */
    readonly reassignments: number
    /** Mini-batch: the Lloyd iterations that refined the kept run until it converged (refined-kmeans.ts). */
    readonly refine_iterations?: number
  }
  /** The initialisation candidates. */
  readonly candidates: {
    /**
     * Inertia of each candidate's final centres on the rows the clustering saw: mini-batch, of
     * its run refined by Lloyd; Lloyd, of its converged run.
     */
    readonly inertias: readonly number[]
    /** The candidate kept (lowest inertia, first on a tie). */
    readonly chosen: number
    /**
     * Agreement between the candidates' labellings of the silhouette sample: mean and lowest
     * adjusted Rand index over the pairs (1 = the same partition). Null with one candidate.
     */
    readonly agreement: { readonly mean: number; readonly min: number } | null
  }
}
