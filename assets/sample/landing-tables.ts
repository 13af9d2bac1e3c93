/** The six landing tables of SPEC §1. */
export type LandingTable = 'customers' | 'statements' | 'channel_events' | 'trades' | 'tickets' | 'marketing'

/** The order the six files of a day are laid out in (the draws follow it). */
export const TABLE_ORDER: readonly LandingTable[] = ['customers', 'statements', 'channel_events', 'trades', 'tickets', 'marketing']

/** The four increment tables, in the order a customer's rows are drawn. */
export const INCREMENTS = ['channel_events', 'trades', 'tickets', 'marketing'] as const
export type IncrementTable = (typeof INCREMENTS)[number]
/** Each table's columns in their usual order (light). */
export const COLUMNS: Readonly<Record<LandingTable, readonly string[]>> = {
  customers: ['customer_id', 'signup_date', 'country', 'has_robo_advice', 'alerts_enabled'],
  statements: ['customer_id', 'delivery_mode'],
  channel_events: ['event_id', 'customer_id', 'ts', 'channel', 'event'],
  trades: ['trade_id', 'customer_id', 'ts', 'channel', 'notional', 'currency'],
  tickets: ['ticket_id', 'customer_id', 'opened_ts', 'resolved_via'],
  marketing: ['event_id', 'customer_id', 'ts', 'event'],
}
/** The realistic profile's usual columns: free text the pipeline ignores (marketing's campaign only on some days). */
export const REALISTIC_COLUMNS: Readonly<Record<LandingTable, readonly string[]>> = {
  ...COLUMNS,
  customers: ['customer_id', 'display_name', 'signup_date', 'country', 'has_robo_advice', 'alerts_enabled'],
  tickets: [...COLUMNS.tickets, 'subject'],
  marketing: [...COLUMNS.marketing, 'campaign'],
}
/** Share of realistic days whose marketing file has a campaign column. */
export const CAMPAIGN_DAY_SHARE = 0.4
export const HEADERS: Readonly<Record<LandingTable, string>> = {
  customers: COLUMNS.customers.join(','),
  statements: COLUMNS.statements.join(','),
  channel_events: COLUMNS.channel_events.join(','),
  trades: COLUMNS.trades.join(','),
  tickets: COLUMNS.tickets.join(','),
  marketing: COLUMNS.marketing.join(','),
}
