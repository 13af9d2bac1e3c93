import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../framework/cli/index.js'
import { StrataError } from '../../framework/errors/index.js'
import { openDuckDb } from '../../resources/duckdb.js'
import { type SqlEngine } from '../../framework/sql/index.js'
import { LocalLanding } from '../../assets/landing/index.js'
import { materializeRaw } from '../../assets/lib/raw.js'
import type { TableName } from '../../assets/lib/tables.js'
import { loadDefinitions } from '../../assets/definitions.js'
import { toyDefinitions } from '../fixtures/toy-definitions.js'
import { platform } from '../../resources/platform.js'

/** Every file and folder under `dir`, relative to it. */
async function walk(dir: string): Promise<string[]> {
  const found: string[] = []
  const visit = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name)
      found.push(relative(dir, path))
      if (entry.isDirectory()) await visit(path)
    }
  }
  await visit(dir)
  return found
}

const HOSTILE_PARTITIONS = [
  '../../etc/passwd',
  '/etc/passwd',
  '%2e%2e%2f%2e%2e%2fetc',
  '2026-01-10/../../x',
  '..\\..\\x',
  '\uff12\uff10\uff12\uff16-01-10', // fullwidth digits
  '2026\u201301\u201310', // en dashes
  '2026-01-10\u202e', // RTL override
  '\u2024\u2024/2026-01-10', // one-dot leaders
  '2026-01-10\0',
  "2026-01-10' OR '1'='1",
]
const HOSTILE_ASSETS = ['../score', 'score/../../x', '/etc/passwd', '%2e%2e%2fscore', '\uff53core', 'score\u202e', 'sc\0ore', 'score;DROP TABLE x', "score' OR '1'='1", '\u2024\u2024']

describe('hostile names through the CLI: exit 2, nothing written outside the storage root', () => {
  let root: string
  let work: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-hostile-'))
    work = join(root, 'work')
    await mkdir(work)
    expect((await cli('backfill', '+score', '--from', '2026-01-01', '--to', '2026-01-10')).code).toBe(0)
  })
  afterAll(async () => rm(root, { recursive: true, force: true }))

  const app: StrataApp = { name: 'strata', version: '0.0.0-test', platform, load: async () => toyDefinitions() }
  async function cli(...argv: string[]) {
    const io = captureIo({ STRATA_STORAGE: join(work, 'storage'), STRATA_LANDING: join(work, 'landing') }, work)
    const code = await runCli(argv, io, app)
    return { code, out: io.out(), err: io.err() }
  }

  const cases: string[][] = [
    ...HOSTILE_PARTITIONS.flatMap((key) => [
      ['materialize', 'score', '--partition', key],
      ['show', 'score', '--partition', key],
      ['lineage', 'score', '--partition', key],
      ['check', 'score', '--partition', key],
      ['step', 'score', '--partition', key, '--run-id', 'r1'],
      ['backfill', 'score', '--from', key, '--to', '2026-01-10'],
    ]),
    ...HOSTILE_ASSETS.flatMap((asset) => [
      ['materialize', asset, '--partition', '2026-01-10'],
      ['show', asset, '--partition', '2026-01-10'],
      ['lineage', asset],
      ['status', asset],
      ['repair', asset, '--dry-run'],
    ]),
    ['step', 'score', '--partition', '2026-01-10', '--run-id', '../../x'],
    ['step', 'score', '--partition', '2026-01-10', '--run-id', '/tmp/x'],
    ['runs', 'show', '../../etc/passwd'],
    ['runs', 'show', '%2e%2e%2f'],
    ['status', '--storage', 's3://bucket/../x'],
    ['status', '--storage', 's3://bucket/a%2f..'],
    ['status', '--storage', 'ftp://host/x'],
    ['status', '--landing', 'file:///etc'],
    ['status', '--storage', `${'x'}\0y`],
    ['materialize', '*', '--partition', '2026-01-10', '--concurrency', '1; rm -rf /'],
    ['runs', '--limit', '1 OR 1=1'],
    ['repair', '--older-than', '-1'],
  ]

  it.each(cases)('%j exits 2 with a message', async (...argv) => {
    const result = await cli(...argv)
    expect(result.err).toMatch(/error|invalid|unknown|not/i)
    expect(result.err).not.toContain('internal error')
    expect(result.code).toBe(2)
  })

  it('left nothing outside the storage root, and no hostile name inside it', async () => {
    expect(await readdir(root)).toEqual(['work'])
    expect(await readdir(work)).toEqual(['storage'])
    for (const path of await walk(join(work, 'storage'))) {
      expect(path).toMatch(/^[A-Za-z0-9_.=\-/]+$/)
      expect(path).not.toMatch(/etc|passwd|DROP|\.\.\//)
    }
  })
})

