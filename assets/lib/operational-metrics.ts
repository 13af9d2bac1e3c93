import type { PublishableDatum } from '../../resources/cloudwatch.js'
import type { RunRecord } from '../../framework/runs/index.js'
import type { DriftStatus } from './drift.js'
import { TABLE_NAMES } from './tables.js'
import type { RawMetadata } from './raw.js'

/**
 * Figures beside SPEC §7's metrics record that the deployed stack's alarms and dashboard read
 * (deploy/lib/strata-stack.ts). They are published to the same namespace but kept out of the
 * record itself, whose names SPEC §7 fixes.
 */

/** `Drift_Status`: 0 ok, 1 warn, 2 alert, so one alarm (≥ 2) pages on an alert and a graph shows warn days. */
export function driftStatusMetric(status: DriftStatus): PublishableDatum {
  return { name: 'Drift_Status', value: status === 'alert' ? 2 : status === 'warn' ? 1 : 0, unit: 'None' }
}

/** `Quarantine_Rate` per landing table (dimension `Table`): quarantined / rows read, as raw's check sees it. */
export function quarantineRateMetrics(metadata: RawMetadata): PublishableDatum[] {
  return TABLE_NAMES.flatMap((table) => {
    const figures = metadata.tables[table]
    return figures === undefined ? [] : [{ name: 'Quarantine_Rate', value: figures.quarantine_rate, unit: 'None' as const, dimensions: { Table: table } }]
  })
}

/** `Steps_Failed` of a finished run (0 included, so a graph shows the runs that went well). */
export function runMetrics(record: RunRecord): PublishableDatum[] {
  return [{ name: 'Steps_Failed', value: record.counts.failed, unit: 'Count' }]
}
