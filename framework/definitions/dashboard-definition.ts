/**
 * A page of charts over one daily asset's manifest metadata, for `strata ui` (e.g. the drift
 * dashboard over drift_report). Plain data: the engine reads the figures out of the manifests
 * and knows nothing of what they mean.
 */
export interface DashboardDefinition {
  /** The page's path, `/<name>`; lower-case letters, digits and dashes. */
  readonly name: string
  readonly title: string
  /** The asset whose manifests' `metadata` holds one document per partition. */
  readonly asset: string
  /** Metadata field holding the partition's status word (e.g. ok / warn / alert). */
  readonly statusField?: string
  /** Metadata field that is true on partitions to mark (e.g. warm-up days), and what to call them. */
  readonly marker?: { readonly field: string; readonly label: string }
  readonly charts: readonly DashboardChart[]
}

/** A threshold band drawn behind a chart. */
export interface DashboardBand {
  readonly label: string
  readonly level: 'warn' | 'alert'
  readonly from: number
  /** Open-ended when absent. */
  readonly to?: number
}

/**
 * One chart. `series` are metadata paths, dot-separated; a `*` segment expands over the keys of
 * the object there and names each series by its key (`features.*.psi`). A `stacked-area` chart
 * takes one path to an object of counts and stacks its keys.
 */
export interface DashboardChart {
  readonly title: string
  readonly kind: 'line' | 'stacked-area'
  readonly series: readonly string[]
  readonly bands?: readonly DashboardBand[]
}
