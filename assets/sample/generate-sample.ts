import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { corruptRow, DUPLICATE_SHARE_OF_BAD, lightKinds, REALISTIC_INCREMENT_KINDS, type BadRowKind } from './bad-rows.js'
import { BASE_PROFILES, compile, DRIFTED_PROFILES, GROUPS, type BehaviourGroup } from './behaviour-profiles.js'
import { behaviourGroupsCsv } from './behaviour-groups.js'
import { CsvBuilder } from './csv-buffers.js'
import { dayLayouts } from './day-layouts.js'
import { renderLine } from './file-layout.js'
import { fillRow, nextId } from './increment-rows.js'
import { INCREMENTS, type IncrementTable, type LandingTable } from './landing-tables.js'
import { buildPopulation, customerId } from './population.js'
import { newCounters } from './sample-counters.js'
import { DAY_MARGIN, DayNames, SIGNUP_HISTORY_DAYS, timestamp } from './sample-dates.js'
import { validate, type GenerateSampleOptions } from './sample-options.js'
import type { SampleProfile } from './sample-profile.js'
import { pick, Rng } from './sample-rng.js'
import { realisticSnapshots, snapshots } from './snapshot-rows.js'

// The generator's public API. Its parts are in this folder, one concern a file (see the README).
export type { BadRowKind } from './bad-rows.js'
export type { BehaviourGroup } from './behaviour-profiles.js'
export type { LandingTable } from './landing-tables.js'
export { localLandingWriter, type LandingWriter } from './landing-writer.js'
export type { GenerateSampleOptions } from './sample-options.js'
export type { SampleProfile } from './sample-profile.js'

export interface SampleSummary {
  readonly location: string
  readonly firstDay: string
  readonly lastDay: string
  readonly days: number
  readonly seed: number
  readonly profile: SampleProfile
  /** Distinct customers over the sample. */
  readonly customers: number
  readonly customersOnLastDay: number
  /** Customers that never produce an increment row. */
  readonly inactiveCustomers: number
  readonly groups: Readonly<Record<BehaviourGroup, number>>
  /** Data rows written per table over all days (snapshots count every day; bad and duplicate rows included). */
  readonly rows: Readonly<Record<LandingTable, number>>
  /** Increment rows per snapshot customer per day. */
  readonly incrementRowsPerCustomerDay: number
  /** Increment rows whose event date is 1–10 days before their ingest day. */
  readonly lateRows: number
  readonly badRows: number
  readonly badRowsByKind: Readonly<Record<BadRowKind, number>>
  /** Extra valid rows that repeat an id already written that day. */
  readonly duplicateRows: number
  readonly driftFrom: string | null
  readonly gzip: boolean
  readonly files: number
  readonly bytes: number
}

const gzipAsync = promisify(gzip)

/**
 * Writes a synthetic landing area for the CDI pipeline (SPEC §1): per ingest day two snapshots
 * and four increments. Same options, same bytes.
 *
 * @example
 * const summary = await generateSample({ out: localLandingWriter('data/landing'), customers: 20_000, days: 120, start: '2025-01-01' })
 */
