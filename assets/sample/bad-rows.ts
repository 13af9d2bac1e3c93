import { csvField } from './free-text.js'
import { renderValues, type FileLayout } from './file-layout.js'
import type { IncrementTable, LandingTable } from './landing-tables.js'
import { clock, DAY_S, type DayNames } from './sample-dates.js'
import type { Rng } from './sample-rng.js'

/** The ways a bad increment row is broken; each one breaks at least one SPEC §1 rule. */
export type BadRowKind =
  | 'missing_id'
  | 'bad_id'
  | 'bad_timestamp'
  | 'future_timestamp'
  | 'enum_out_of_range'
  | 'non_numeric_notional'
  | 'wrong_field_count'
  // Realistic profile only:
  | 'bad_date'
  | 'bad_boolean'
  | 'bad_code'
  | 'bad_quoting'

export const ENUM_COLUMNS: Readonly<Record<IncrementTable, readonly number[]>> = {
  channel_events: [3, 4],
  trades: [3],
  tickets: [3],
  marketing: [3],
}
export const BAD_ENUMS: Readonly<Record<IncrementTable, readonly (readonly string[])[]>> = {
  channel_events: [
    ['fax', 'App', 'mobile', 'ATM'],
    ['Login', 'log in', 'page-view', '2fa'],
  ],
  trades: [['atm', 'chat', 'App', 'online']],
  tickets: [['fax', 'sms', 'Chat', 'whatsapp']],
  marketing: [['Email_Open', 'webinar-attended', 'email open', 'webinar attended']],
}
export const BAD_IDS = ['C 000123', 'C000123!', 'Müller', 'C00\n0123', 'x'.repeat(65), '"C000124"', 'C000125;DROP']
export const BAD_NOTIONALS = ['1,250.00', 'abc', '1e3', '12.5.0', '-100.00', '0', '€100', '', '1 000']
export const BAD_KINDS: readonly BadRowKind[] = [
  'missing_id',
  'bad_id',
  'bad_timestamp',
  'future_timestamp',
  'enum_out_of_range',
  'wrong_field_count',
  'non_numeric_notional',
]
/** Realistic bad increment rows: every SPEC §1 reason their columns can break. */
export const REALISTIC_INCREMENT_KINDS: Readonly<Record<IncrementTable, readonly BadRowKind[]>> = {
  channel_events: ['missing_id', 'bad_id', 'bad_timestamp', 'future_timestamp', 'enum_out_of_range', 'wrong_field_count', 'bad_quoting'],
  trades: ['missing_id', 'bad_id', 'bad_timestamp', 'future_timestamp', 'enum_out_of_range', 'wrong_field_count', 'non_numeric_notional', 'bad_code', 'bad_quoting'],
  tickets: ['missing_id', 'bad_id', 'bad_timestamp', 'future_timestamp', 'enum_out_of_range', 'wrong_field_count', 'bad_quoting'],
  marketing: ['missing_id', 'bad_id', 'bad_timestamp', 'future_timestamp', 'enum_out_of_range', 'wrong_field_count', 'bad_quoting'],
}
export const CUSTOMER_KINDS: readonly BadRowKind[] = ['missing_id', 'bad_id', 'bad_date', 'bad_boolean', 'bad_code', 'wrong_field_count', 'bad_quoting']
export const STATEMENT_KINDS: readonly BadRowKind[] = ['missing_id', 'bad_id', 'enum_out_of_range', 'wrong_field_count', 'bad_quoting']
export const BAD_DATES = ['2025-02-30', '01.03.2019', '2019-1-5', '20190105', '0000-01-01', 'unknown']
export const BAD_BOOLEANS = ['yes', 'no', 'Y', 'N', 'wahr', '2', 'on']
export const BAD_COUNTRIES = ['DEU', 'D', 'Deutschland', 'U.S.', '12']
export const BAD_CURRENCIES = ['EURO', '€', 'US$', 'E', '978']
export const BAD_DELIVERY = ['Paper', 'email', 'ELECTRONIC', 'post']
/** A quote inside an unquoted field, or text after a closing quote: the record cannot be trusted. */
export const BAD_QUOTING = ['C00"0123', '"C000123"x', 'ab"c', '"quoted" tail']
/** Duplicates in the light profile are a small fraction of the bad-row rate: enough to exercise dedup, not to dominate. */
export const DUPLICATE_SHARE_OF_BAD = 0.1

