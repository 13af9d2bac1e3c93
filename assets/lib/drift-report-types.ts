import type { ModelFeature, SegmentName } from './segment-model-types.js'

// The drift_report document (SPEC §8) and its parts, apart from drift.ts so the schema can name them.

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
  /**
   * On the day a new weekly model takes over (a Monday with a model the week before): the share
   * of today's customers whose raw segment under the new model differs from their raw segment
   * under the previous one (same day, same features). Null otherwise; `notes` says why.
   */
  readonly retrain_churn: number | null
  readonly cdi_mean: number | null
  readonly cdi_std: number | null
  readonly segment_sizes: Readonly<Record<SegmentName, number>>
  readonly features: Readonly<Record<ModelFeature, FeatureDrift>>
  readonly status: DriftStatus
  readonly notes: readonly string[]
  readonly row_counts: DriftRowCounts
  readonly metrics: readonly MetricDatum[]
}