describe('config files with wrong types: exit 2 naming the key', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-hostile-config-'))
  })
  afterAll(async () => rm(root, { recursive: true, force: true }))
  const app: StrataApp = { name: 'strata', version: '0.0.0-test', platform, load: async () => toyDefinitions() }

  it.each([
    ['{"concurrency": "lots"}', /concurrency/],
    ['{"concurrency": 0}', /concurrency/],
    ['{"storage": 5}', /storage/],
    ['{"landing": ""}', /landing/],
    ['{"aws": {"region": 7}}', /region/],
    ['{"aws": "us-east-1"}', /aws/],
    ['{"fargate": {"subnets": "subnet-1"}}', /subnets/],
    ['{"quarantineThreshold": "5%"}', /quarantineThreshold/],
    ['{"storage": "./x", "__proto__": {"polluted": true}}', /__proto__|invalid/],
    ['[1, 2, 3]', /must be object/],
    ['not json at all', /not valid JSON/],
    ['', /not valid JSON/],
  ])('%s', async (content, message) => {
    await writeFile(join(root, 'strata.config.json'), content)
    const io = captureIo({}, root)
    const code = await runCli(['status'], io, app)
    expect(io.err()).toMatch(message)
    expect(code).toBe(2)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('hostile landing files: quarantined row by row, or the partition fails naming the file', () => {
  const DAY = '2026-03-01'
  const VALID: Record<TableName, string> = {
    customers: 'customer_id,signup_date,country,has_robo_advice,alerts_enabled\nC000123,2024-01-15,DE,true,0\n',
    statements: 'customer_id,delivery_mode\nC000123,electronic\n',
    channel_events: 'event_id,customer_id,ts,channel,event\nE1,C000123,2026-03-01T08:00:00Z,app,login\n',
    trades: 'trade_id,customer_id,ts,channel,notional,currency\nT1,C000123,2026-03-01T10:00:00+01:00,web,100.50,EUR\n',
    tickets: 'ticket_id,customer_id,opened_ts,resolved_via\nK1,C000123,2026-02-20T09:00Z,chat\n',
    marketing: 'event_id,customer_id,ts,event\nM1,C000123,2026-03-01T12:00Z,webinar_attended\n',
  }
  let db: SqlEngine
  let work: string
  beforeAll(async () => {
    db = await openDuckDb()
    work = await mkdtemp(join(tmpdir(), 'strata-hostile-csv-'))
  })
  afterAll(async () => {
    db.close()
    await rm(work, { recursive: true, force: true })
  })

  let n = 0
  async function raw(table: TableName, body: string | Buffer) {
    const landing = join(work, `landing-${++n}`)
    const folder = join(landing, `ingest_date=${DAY}`)
    await mkdir(folder, { recursive: true })
    for (const name of Object.keys(VALID) as TableName[]) await writeFile(join(folder, `${name}.csv`), name === table ? body : VALID[name])
    const outputDir = join(work, `raw-${n}`)
    const metadata = await materializeRaw({ db, landing: new LocalLanding(landing), day: DAY, outputDir })
    const quarantine = await db.all<{ table: string; line: bigint; reason: string; len: bigint }>(`SELECT "table", line, reason, length(original) AS len FROM read_parquet('${join(outputDir, 'quarantine.parquet')}') ORDER BY line`)
    return { metadata, quarantine }
  }
  const failure = async (table: TableName, body: string | Buffer): Promise<StrataError> => {
    const error = await raw(table, body).then(
      () => undefined,
      (thrown: unknown) => thrown,
    )
    expect(error).toBeInstanceOf(StrataError)
    return error as StrataError
  }

  it('a 5 MB field is read and quarantined (the id rule), the good rows are kept', async () => {
    const huge = 'X'.repeat(5 * 1024 * 1024)
    const { metadata, quarantine } = await raw('statements', `customer_id,delivery_mode\n${huge},paper\nC2,electronic\n`)
    expect(metadata.tables.statements).toMatchObject({ rows_read: 2, valid: 1, quarantined: 1 })
    expect(quarantine[0]).toMatchObject({ table: 'statements', line: 2n })
    expect(quarantine[0]!.reason).toContain('is not a valid id')
    expect(Number(quarantine[0]!.len)).toBeGreaterThan(5 * 1024 * 1024)
  })

  it('embedded NULs and latin-1 bytes are quarantined with the rule they break', async () => {
    const body = Buffer.concat([Buffer.from('customer_id,delivery_mode\nC1,pa\0per\nC2,'), Buffer.from([0x70, 0x61, 0xfc, 0x72]), Buffer.from('\nC3,paper\n')])
    const { metadata, quarantine } = await raw('statements', body)
    expect(metadata.tables.statements).toMatchObject({ rows_read: 3, valid: 1, quarantined: 2 })
    expect(quarantine.map((row) => row.reason)).toEqual(['record: field 2 contains a NUL byte', 'record: field 2 is not valid UTF-8'])
  })

  it('a header-only file is a valid empty table', async () => {
    const { metadata } = await raw('trades', 'trade_id,customer_id,ts,channel,notional,currency\n')
    expect(metadata.tables.trades).toMatchObject({ rows_read: 0, valid: 0, quarantined: 0 })
  })

  it.each([
    ['a 0-byte file', Buffer.alloc(0), /is empty: it has no header row/],
    ['UTF-16 with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('customer_id,delivery_mode\nC1,paper\n', 'utf16le')]), /header \(line 1\) is not readable CSV text/],
    ['PNG bytes', Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4b20000000049454e44ae426082', 'hex'), /statements\.csv/],
  ])('%s fails the partition with an input error naming the file', async (_label, body, message) => {
    const error = await failure('statements', body)
    expect(error.code).toBe('input')
    expect(error.message).toMatch(message)
    expect(error.message).toContain('statements.csv')
    expect(error.hint).toBeTruthy()
  })
})

describe('the CDI pipeline refuses hostile input end to end (raw over a PNG; SQL metacharacters in --table)', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-hostile-cdi-'))
  })
  afterAll(async () => rm(root, { recursive: true, force: true }))
  const app: StrataApp = { name: 'strata', version: '0.0.0-test', platform, load: loadDefinitions }

  it('a PNG landed as customers.csv fails raw (exit 1, nothing committed); --table with SQL is exit 2', async () => {
    const folder = join(root, 'landing', 'ingest_date=2026-03-01')
    await mkdir(folder, { recursive: true })
    const header: Record<TableName, string> = {
      customers: 'customer_id,signup_date,country,has_robo_advice,alerts_enabled\nC1,2024-01-15,DE,true,0\n',
      statements: 'customer_id,delivery_mode\nC1,paper\n',
      channel_events: 'event_id,customer_id,ts,channel,event\n',
      trades: 'trade_id,customer_id,ts,channel,notional,currency\n',
      tickets: 'ticket_id,customer_id,opened_ts,resolved_via\n',
      marketing: 'event_id,customer_id,ts,event\n',
    }
    for (const [table, text] of Object.entries(header)) await writeFile(join(folder, `${table}.csv`), text)
    await writeFile(join(folder, 'customers.csv'), Buffer.from('89504e470d0a1a0a0000000d4948445200', 'hex'))
    const cli = async (...argv: string[]) => {
      const io = captureIo({ STRATA_STORAGE: join(root, 'storage'), STRATA_LANDING: join(root, 'landing'), STRATA_START: '' }, root)
      const code = await runCli(argv, io, app)
      return { code, out: io.out(), err: io.err() }
    }
    const bad = await cli('materialize', 'raw', '--partition', '2026-03-01')
    expect(bad.code).toBe(1)
    expect(bad.out + bad.err).toContain('customers.csv')
    expect(await readdir(join(root, 'storage')).then((names) => names.includes('raw'))).toBe(false)

    await writeFile(join(folder, 'customers.csv'), header.customers)
    expect((await cli('materialize', 'raw', '--partition', '2026-03-01')).code).toBe(0)
    const injected = await cli('show', 'raw', '--partition', '2026-03-01', '--table', "customers' OR 1=1; DROP TABLE x; --")
    expect(injected.err).toContain('unknown table')
    expect(injected.code).toBe(2)
  }, 30_000)
})
