import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { sqlString, type SqlEngine } from '../../framework/sql/index.js'

/**
 * Curated partitions for tests, built from JS arrays. Rows go through a CSV (read back with
 * every column as text, then cast), so ids like `00123` stay strings exactly as a real
 * curated file holds them, and thousands of rows cost one COPY per table.
 */

export interface CustomerRow {
  customer_id: string
  signup_date: string
  country?: string | null
  has_robo_advice?: boolean
  alerts_enabled?: boolean
}
export interface StatementRow {
  customer_id: string
  delivery_mode: 'electronic' | 'paper'
}
export interface ChannelEventRow {
  event_id?: string
  customer_id: string
  event_date: string
  /** Defaults to noon of event_date. */
  ts?: string
  channel: string
  event: string
}
export interface TradeRow {
  trade_id?: string
  customer_id: string
  event_date: string
  ts?: string
  channel: string
  notional: number
  currency?: string | null
}
export interface TicketRow {
  ticket_id?: string
  customer_id: string
  event_date: string
  opened_ts?: string
  resolved_via: string | null
}
export interface MarketingRow {
  event_id?: string
  customer_id: string
  event_date: string
  ts?: string
  event: string
}

export interface CuratedTables {
  customers: CustomerRow[]
  statements: StatementRow[]
  channel_events: ChannelEventRow[]
  trades: TradeRow[]
  tickets: TicketRow[]
  marketing: MarketingRow[]
}
export type TableName = keyof CuratedTables
export type CuratedFiles = Record<TableName, string>

type Cell = string | number | boolean | null | undefined

/** The curated schema of SPEC §1 plus event_date, in column order. */
const SCHEMAS: Record<TableName, readonly (readonly [string, string])[]> = {
  customers: [['customer_id', 'VARCHAR'], ['signup_date', 'DATE'], ['country', 'VARCHAR'], ['has_robo_advice', 'BOOLEAN'], ['alerts_enabled', 'BOOLEAN']],
  statements: [['customer_id', 'VARCHAR'], ['delivery_mode', 'VARCHAR']],
  channel_events: [['event_id', 'VARCHAR'], ['customer_id', 'VARCHAR'], ['ts', 'TIMESTAMP'], ['event_date', 'DATE'], ['channel', 'VARCHAR'], ['event', 'VARCHAR']],
  trades: [['trade_id', 'VARCHAR'], ['customer_id', 'VARCHAR'], ['ts', 'TIMESTAMP'], ['event_date', 'DATE'], ['channel', 'VARCHAR'], ['notional', 'DOUBLE'], ['currency', 'VARCHAR']],
  tickets: [['ticket_id', 'VARCHAR'], ['customer_id', 'VARCHAR'], ['opened_ts', 'TIMESTAMP'], ['event_date', 'DATE'], ['resolved_via', 'VARCHAR']],
  marketing: [['event_id', 'VARCHAR'], ['customer_id', 'VARCHAR'], ['ts', 'TIMESTAMP'], ['event_date', 'DATE'], ['event', 'VARCHAR']],
}

const TABLES = Object.keys(SCHEMAS) as TableName[]

function cells(table: TableName, row: object, index: number, tag: string): Cell[] {
  const r = row as Record<string, Cell>
  const noon = typeof r.event_date === 'string' ? `${r.event_date} 12:00:00` : null
  const id = `${tag}-${table}-${index}`
  switch (table) {
    case 'customers':
      return [r.customer_id, r.signup_date, r.country ?? 'DE', r.has_robo_advice ?? false, r.alerts_enabled ?? false]
    case 'statements':
      return [r.customer_id, r.delivery_mode]
    case 'channel_events':
      return [r.event_id ?? id, r.customer_id, r.ts ?? noon, r.event_date, r.channel, r.event]
    case 'trades':
      return [r.trade_id ?? id, r.customer_id, r.ts ?? noon, r.event_date, r.channel, r.notional, r.currency === undefined ? 'EUR' : r.currency]
    case 'tickets':
      return [r.ticket_id ?? id, r.customer_id, r.opened_ts ?? noon, r.event_date, r.resolved_via]
    case 'marketing':
      return [r.event_id ?? id, r.customer_id, r.ts ?? noon, r.event_date, r.event]
  }
}

function csvField(value: Cell): string {
  if (value === null || value === undefined) return ''
  return `"${String(value).replace(/"/g, '""')}"`
}

/** Write one curated table as Parquet with its exact curated types. */
export async function writeCuratedTable(db: SqlEngine, table: TableName, rows: readonly object[], file: string, tag = 'x'): Promise<void> {
  const schema = SCHEMAS[table]
  const csv = `${file}.csv`
  const lines = [schema.map(([name]) => name).join(','), ...rows.map((row, i) => cells(table, row, i, tag).map(csvField).join(','))]
  await writeFile(csv, `${lines.join('\n')}\n`)
  const columns = `{${schema.map(([name]) => `${sqlString(name)}: 'VARCHAR'`).join(', ')}}`
  const select = schema.map(([name, type]) => `CAST(${name} AS ${type}) AS ${name}`).join(', ')
  await db.run(
    `COPY (SELECT ${select} FROM read_csv(${sqlString(csv)}, header = true, columns = ${columns}, quote = '"', escape = '"', auto_detect = false))
     TO ${sqlString(file)} (FORMAT parquet)`,
  )
  await rm(csv)
}

/**
 * Write a curated partition `<root>/curated/dt=<day>/<table>.parquet` for all six tables
 * (tables not given are written empty, with their schema) and return the paths.
 */
export async function writeCuratedDay(db: SqlEngine, root: string, day: string, tables: Partial<CuratedTables>): Promise<CuratedFiles> {
  const dir = join(root, 'curated', `dt=${day}`)
  await mkdir(dir, { recursive: true })
  const files = {} as CuratedFiles
  for (const table of TABLES) {
    files[table] = join(dir, `${table}.parquet`)
    await writeCuratedTable(db, table, tables[table] ?? [], files[table], day)
  }
  return files
}