/** The light profile's bad increment rows (notional only in trades). */
export function lightKinds(table: IncrementTable): readonly BadRowKind[] {
  return table === 'trades' ? BAD_KINDS : BAD_KINDS.slice(0, -1)
}

/**
 * Breaks a valid row (canonical fields of `table`; realistic snapshots too) in one of `kinds`, each
 * a way SPEC §1 quarantines, and renders it as a CSV line through `layout`.
 */
export function corruptRow(
  table: LandingTable,
  valid: readonly string[],
  rng: Rng,
  names: DayNames,
  day: number,
  badByKind: Record<BadRowKind, number>,
  kinds: readonly BadRowKind[],
  layout: FileLayout,
): string {
  const fields = valid.slice()
  const kind = kinds[rng.int(kinds.length)]!
  badByKind[kind] += 1
  const snapshot = table === 'customers' || table === 'statements'
  // The field that was changed (-1: none), CSV-encoded unless the point is a quoting error.
  let changed = -1
  let encode = true
  let fieldDelta = 0
  switch (kind) {
    case 'missing_id':
      changed = snapshot || rng.next() < 0.5 ? 0 : 1
      fields[changed] = ''
      break
    case 'bad_id':
      changed = snapshot || rng.next() < 0.3 ? 0 : 1
      fields[changed] = BAD_IDS[rng.int(BAD_IDS.length)]!
      break
    case 'bad_timestamp': {
      const date = names.get(day)
      const variants = [
        `${date}T10:15:00`,
        `${date} 10:15:00Z`,
        `${date.slice(0, 4)}-02-30T10:15:00Z`,
        `${date}T24:30:00Z`,
        `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)} 10:15`,
        String(Math.floor(Date.parse(`${date}T10:15:00Z`) / 1000)),
        'n/a',
      ]
      changed = 2
      fields[2] = variants[rng.int(variants.length)]!
      break
    }
    case 'future_timestamp': {
      const r = rng.next()
      changed = 2
      // Exactly midnight and a late-evening negative offset are both "at or after 00:00Z next day".
      if (r < 0.3) fields[2] = `${names.get(day + 1)}T00:00:00Z`
      else if (r < 0.6) fields[2] = `${names.get(day)}T23:30:00-0100`
      else fields[2] = `${names.get(day + 1 + rng.int(30))}T${clock(rng.int(DAY_S))}Z`
      break
    }
    case 'enum_out_of_range': {
      if (table === 'statements') {
        changed = 1
        fields[1] = BAD_DELIVERY[rng.int(BAD_DELIVERY.length)]!
        break
      }
      const increment = table as IncrementTable
      const columns = ENUM_COLUMNS[increment]
      const c = rng.int(columns.length)
      const choices = BAD_ENUMS[increment][c]!
      changed = columns[c]!
      fields[changed] = choices[rng.int(choices.length)]!
      break
    }
    case 'non_numeric_notional':
      changed = 4
      fields[4] = BAD_NOTIONALS[rng.int(BAD_NOTIONALS.length)]!
      break
    case 'wrong_field_count':
      fieldDelta = rng.next() < 0.5 ? -1 : 1
      break
    case 'bad_date':
      changed = 2
      fields[2] = BAD_DATES[rng.int(BAD_DATES.length)]!
      break
    case 'bad_boolean':
      changed = 4 + rng.int(2)
      fields[changed] = BAD_BOOLEANS[rng.int(BAD_BOOLEANS.length)]!
      break
    case 'bad_code':
      // customers' country, trades' currency
      changed = table === 'customers' ? 3 : 5
      fields[changed] = table === 'customers' ? BAD_COUNTRIES[rng.int(BAD_COUNTRIES.length)]! : BAD_CURRENCIES[rng.int(BAD_CURRENCIES.length)]!
      break
    case 'bad_quoting':
      changed = 0
      encode = false
      fields[0] = BAD_QUOTING[rng.int(BAD_QUOTING.length)]!
      break
  }
  if (changed >= 0 && encode) fields[changed] = csvField(fields[changed]!)
  const values = renderValues(layout, fields, rng)
  if (fieldDelta < 0) values.pop()
  else if (fieldDelta > 0) values.push('extra')
  return values.join(',')
}
