/**
 * The six landing tables of SPEC §1, as frozen data: what each column must hold, which column
 * identifies a row, and which one carries the event time. `raw` validates against these specs
 * and `curated` types and deduplicates by them.
 */

/** The grammar a column's value must follow (SPEC §1, "Exact grammar"). */
export type ColumnRule =
  | { readonly kind: 'id' }
  | { readonly kind: 'date' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'lowercase_word' }
  | { readonly kind: 'country' }
  | { readonly kind: 'currency' }
  | { readonly kind: 'positive_decimal' }

export interface ColumnSpec {
  readonly name: string
  readonly rule: ColumnRule
  /** The column may be absent from the header; when present, an empty value is null. */
  readonly optional: boolean
  /**
   * An empty value is null rather than "required value is missing". True for every optional
   * column, and for `tickets.resolved_via`, which must be in the header but is empty while a
   * ticket is unresolved.
   */
  readonly nullable: boolean
}

export type TableName = 'customers' | 'statements' | 'channel_events' | 'trades' | 'tickets' | 'marketing'

export interface TableSpec {
  readonly name: TableName
  /** A snapshot holds the full state as of its day; an increment holds the rows ingested that day. */
  readonly kind: 'snapshot' | 'increment'
  /** In SPEC order, which is also the order of the raw Parquet columns. */
  readonly columns: readonly ColumnSpec[]
  /** Duplicates of this column are dropped in curated (first valid row wins). */
  readonly idColumn: string
  /** The event time: checked against the ingest day, and the source of `event_date`. */
  readonly timestampColumn?: string
}

const id: ColumnRule = { kind: 'id' }
const timestamp: ColumnRule = { kind: 'timestamp' }

function required(name: string, rule: ColumnRule): ColumnSpec {
  return { name, rule, optional: false, nullable: false }
}

function optional(name: string, rule: ColumnRule): ColumnSpec {
  return { name, rule, optional: true, nullable: true }
}

function enumOf(...values: string[]): ColumnRule {
  return { kind: 'enum', values }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

/** The six tables, in SPEC §1 order (also the order of tables in the quarantine). */
export const TABLES: readonly TableSpec[] = deepFreeze([
  {
    name: 'customers',
    kind: 'snapshot',
    idColumn: 'customer_id',
    columns: [
      required('customer_id', id),
      required('signup_date', { kind: 'date' }),
      optional('country', { kind: 'country' }),
      required('has_robo_advice', { kind: 'bool' }),
      required('alerts_enabled', { kind: 'bool' }),
    ],
  },
  {
    name: 'statements',
    kind: 'snapshot',
    idColumn: 'customer_id',
    columns: [required('customer_id', id), required('delivery_mode', enumOf('electronic', 'paper'))],
  },
  {
    name: 'channel_events',
    kind: 'increment',
    idColumn: 'event_id',
    timestampColumn: 'ts',
    columns: [
      required('event_id', id),
      required('customer_id', id),
      required('ts', timestamp),
      required('channel', enumOf('app', 'web', 'branch', 'phone', 'atm')),
      required('event', { kind: 'lowercase_word' }),
    ],
  },
  {
    name: 'trades',
    kind: 'increment',
    idColumn: 'trade_id',
    timestampColumn: 'ts',
    columns: [
      required('trade_id', id),
      required('customer_id', id),
      required('ts', timestamp),
      required('channel', enumOf('app', 'web', 'branch', 'phone', 'advisor')),
      required('notional', { kind: 'positive_decimal' }),
      optional('currency', { kind: 'currency' }),
    ],
  },
  {
    name: 'tickets',
    kind: 'increment',
    idColumn: 'ticket_id',
    timestampColumn: 'opened_ts',
    columns: [
      required('ticket_id', id),
      required('customer_id', id),
      required('opened_ts', timestamp),
      { name: 'resolved_via', rule: enumOf('app', 'web', 'chat', 'phone', 'branch', 'email'), optional: false, nullable: true },
    ],
  },
  {
    name: 'marketing',
    kind: 'increment',
    idColumn: 'event_id',
    timestampColumn: 'ts',
    columns: [required('event_id', id), required('customer_id', id), required('ts', timestamp), required('event', { kind: 'lowercase_word' })],
  },
] satisfies TableSpec[])

export const TABLE_NAMES: readonly TableName[] = Object.freeze(TABLES.map((t) => t.name))

/** The spec of one table. */
export function tableSpec(name: TableName): TableSpec {
  const spec = TABLES.find((t) => t.name === name)
  if (!spec) throw new Error(`unknown table ${String(name)}`)
  return spec
}
