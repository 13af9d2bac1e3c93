import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { StrataError } from '../../framework/errors/index.js'
import { generateSample, localLandingWriter, type GenerateSampleOptions, type LandingWriter, type SampleSummary } from '../../assets/sample/generate-sample.js'

// The test reads the files the way SPEC §1 describes them, independently of the generator's code.

type Table = 'customers' | 'statements' | 'channel_events' | 'trades' | 'tickets' | 'marketing'
const TABLES: readonly Table[] = ['customers', 'statements', 'channel_events', 'trades', 'tickets', 'marketing']
const INCREMENTS: readonly Table[] = ['channel_events', 'trades', 'tickets', 'marketing']
const HEADERS: Record<Table, string[]> = {
  customers: ['customer_id', 'signup_date', 'country', 'has_robo_advice', 'alerts_enabled'],
  statements: ['customer_id', 'delivery_mode'],
  channel_events: ['event_id', 'customer_id', 'ts', 'channel', 'event'],
  trades: ['trade_id', 'customer_id', 'ts', 'channel', 'notional', 'currency'],
  tickets: ['ticket_id', 'customer_id', 'opened_ts', 'resolved_via'],
  marketing: ['event_id', 'customer_id', 'ts', 'event'],
}

const ID = /^[A-Za-z0-9_-]{1,64}$/
const WORD = /^[a-z][a-z0-9_]*$/
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|([+-])(\d{2}):?(\d{2}))$/
const DECIMAL = /^[+-]?(\d+(\.\d+)?|\.\d+)$/
const BOOL = /^(true|false|1|0)$/i
const DAY_MS = 86_400_000

function realDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d))
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d
}

function dateMs(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!m || !realDate(Number(m[1]), Number(m[2]), Number(m[3]))) return undefined
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
}

/** UTC epoch ms of a SPEC timestamp, or undefined when it breaks the grammar. */
function timestampMs(value: string): number | undefined {
  const m = TIMESTAMP.exec(value)
  if (!m) return undefined
  const [y, mo, d, h, mi] = [1, 2, 3, 4, 5].map((k) => Number(m[k])) as [number, number, number, number, number]
  const s = m[6] === undefined ? 0 : Number(m[6])
  if (!realDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined
  let offsetMin = 0
  if (m[7] !== 'Z') {
    const oh = Number(m[9])
    const om = Number(m[10])
    if (oh > 23 || om > 59) return undefined
    offsetMin = (m[8] === '-' ? -1 : 1) * (oh * 60 + om)
  }
  return Date.UTC(y, mo - 1, d, h, mi, s) - offsetMin * 60_000
}

interface CsvRecord {
  line: number
  fields: string[]
  /** A quote inside an unquoted field, or text after a closing quote. */
  malformed?: boolean
}

/** RFC 4180 reader: BOM ignored, CRLF or LF, quoted fields with commas, quotes and newlines, blank lines skipped. */
function parseCsv(text: string): CsvRecord[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text
  const records: CsvRecord[] = []
  let fields: string[] = []
  let field = ''
  let quoted = false
  let malformed = false
  let fieldStart = true
  let line = 1
  let recordLine = 1
  let i = 0
  const endRecord = (): void => {
    fields.push(field)
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields, ...(malformed ? { malformed } : {}) })
    fields = []
    field = ''
    malformed = false
    fieldStart = true
  }
  while (i < src.length) {
    const ch = src[i]!
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        field += '"'
        i += 2
        continue
      }
      if (ch === '"') {
        quoted = false
        if (src[i + 1] !== undefined && !',\r\n'.includes(src[i + 1]!)) malformed = true
      } else {
        if (ch === '\n') line++
        field += ch
      }
      i++
      continue
    }
    if (ch === '"' && fieldStart) quoted = true
    else if (ch === '"') {
      malformed = true
      field += ch
    } else if (ch === ',') {
      fields.push(field)
      field = ''
      fieldStart = true
      i++
      continue
    } else if (ch === '\r' && src[i + 1] === '\n') {
      i++
      continue
    } else if (ch === '\n') {
      endRecord()
      line++
      recordLine = line
      i++
      continue
    } else field += ch
    fieldStart = false
    i++
  }
  if (field !== '' || fields.length > 0) endRecord()
  return records
}

const ENUMS = {
  eventChannel: new Set(['app', 'web', 'branch', 'phone', 'atm']),
  tradeChannel: new Set(['app', 'web', 'branch', 'phone', 'advisor']),
  resolvedVia: new Set(['app', 'web', 'chat', 'phone', 'branch', 'email', '']),
}

