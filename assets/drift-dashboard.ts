import type { DashboardDefinition } from '../framework/definitions/index.js'
import { DRIFT_THRESHOLDS as T } from './lib/drift.js'

/**
 * The monitoring page `strata ui` serves at /drift, in place of the Grafana dashboard: the
 * drift_report figures of every day, with the SPEC §7 warn/alert bands drawn.
 */
export const driftDashboard: DashboardDefinition = {
  name: 'drift',
  title: 'Drift',
  asset: 'drift_report',
  statusField: 'status',
  marker: { field: 'warmup', label: 'warm-up' },
  charts: [
    { title: 'CDI mean and standard deviation', kind: 'line', series: ['cdi_mean', 'cdi_std'] },
    {
      title: 'CDI PSI (today against yesterday)',
      kind: 'line',
      series: ['cdi_psi'],
      bands: [
        { label: 'warn', level: 'warn', from: T.cdiPsiWarn, to: T.cdiPsiAlert },
        { label: 'alert', level: 'alert', from: T.cdiPsiAlert },
      ],
    },
    {
      title: 'Feature PSI (against the training window)',
      kind: 'line',
      series: ['features.*.psi'],
      bands: [
        { label: 'warn', level: 'warn', from: T.featurePsiWarn, to: T.featurePsiAlert },
        { label: 'alert', level: 'alert', from: T.featurePsiAlert },
      ],
    },
    { title: 'Segment churn', kind: 'line', series: ['segment_churn'], bands: [{ label: 'alert', level: 'alert', from: T.segmentChurnAlert }] },
    { title: 'Segment sizes', kind: 'stacked-area', series: ['segment_sizes'] },
  ],
}
