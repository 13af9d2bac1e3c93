import { ATM_EVENTS, BRANCH_EVENTS, CURRENCIES, CURRENCY_CUM, DIGITAL_EVENTS, EVENT_CHANNELS, MARKETING_EVENTS, PHONE_EVENTS, RESOLVED_VIA, TRADE_CHANNELS, type Profile } from './behaviour-profiles.js'
import { campaign, ticketSubject } from './free-text.js'
import type { IncrementTable } from './landing-tables.js'
import type { SampleCounters } from './sample-counters.js'
import { timestamp, type DayNames } from './sample-dates.js'
import type { TimestampStyles } from './sample-profile.js'
import { pick, type Rng } from './sample-rng.js'

const ID_PREFIX: Readonly<Record<IncrementTable, string>> = { channel_events: 'E', trades: 'T', tickets: 'K', marketing: 'M' }

/** The next id of `table`: `E00000001`-style, or (realistic tickets) numeric with leading zeros. */
export function nextId(counters: SampleCounters, table: IncrementTable, numericTickets: boolean): string {
  counters.next[table] += 1
  // Real ticket systems export numeric ids with leading zeros; they must survive as text.
  if (numericTickets && table === 'tickets') return String(counters.next[table]).padStart(9, '0')
  return `${ID_PREFIX[table]}${String(counters.next[table]).padStart(8, '0')}`
}

/** Fills `fields` with one valid row of `table` for customer `i`, event on `eventDay`. */
export function fillRow(
  table: IncrementTable,
  fields: string[],
  rng: Rng,
  names: DayNames,
  profile: Profile,
  id: string,
  customerId: string,
  eventDay: number,
  styles: TimestampStyles,
): void {
  fields[0] = id
  fields[1] = customerId
  fields[2] = timestamp(rng, names, eventDay, styles)
  switch (table) {
    case 'channel_events': {
      const channel = pick(profile.eventChannelCum, rng.next())
      fields[3] = EVENT_CHANNELS[channel]!
      const r = rng.next()
      if (channel <= 1) fields[4] = r < profile.loginShare ? 'login' : DIGITAL_EVENTS[Math.floor(((r - profile.loginShare) / (1 - profile.loginShare)) * DIGITAL_EVENTS.length)] ?? 'view'
      else if (channel === 2) fields[4] = BRANCH_EVENTS[Math.floor(r * BRANCH_EVENTS.length)]!
      else if (channel === 3) fields[4] = PHONE_EVENTS[Math.floor(r * PHONE_EVENTS.length)]!
      else fields[4] = ATM_EVENTS[Math.floor(r * ATM_EVENTS.length)]!
      return
    }
    case 'trades': {
      fields[3] = TRADE_CHANNELS[pick(profile.tradeChannelCum, rng.next())]!
      const notional = Math.max(1, Math.exp(profile.notionalMu + profile.notionalSigma * rng.normal()))
      // Some source systems send whole amounts without decimals.
      fields[4] = rng.next() < 0.1 ? String(Math.round(notional)) : notional.toFixed(2)
      fields[5] = CURRENCIES[pick(CURRENCY_CUM, rng.next())]!
      return
    }
    case 'tickets':
      fields[3] = RESOLVED_VIA[pick(profile.resolvedCum, rng.next())]!
      // The realistic files' free text (see REALISTIC_COLUMNS).
      if (fields.length > 4) fields[4] = ticketSubject(rng)
      return
    case 'marketing':
      fields[3] = MARKETING_EVENTS[pick(profile.marketingCum, rng.next())]!
      if (fields.length > 4) fields[4] = campaign(rng)
      return
  }
}
