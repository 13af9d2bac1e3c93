import { canonicalLayout, drawLayout, type FileLayout } from './file-layout.js'
import { CAMPAIGN_DAY_SHARE, COLUMNS, REALISTIC_COLUMNS, TABLE_ORDER, type LandingTable } from './landing-tables.js'
import { TWO_DIGITS } from './sample-dates.js'
import type { SampleShape } from './sample-profile.js'
import type { Rng } from './sample-rng.js'

export interface DayLayouts {
  /** Each table's canonical columns that day (what a row's fields hold). */
  readonly columns: Readonly<Record<LandingTable, readonly string[]>>
  readonly files: Readonly<Record<LandingTable, FileLayout>>
}

/**
 * How the day's six files are laid out. Light: the usual columns; a Windows export (CRLF) and a
 * BOM-prefixed file keep readers honest (both allowed by SPEC §1); increments gzipped on request.
 * Realistic: drawn per file (see drawLayout), marketing with a campaign column on some days.
 */
export function dayLayouts(shape: SampleShape, rng: Rng, dayName: string, gzipAll: boolean): DayLayouts {
  if (!shape.varied) {
    const lf = { eol: '\n', bom: false, gzip: false } as const
    const increment = { ...lf, gzip: gzipAll }
    return {
      columns: COLUMNS,
      files: {
        customers: canonicalLayout(COLUMNS.customers, lf),
        statements: canonicalLayout(COLUMNS.statements, lf),
        channel_events: canonicalLayout(COLUMNS.channel_events, increment),
        trades: canonicalLayout(COLUMNS.trades, increment),
        tickets: canonicalLayout(COLUMNS.tickets, { ...increment, bom: true }),
        marketing: canonicalLayout(COLUMNS.marketing, { ...increment, eol: '\r\n' }),
      },
    }
  }
  const columns = { ...REALISTIC_COLUMNS, marketing: rng.next() < CAMPAIGN_DAY_SHARE ? REALISTIC_COLUMNS.marketing : COLUMNS.marketing }
  const stamp = `${dayName}T0${1 + rng.int(5)}:${TWO_DIGITS[rng.int(60)]}:00Z`
  const files = {} as Record<LandingTable, FileLayout>
  for (const table of TABLE_ORDER) files[table] = drawLayout(rng, columns[table], gzipAll, stamp)
  return { columns, files }
}
