import { CUSTOMER_KINDS, STATEMENT_KINDS, corruptRow } from './bad-rows.js'
import { BOOLEAN_STYLES, COUNTRIES } from './behaviour-profiles.js'
import { ByteSink } from './csv-buffers.js'
import { renderLine, type FileLayout } from './file-layout.js'
import { HEADERS } from './landing-tables.js'
import { customerId, flagOn, type Population } from './population.js'
import type { SampleCounters } from './sample-counters.js'
import type { DayNames } from './sample-dates.js'
import type { Rng } from './sample-rng.js'

const BOOLEAN_BYTES = BOOLEAN_STYLES.map(([no, yes]) => [Buffer.from(`${no},`), Buffer.from(`${yes},`), Buffer.from(`${no}\n`), Buffer.from(`${yes}\n`)] as const)
const DELIVERY_BYTES = [Buffer.from('paper\n'), Buffer.from('electronic\n')] as const
const CUSTOMERS_HEADER = Buffer.from(`${HEADERS.customers}\n`)
const STATEMENTS_HEADER = Buffer.from(`${HEADERS.statements}\n`)

/** The two snapshots of one day, written straight into preallocated Buffers. */
export function snapshots(pop: Population, day: number): SnapshotFiles {
  const n = pop.idLength.length
  // Upper bounds: every customer present, the longest boolean spelling ("FALSE," + "FALSE\n").
  const customers = Buffer.allocUnsafe(CUSTOMERS_HEADER.length + pop.prefixBytes.length + 12 * n)
  const statements = Buffer.allocUnsafe(STATEMENTS_HEADER.length + pop.prefixBytes.length + 11 * n)
  let c = CUSTOMERS_HEADER.copy(customers, 0)
  let s = STATEMENTS_HEADER.copy(statements, 0)
  let rows = 0
  for (let i = 0; i < n; i++) {
    if (day < pop.signupDay[i]! || day >= pop.churnDay[i]!) continue
    rows++
    const start = pop.prefixStart[i]!
    const bools = BOOLEAN_BYTES[pop.booleanStyle[i]!]!
    c += pop.prefixBytes.copy(customers, c, start, pop.prefixStart[i + 1]!)
    c += bools[flagOn(pop, i, 1, day) ? 1 : 0].copy(customers, c)
    c += bools[flagOn(pop, i, 2, day) ? 3 : 2].copy(customers, c)
    s += pop.prefixBytes.copy(statements, s, start, start + pop.idLength[i]! + 1)
    s += DELIVERY_BYTES[flagOn(pop, i, 0, day) ? 1 : 0].copy(statements, s)
  }
  return { customers: customers.subarray(0, c), statements: statements.subarray(0, s), present: rows, customerRows: rows, statementRows: rows }
}

export interface SnapshotFiles {
  readonly customers: Buffer
  readonly statements: Buffer
  /** Customers in the snapshot (present that day). */
  readonly present: number
  readonly customerRows: number
  readonly statementRows: number
}

/**
 * The realistic snapshots of one day: customers with display names, statements without the
 * customers who have none, each through its file's layout; about `badRate` of the rows broken in
 * place and `dupRate` repeated at the end with other values (so "keep the first" matters). Rows
 * in the usual layout are byte copies of the customer's prefix, as in the light snapshots.
 */
export function realisticSnapshots(
  pop: Population,
  day: number,
  rng: Rng,
  names: DayNames,
  layouts: { customers: FileLayout; statements: FileLayout },
  badRate: number,
  dupRate: number,
  counters: SampleCounters,
): SnapshotFiles {
  const n = pop.idLength.length
  const customers = new ByteSink(pop.prefixBytes.length + 16 * n)
  const statements = new ByteSink(24 * n)
  const cl = layouts.customers
  const sl = layouts.statements
  customers.text(`${cl.bom ? '\uFEFF' : ''}${cl.header}${cl.eol}`)
  statements.text(`${sl.bom ? '\uFEFF' : ''}${sl.header}${sl.eol}`)
  const duplicates = { customers: [] as string[], statements: [] as string[] }
  let present = 0
  let customerRows = 0
  let statementRows = 0
  for (let i = 0; i < n; i++) {
    if (day < pop.signupDay[i]! || day >= pop.churnDay[i]!) continue
    present++
    const start = pop.prefixStart[i]!
    const [no, yes] = BOOLEAN_STYLES[pop.booleanStyle[i]!]!
    const robo = flagOn(pop, i, 1, day) ? yes : no
    const alerts = flagOn(pop, i, 2, day) ? yes : no
    const r = rng.next()
    customerRows++
    if (r >= badRate + dupRate && cl.canonical) {
      customers.copy(pop.prefixBytes, start, pop.prefixStart[i + 1]!)
      customers.text(`${robo},${alerts}${cl.eol}`)
    } else {
      const id = customerId(pop, i)
      const fields = [id, pop.displayName[i]!, names.get(pop.signupDay[i]!), COUNTRIES[pop.country[i]!]!, robo, alerts]
      if (r < badRate) {
        customers.text(`${corruptRow('customers', fields, rng, names, day, counters.badByKind, CUSTOMER_KINDS, cl)}${cl.eol}`)
        counters.bad++
      } else {
        customers.text(`${renderLine(cl, fields, rng)}${cl.eol}`)
        if (r < badRate + dupRate) {
          // The same customer again with alerts switched: a second export of a row that changed.
          fields[5] = alerts === yes ? no : yes
          duplicates.customers.push(renderLine(cl, fields, rng))
          counters.duplicates++
        }
      }
    }
    if (pop.noStatements[i] === 1) continue
    const electronic = flagOn(pop, i, 0, day)
    const mode = electronic ? 'electronic' : 'paper'
    const rs = rng.next()
    statementRows++
    if (rs >= badRate + dupRate && sl.canonical) {
      statements.copy(pop.prefixBytes, start, start + pop.idLength[i]! + 1)
      statements.text(`${mode}${sl.eol}`)
    } else {
      const fields = [customerId(pop, i), mode]
      if (rs < badRate) {
        statements.text(`${corruptRow('statements', fields, rng, names, day, counters.badByKind, STATEMENT_KINDS, sl)}${sl.eol}`)
        counters.bad++
      } else {
        statements.text(`${renderLine(sl, fields, rng)}${sl.eol}`)
        if (rs < badRate + dupRate) {
          fields[1] = electronic ? 'paper' : 'electronic'
          duplicates.statements.push(renderLine(sl, fields, rng))
          counters.duplicates++
        }
      }
    }
  }
  for (const line of duplicates.customers) customers.text(`${line}${cl.eol}`)
  for (const line of duplicates.statements) statements.text(`${line}${sl.eol}`)
  customerRows += duplicates.customers.length
  statementRows += duplicates.statements.length
  return { customers: customers.toBuffer(), statements: statements.toBuffer(), present, customerRows, statementRows }
}