export async function generateSample(options: GenerateSampleOptions): Promise<SampleSummary> {
  const v = validate(options)
  const rng = new Rng(v.seed)
  const names = new DayNames(v.startEpochDay, -SIGNUP_HISTORY_DAYS - DAY_MARGIN, v.days + DAY_MARGIN)
  const pop = buildPopulation(rng, v, names)
  const shape = v.shape
  const base = BASE_PROFILES.map((spec) => compile(spec, shape.rateScale))
  const drifted = DRIFTED_PROFILES.map((spec) => compile(spec, shape.rateScale))
  const dupRate = shape.duplicateRate ?? v.badRate * DUPLICATE_SHARE_OF_BAD
  const styles = shape.timestampStyles
  const counters = newCounters()
  const rows: Record<LandingTable, number> = { customers: 0, statements: 0, channel_events: 0, trades: 0, tickets: 0, marketing: 0 }
  const scratch: Record<IncrementTable, string[]> = {
    channel_events: [],
    trades: [],
    tickets: [],
    marketing: [],
  }
  let files = 0
  let bytes = 0
  let snapshotCustomerDays = 0
  let customersOnLastDay = 0

  for (let day = 0; day < v.days; day++) {
    const dayName = names.get(day)
    const profiles = day >= v.driftDay ? drifted : base
    const layouts = dayLayouts(shape, rng, dayName, v.gzip)
    for (const table of INCREMENTS) scratch[table].length = layouts.columns[table].length
    const increments: Record<IncrementTable, CsvBuilder> = {
      channel_events: new CsvBuilder(layouts.files.channel_events),
      trades: new CsvBuilder(layouts.files.trades),
      tickets: new CsvBuilder(layouts.files.tickets),
      marketing: new CsvBuilder(layouts.files.marketing),
    }
    const duplicates: Record<IncrementTable, string[]> = { channel_events: [], trades: [], tickets: [], marketing: [] }

    for (let i = 0; i < v.customers; i++) {
      const signup = pop.signupDay[i]!
      if (day < signup || day >= pop.churnDay[i]! || pop.inactive[i] === 1) continue

      const profile = profiles[pop.group[i]!]!
      const count = rng.poisson(profile.totalRate * pop.activity[i]!)
      const id = count > 0 ? customerId(pop, i) : ''
      for (let e = 0; e < count; e++) {
        const table = INCREMENTS[pick(profile.tableCum, rng.next())]!
        let eventDay = day
        if (rng.next() < shape.lateShare) {
          const candidate = day - 1 - rng.int(10)
          // An event before the customer existed would be a different kind of bad data; keep it on time.
          if (candidate >= signup) {
            eventDay = candidate
            counters.late += 1
          }
        }
        const fields = scratch[table]
        fillRow(table, fields, rng, names, profile, nextId(counters, table, shape.varied), id, eventDay, styles)
        const builder = increments[table]
        const layout = layouts.files[table]
        if (v.badRate > 0 && rng.next() < v.badRate) {
          builder.push(corruptRow(table, fields, rng, names, day, counters.badByKind, shape.varied ? REALISTIC_INCREMENT_KINDS[table] : lightKinds(table), layout))
          counters.bad += 1
          continue
        }
        const line = renderLine(layout, fields, rng)
        builder.push(line)
        if (dupRate > 0 && rng.next() < dupRate) {
          // Half are plain re-sends, half the same id with a corrected timestamp (realistic trades:
          // a corrected notional); dedup keeps the first either way.
          if (shape.varied && table === 'trades') {
            fields[4] = (Number(fields[4]) + 1 + rng.int(100)).toFixed(2)
            duplicates[table].push(renderLine(layout, fields, rng))
          } else if (rng.next() < 0.5) duplicates[table].push(line)
          else {
            fields[2] = timestamp(rng, names, eventDay, styles)
            duplicates[table].push(renderLine(layout, fields, rng))
          }
          counters.duplicates += 1
        }
      }
    }
    for (const table of INCREMENTS) for (const line of duplicates[table]) increments[table].push(line)

    const snapshot = shape.varied ? realisticSnapshots(pop, day, rng, names, layouts.files, v.badRate, dupRate, counters) : snapshots(pop, day)
    snapshotCustomerDays += snapshot.present
    if (day === v.days - 1) customersOnLastDay = snapshot.present
    rows.customers += snapshot.customerRows
    rows.statements += snapshot.statementRows
    const plain: [LandingTable, Buffer][] = [
      ['customers', snapshot.customers],
      ['statements', snapshot.statements],
    ]
    for (const table of INCREMENTS) {
      rows[table] += increments[table].rows
      plain.push([table, increments[table].toBuffer()])
    }
    // zlib's async API runs on the thread pool, so the files compress side by side.
    const outputs: [string, Buffer][] = await Promise.all(
      plain.map(async ([table, content]): Promise<[string, Buffer]> => (layouts.files[table].gzip ? [`${table}.csv.gz`, await gzipAsync(content)] : [`${table}.csv`, content])),
    )
    for (const [, content] of outputs) bytes += content.length
    files += outputs.length
    await Promise.all(outputs.map(([fileName, content]) => options.out.write(dayName, fileName, content)))
  }

  const groups: Record<BehaviourGroup, number> = { digital_native: 0, digital_adopter: 0, hybrid: 0, traditional: 0 }
  let inactiveCustomers = 0
  for (let i = 0; i < v.customers; i++) {
    groups[GROUPS[pop.group[i]!]!] += 1
    inactiveCustomers += pop.inactive[i]!
  }
  if (options.behaviourGroups) await options.behaviourGroups(behaviourGroupsCsv(v.customers, (i) => customerId(pop, i), (i) => GROUPS[pop.group[i]!]!))
  const incrementRows = rows.channel_events + rows.trades + rows.tickets + rows.marketing
  return {
    location: options.out.location ?? '(custom writer)',
    firstDay: v.start,
    lastDay: names.get(v.days - 1),
    days: v.days,
    seed: v.seed,
    profile: shape.profile,
    customers: v.customers,
    customersOnLastDay,
    inactiveCustomers,
    groups,
    rows,
    incrementRowsPerCustomerDay: snapshotCustomerDays === 0 ? 0 : incrementRows / snapshotCustomerDays,
    lateRows: counters.late,
    badRows: counters.bad,
    badRowsByKind: counters.badByKind,
    duplicateRows: counters.duplicates,
    driftFrom: Number.isFinite(v.driftDay) ? names.get(v.driftDay) : null,
    gzip: v.gzip,
    files,
    bytes,
  }
}