/** Every SPEC §1 rule a data row breaks, for a file ingested on `day`. */
function problems(table: Table, f: readonly string[], day: string): string[] {
  const out: string[] = []
  if (f.length !== HEADERS[table].length) return ['field count']
  const nextDay = dateMs(day)! + DAY_MS
  const id = (k: number): void => {
    if (!ID.test(f[k]!)) out.push(`id ${HEADERS[table][k]}`)
  }
  const ts = (k: number): void => {
    const ms = timestampMs(f[k]!)
    if (ms === undefined) out.push('timestamp')
    else if (ms >= nextDay) out.push('future')
  }
  switch (table) {
    case 'customers': {
      id(0)
      const signup = dateMs(f[1]!)
      if (signup === undefined || signup >= nextDay) out.push('signup_date')
      if (f[2] !== '' && !/^[A-Za-z]{2}$/.test(f[2]!)) out.push('country')
      if (!BOOL.test(f[3]!) || !BOOL.test(f[4]!)) out.push('bool')
      break
    }
    case 'statements':
      id(0)
      if (f[1] !== 'electronic' && f[1] !== 'paper') out.push('delivery_mode')
      break
    case 'channel_events':
      id(0)
      id(1)
      ts(2)
      if (!ENUMS.eventChannel.has(f[3]!)) out.push('channel')
      if (!WORD.test(f[4]!)) out.push('event')
      break
    case 'trades':
      id(0)
      id(1)
      ts(2)
      if (!ENUMS.tradeChannel.has(f[3]!)) out.push('channel')
      if (!DECIMAL.test(f[4]!) || !(Number(f[4]) > 0)) out.push('notional')
      if (f[5] !== '' && !/^[A-Za-z]{3}$/.test(f[5]!)) out.push('currency')
      break
    case 'tickets':
      id(0)
      id(1)
      ts(2)
      if (!ENUMS.resolvedVia.has(f[3]!)) out.push('resolved_via')
      break
    case 'marketing':
      id(0)
      id(1)
      ts(2)
      if (!WORD.test(f[3]!)) out.push('event')
      break
  }
  return out
}

class MemoryWriter implements LandingWriter {
  readonly location = 'memory'
  readonly files = new Map<string, Buffer>()
  async write(day: string, fileName: string, content: Buffer | string): Promise<void> {
    this.files.set(`ingest_date=${day}/${fileName}`, Buffer.isBuffer(content) ? content : Buffer.from(content))
  }
}

interface Landed {
  summary: SampleSummary
  writer: MemoryWriter
  days: string[]
  /** day -> table -> header and records */
  tables: Map<string, Map<Table, { header: string[]; records: CsvRecord[] }>>
}

async function land(options: Omit<GenerateSampleOptions, 'out'>): Promise<Landed> {
  const writer = new MemoryWriter()
  const summary = await generateSample({ profile: 'light', ...options, out: writer })
  const days: string[] = []
  const tables = new Map<string, Map<Table, { header: string[]; records: CsvRecord[] }>>()
  for (let d = 0; d < options.days; d++) {
    const day = new Date(dateMs(options.start)! + d * DAY_MS).toISOString().slice(0, 10)
    days.push(day)
    const perTable = new Map<Table, { header: string[]; records: CsvRecord[] }>()
    for (const table of TABLES) {
      const gz = options.gzip === true && INCREMENTS.includes(table)
      const raw = writer.files.get(`ingest_date=${day}/${table}.csv${gz ? '.gz' : ''}`)
      if (!raw) throw new Error(`missing ${table} for ${day}`)
      const [header, ...records] = parseCsv((gz ? gunzipSync(raw) : raw).toString('utf8'))
      perTable.set(table, { header: header!.fields, records })
    }
    tables.set(day, perTable)
  }
  return { summary, writer, days, tables }
}

const tempDirs: string[] = []
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort()
}

