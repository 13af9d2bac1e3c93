import type { BadRowKind } from './bad-rows.js'
import type { IncrementTable } from './landing-tables.js'

/** What the day loop counts as it writes: the last id per increment table, and the rows the summary reports. */
export interface SampleCounters {
  next: Record<IncrementTable, number>
  late: number
  bad: number
  duplicates: number
  badByKind: Record<BadRowKind, number>
}

export function newCounters(): SampleCounters {
  return {
    next: { channel_events: 0, trades: 0, tickets: 0, marketing: 0 },
    late: 0,
    bad: 0,
    duplicates: 0,
    badByKind: {
      missing_id: 0,
      bad_id: 0,
      bad_timestamp: 0,
      future_timestamp: 0,
      enum_out_of_range: 0,
      non_numeric_notional: 0,
      wrong_field_count: 0,
      bad_date: 0,
      bad_boolean: 0,
      bad_code: 0,
      bad_quoting: 0,
    },
  }
}