describe('generateSample', () => {
  it('writes byte-identical files for the same options, and different ones for another seed', async () => {
    const options = { customers: 300, days: 6, start: '2025-03-28', badRows: 0.05, driftFrom: '2025-03-31', profile: 'light' as const }
    const roots = await Promise.all([0, 1, 2].map(() => mkdtemp(join(tmpdir(), 'strata-sample-'))))
    tempDirs.push(...roots)
    const [a, b, c] = roots as [string, string, string]
    const summaryA = await generateSample({ ...options, out: localLandingWriter(a) })
    const summaryB = await generateSample({ ...options, out: localLandingWriter(b) })
    await generateSample({ ...options, seed: 7, out: localLandingWriter(c) })

    const files = await listFiles(a)
    expect(files).toHaveLength(6 * 6)
    expect(files).toContain('ingest_date=2025-03-28/customers.csv')
    // Crossing the month end, and no temp files left behind by the atomic rename.
    expect(files).toContain('ingest_date=2025-04-02/marketing.csv')
    expect(files.every((f) => !f.includes('.tmp'))).toBe(true)
    expect(await listFiles(b)).toEqual(files)
    let differs = false
    for (const f of files) {
      const [x, y, z] = await Promise.all([readFile(join(a, f)), readFile(join(b, f)), readFile(join(c, f))])
      expect(x.equals(y), f).toBe(true)
      if (!x.equals(z)) differs = true
    }
    expect(differs).toBe(true)
    expect({ ...summaryB, location: a }).toEqual(summaryA)
    expect(summaryA.location).toBe(a)
    expect(summaryA.files).toBe(36)
  })

  it('writes every table with the SPEC §1 header and only valid values when badRows is 0', async () => {
    const { summary, days, tables } = await land({ customers: 600, days: 25, start: '2024-02-20', driftFrom: '2024-03-05' })
    const seenIds = new Map<Table, Set<string>>(INCREMENTS.map((t) => [t, new Set<string>()]))
    const activeCustomers = new Set<string>()
    const allCustomers = new Set<string>()
    const rowCounts: Record<Table, number> = { customers: 0, statements: 0, channel_events: 0, trades: 0, tickets: 0, marketing: 0 }
    let late = 0
    let incrementRows = 0
    const zones = new Set<string>()
    const emptyOptional = { country: 0, currency: 0, resolved_via: 0 }

    for (const day of days) {
      const dayTables = tables.get(day)!
      const snapshotIds = new Set<string>()
      for (const table of TABLES) {
        const { header, records } = dayTables.get(table)!
        expect(header, `${day} ${table}`).toEqual(HEADERS[table])
        rowCounts[table] += records.length
        for (const { fields, line } of records) {
          expect(problems(table, fields, day), `${day} ${table} line ${line}: ${fields.join(',')}`).toEqual([])
        }
      }
      for (const { fields } of dayTables.get('customers')!.records) {
        expect(snapshotIds.has(fields[0]!), `duplicate customer ${fields[0]} on ${day}`).toBe(false)
        snapshotIds.add(fields[0]!)
        allCustomers.add(fields[0]!)
        if (fields[2] === '') emptyOptional.country++
      }
      const statementIds = dayTables.get('statements')!.records.map((r) => r.fields[0])
      expect(new Set(statementIds)).toEqual(snapshotIds)

      const ingestStart = dateMs(day)!
      for (const table of INCREMENTS) {
        for (const { fields } of dayTables.get(table)!.records) {
          incrementRows++
          const ids = seenIds.get(table)!
          expect(ids.has(fields[0]!), `${table} id ${fields[0]} repeats`).toBe(false)
          ids.add(fields[0]!)
          expect(snapshotIds.has(fields[1]!), `${table} customer ${fields[1]} not in the ${day} snapshot`).toBe(true)
          activeCustomers.add(fields[1]!)
          const ts = fields[2]!
          const ms = timestampMs(ts)!
          if (ms < ingestStart) {
            late++
            expect(ms).toBeGreaterThanOrEqual(ingestStart - 10 * DAY_MS)
          }
          zones.add(ts.endsWith('Z') ? 'Z' : ts.at(-3) === ':' ? '+HH:MM' : '+HHMM')
          if (table === 'trades' && fields[5] === '') emptyOptional.currency++
          if (table === 'tickets' && fields[3] === '') emptyOptional.resolved_via++
        }
      }
    }

    expect(rowCounts).toEqual(summary.rows)
    expect(summary.badRows).toBe(0)
    expect(summary.duplicateRows).toBe(0)
    expect(summary.lateRows).toBe(late)
    expect(late / incrementRows).toBeGreaterThan(0.01)
    expect(late / incrementRows).toBeLessThan(0.06)
    expect(zones).toEqual(new Set(['Z', '+HH:MM', '+HHMM']))
    expect(emptyOptional.country).toBeGreaterThan(0)
    expect(emptyOptional.currency).toBeGreaterThan(0)
    expect(emptyOptional.resolved_via).toBeGreaterThan(0)

    // ids that look numeric keep their leading zeros; both id styles occur.
    expect([...allCustomers].some((id) => /^0\d+$/.test(id))).toBe(true)
    expect([...allCustomers].some((id) => /^C0\d+$/.test(id))).toBe(true)
    // Sign-ups and churn change the snapshot over time; some customers never do anything.
    expect(allCustomers.size).toBe(summary.customers)
    expect(tables.get(days[0]!)!.get('customers')!.records.length).toBeLessThan(summary.customers)
    expect(allCustomers.size - activeCustomers.size).toBeGreaterThanOrEqual(summary.inactiveCustomers)
    expect(summary.inactiveCustomers).toBeGreaterThan(0)
    expect(summary.incrementRowsPerCustomerDay).toBeGreaterThan(0.2)
    expect(summary.incrementRowsPerCustomerDay).toBeLessThan(0.5)
    expect(Object.values(summary.groups).every((n) => n > 0.1 * summary.customers)).toBe(true)
  })

  it('corrupts about the requested share of increment rows and adds a few duplicate ids', async () => {
    const { summary, days, tables } = await land({ customers: 1000, days: 8, start: '2025-01-01', badRows: 0.1 })
    let rows = 0
    let bad = 0
    let duplicates = 0
    const seen = new Map<Table, Set<string>>(INCREMENTS.map((t) => [t, new Set<string>()]))
    const rules = new Set<string>()
    for (const day of days) {
      for (const table of INCREMENTS) {
        for (const { fields } of tables.get(day)!.get(table)!.records) {
          rows++
          const broken = problems(table, fields, day)
          broken.forEach((rule) => rules.add(rule.split(' ')[0]!))
          if (broken.length > 0) bad++
          else if (seen.get(table)!.has(fields[0]!)) duplicates++
          else seen.get(table)!.add(fields[0]!)
        }
      }
    }
    expect(bad).toBe(summary.badRows)
    expect(bad / rows).toBeGreaterThan(0.08)
    expect(bad / rows).toBeLessThan(0.12)
    expect(duplicates).toBe(summary.duplicateRows)
    expect(duplicates).toBeGreaterThan(0)
    expect(rules).toEqual(new Set(['field', 'id', 'timestamp', 'future', 'channel', 'event', 'notional', 'resolved_via']))
    const realisticOnly = new Set(['bad_date', 'bad_boolean', 'bad_code', 'bad_quoting'])
    expect(Object.entries(summary.badRowsByKind).every(([kind, n]) => (realisticOnly.has(kind) ? n === 0 : n > 0))).toBe(true)
    // Snapshots stay clean: a bad snapshot row would fail whole-customer features, not one event.
    for (const day of days) for (const table of ['customers', 'statements'] as const) for (const r of tables.get(day)!.get(table)!.records) expect(problems(table, r.fields, day)).toEqual([])
  })

  it('gzips increments with the same content as the plain files', async () => {
    const options = { customers: 200, days: 3, start: '2025-06-01', badRows: 0.02 }
    const plain = await land(options)
    const zipped = await land({ ...options, gzip: true })
    expect([...zipped.writer.files.keys()]).toContain('ingest_date=2025-06-01/trades.csv.gz')
    expect([...zipped.writer.files.keys()]).toContain('ingest_date=2025-06-01/customers.csv')
    for (const [name, content] of zipped.writer.files) {
      const original = plain.writer.files.get(name.replace(/\.gz$/, ''))!
      expect((name.endsWith('.gz') ? gunzipSync(content) : content).equals(original), name).toBe(true)
    }
    expect(zipped.summary.gzip).toBe(true)
  })

  it('makes the digital groups more active from driftFrom on', async () => {
    const { days, tables, summary } = await land({ customers: 800, days: 20, start: '2025-01-01', driftFrom: '2025-01-11' })
    const perCustomer = (from: number, to: number): number => {
      let logins = 0
      let customers = 0
      for (const day of days.slice(from, to)) {
        customers += tables.get(day)!.get('customers')!.records.length
        logins += tables.get(day)!.get('channel_events')!.records.filter((r) => r.fields[4] === 'login').length
      }
      return logins / customers
    }
    expect(summary.driftFrom).toBe('2025-01-11')
    expect(perCustomer(10, 20)).toBeGreaterThan(1.3 * perCustomer(0, 10))
  })

  it('writes the realistic shape: real-export volumes, free text, varied files, bad rows over every rule, late rows and duplicates', async () => {
    const writer = new MemoryWriter()
    const options = { customers: 2000, days: 6, start: '2025-01-01' }
    const summary = await generateSample({ ...options, out: writer })
    expect(summary.profile).toBe('realistic')
    const rowCounts: Record<Table, number> = { customers: 0, statements: 0, channel_events: 0, trades: 0, tickets: 0, marketing: 0 }
    let bad = 0
    let duplicates = 0
    let differingDuplicates = 0
    let late = 0
    let timestamps = 0
    let offsets = 0
    let millis = 0
    let multiLine = 0
    let present = 0
    const files = { gzip: 0, crlf: 0, bom: 0, reordered: 0, extra: 0, total: 0 }
    const text = { displayNames: new Set<string>(), subjects: new Set<string>(), campaigns: 0 }
    const numericIds = new Set<Table>()
    for (let d = 0; d < options.days; d++) {
      const day = new Date(dateMs(options.start)! + d * DAY_MS).toISOString().slice(0, 10)
      for (const table of TABLES) {
        const gz = writer.files.get(`ingest_date=${day}/${table}.csv.gz`)
        const content = gz ? gunzipSync(gz) : writer.files.get(`ingest_date=${day}/${table}.csv`)!
        expect(content, `${day} ${table}`).toBeDefined()
        files.total++
        if (gz) files.gzip++
        if (content.includes('\r\n')) files.crlf++
        if (content[0] === 0xef) files.bom++
        const [header, ...records] = parseCsv(content.toString('utf8'))
        const names = header!.fields
        const positions = HEADERS[table].map((name) => names.indexOf(name))
        expect(positions.every((p) => p >= 0), `${day} ${table}: ${names.join(',')}`).toBe(true)
        if (positions.some((p, k) => k > 0 && p < positions[k - 1]!)) files.reordered++
        if (names.some((n) => !HEADERS[table].includes(n) && !['display_name', 'subject', 'campaign'].includes(n))) files.extra++
        if (table === 'marketing' && names.includes('campaign')) text.campaigns++
        rowCounts[table] += records.length
        if (table === 'customers') present += records.length
        const firstValid = new Map<string, string>()
        for (const [k, record] of records.entries()) {
          const next = records[k + 1]
          if (next !== undefined && next.line > record.line + 1) multiLine++
          const broken = record.malformed || record.fields.length !== names.length ? ['record'] : problems(table, positions.map((p) => record.fields[p]!), day)
          if (broken.length > 0) {
            bad++
            continue
          }
          const fields = positions.map((p) => record.fields[p]!)
          if (/^0\d+$/.test(fields[0]!)) numericIds.add(table)
          if (table === 'customers') text.displayNames.add(record.fields[names.indexOf('display_name')]!)
          if (table === 'tickets') text.subjects.add(record.fields[names.indexOf('subject')]!)
          const key = fields.join('\u0000')
          const seen = firstValid.get(fields[0]!)
          if (seen !== undefined) {
            duplicates++
            if (seen !== key) differingDuplicates++
          } else firstValid.set(fields[0]!, key)
          if (INCREMENTS.includes(table)) {
            const ts = fields[2]!
            timestamps++
            if (!ts.endsWith('Z')) offsets++
            if (ts.includes('.')) millis++
            if (timestampMs(ts)! < dateMs(day)!) late++
          }
        }
      }
    }
    expect(rowCounts).toEqual(summary.rows)
    expect(bad).toBe(summary.badRows)
    expect(duplicates).toBe(summary.duplicateRows)
    const allRows = Object.values(rowCounts).reduce((a, b) => a + b, 0)
    expect(bad / allRows).toBeGreaterThan(0.006)
    expect(bad / allRows).toBeLessThan(0.014)
    // At 1% a day's few trades rarely get a bad notional; a higher rate shows every kind.
    const heavy = await generateSample({ customers: 500, days: 2, start: '2025-01-01', badRows: 0.2, out: new MemoryWriter() })
    expect(Object.entries(heavy.badRowsByKind).filter(([, n]) => n === 0)).toEqual([])
    expect(duplicates / allRows).toBeGreaterThan(0.001)
    expect(differingDuplicates).toBeGreaterThan(0)
    // Per 100k customers a day: channel_events ≈ 136k, customers ≈ 98k, statements ≈ 96k, marketing ≈ 23k, trades ≈ 16k, tickets ≈ 4k.
    const perCustomerDay = (t: Table) => rowCounts[t] / (options.customers * options.days)
    expect(perCustomerDay('customers')).toBeGreaterThan(0.95)
    expect(perCustomerDay('statements')).toBeGreaterThan(0.93)
    expect(perCustomerDay('statements')).toBeLessThan(perCustomerDay('customers'))
    expect(perCustomerDay('channel_events')).toBeGreaterThan(1.2)
    expect(perCustomerDay('channel_events')).toBeLessThan(1.55)
    expect(perCustomerDay('marketing')).toBeGreaterThan(0.19)
    expect(perCustomerDay('marketing')).toBeLessThan(0.28)
    expect(perCustomerDay('trades')).toBeGreaterThan(0.13)
    expect(perCustomerDay('trades')).toBeLessThan(0.2)
    expect(perCustomerDay('tickets')).toBeGreaterThan(0.03)
    expect(perCustomerDay('tickets')).toBeLessThan(0.055)
    expect(present).toBeGreaterThan(0)
    expect(late / timestamps).toBeGreaterThan(0.025)
    expect(late / timestamps).toBeLessThan(0.055)
    expect(offsets / timestamps).toBeGreaterThan(0.04)
    expect(offsets / timestamps).toBeLessThan(0.1)
    expect(millis / timestamps).toBeGreaterThan(0.05)
    expect(millis / timestamps).toBeLessThan(0.11)
    // About 15% of files reordered with extra columns; some gzip, CRLF and BOM files.
    expect(files.reordered).toBeGreaterThan(0)
    expect(files.extra).toBeGreaterThan(0)
    expect(files.reordered).toBeLessThan(0.35 * files.total)
    expect(files.gzip).toBeGreaterThan(0)
    expect(files.crlf).toBeGreaterThan(0)
    expect(text.campaigns).toBeGreaterThan(0)
    expect(multiLine).toBeGreaterThan(0)
    expect([...text.displayNames].some((n) => n.includes(', ') && /[^ -~]/.test(n))).toBe(true)
    expect([...text.subjects].some((n) => n.includes('"'))).toBe(true)
    expect([...text.subjects].some((n) => /[\u0400-\u04ff]/.test(n))).toBe(true)
    expect([...text.subjects].some((n) => /[\u3040-\u30ff]/.test(n))).toBe(true)
    expect(numericIds).toEqual(new Set(['customers', 'statements', 'tickets']))
  })

  it('rejects bad options with a usage error that names the option', async () => {
    const out = new MemoryWriter()
    const base = { out, customers: 10, days: 2, start: '2025-01-01' }
    const cases: [Partial<GenerateSampleOptions> & Record<string, unknown>, string][] = [
      [{ customers: 0 }, 'customers'],
      [{ customers: 2.5 }, 'customers'],
      [{ days: -1 }, 'days'],
      [{ days: Number.NaN }, 'days'],
      [{ start: '2025-02-30' }, 'start'],
      [{ start: '01/02/2025' }, 'start'],
      [{ seed: 1.5 }, 'seed'],
      [{ badRows: 1.5 }, 'badRows'],
      [{ badRows: -0.1 }, 'badRows'],
      [{ driftFrom: '2025-01-03' }, 'driftFrom'],
      [{ driftFrom: '2024-12-31' }, 'driftFrom'],
      [{ driftFrom: '2025-13-01' }, 'driftFrom'],
      [{ out: {} as LandingWriter }, 'out'],
    ]
    for (const [patch, option] of cases) {
      const error = await generateSample({ ...base, ...patch } as GenerateSampleOptions).catch((e: unknown) => e)
      expect(error, option).toBeInstanceOf(StrataError)
      const strataError = error as StrataError
      expect(strataError.code).toBe('usage')
      expect(strataError.message).toContain(`"${option}"`)
      expect(strataError.hint).toBeTruthy()
    }
    expect(out.files.size).toBe(0)
    await expect(generateSample({ ...base, driftFrom: '2025-01-02' })).resolves.toMatchObject({ driftFrom: '2025-01-02' })
  })

  it('localLandingWriter refuses file names that would escape the day folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-sample-'))
    tempDirs.push(root)
    const writer = localLandingWriter(root)
    await expect(writer.write('2025-01-01', '../x.csv', 'a')).rejects.toMatchObject({ code: 'usage' })
    await expect(writer.write('2025/01/01', 'x.csv', 'a')).rejects.toMatchObject({ code: 'usage' })
    await writer.write('2025-01-01', 'x.csv', 'a\n')
    expect(await readFile(join(root, 'ingest_date=2025-01-01', 'x.csv'), 'utf8')).toBe('a\n')
  })
})
