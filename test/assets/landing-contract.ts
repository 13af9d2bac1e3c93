import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StrataError } from '../../framework/errors/index.js'
import { describeSourceChange, fingerprintSource, observeSource } from '../../framework/sources/index.js'
import type { Landing } from '../../assets/landing/index.js'
import type { TableName } from '../../assets/lib/tables.js'

/**
 * What an implementation hands the landing contract suite: a fresh, empty landing, and a way to
 * put files into it behind its back (as the upstream export does).
 */
export interface LandingUnderTest {
  readonly landing: Landing
  /** Write `body` at `path`, relative to the landing's root (e.g. `ingest_date=2026-03-01/trades.csv`). */
  put(path: string, body: Buffer | string): Promise<void>
  cleanup(): Promise<void>
}

const sha256 = (body: Buffer | string): string => createHash('sha256').update(body).digest('hex')

async function failure(promise: Promise<unknown>): Promise<StrataError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(StrataError)
  return error as StrataError
}

/** Days and names no landing may turn into a path or an object key. */
const BAD_DAYS = ['2026-02-30', '../../etc', '2026-3-1', '2026-03-01/../x', '', 'ingest_date=2026-03-01', '2026-03-01\0']
const BAD_NAMES = ['../../etc/passwd', 'trades.csv/../x', 'notes.txt', 'trades.parquet', 'trades.csv.gz.bak', '']

/**
 * The behaviour every CDI landing (a local folder, an S3 prefix) shares: what `raw` and the
 * planner rely on. Run it from a test file with a fresh landing per test.
 */
export function landingContract(open: () => Promise<LandingUnderTest>): void {
  let subject: LandingUnderTest
  let landing: Landing
  beforeEach(async () => {
    subject = await open()
    landing = subject.landing
  })
  afterEach(async () => {
    await subject.cleanup()
  })

  describe('listDays', () => {
    it('is empty for an empty landing', async () => {
      expect(await landing.listDays()).toEqual([])
    })

    it('lists the real ingest days, sorted, and ignores everything else', async () => {
      for (const day of ['2026-03-02', '2026-02-28', '2026-03-01']) await subject.put(`ingest_date=${day}/customers.csv`, 'customer_id\n')
      await subject.put('ingest_date=2026-02-30/customers.csv', 'not a real day')
      await subject.put('ingest_date=2026-3-4/customers.csv', 'not written YYYY-MM-DD')
      await subject.put('ingest_date=x/customers.csv', 'not a date')
      await subject.put('notes/readme.txt', 'not a day folder')
      await subject.put('ingest_date=2026-03-05', 'a file named like a day folder')
      expect(await landing.listDays()).toEqual(['2026-02-28', '2026-03-01', '2026-03-02'])
    })
  })

  describe('file', () => {
    it('gives a plain and a gzipped file byte for byte (CRLF line ends and gzip bytes untouched), flagged by name', async () => {
      const crlf = 'customer_id,birth_date\r\nc1,1980-01-01\r\n'
      const gz = gzipSync('trade_id\nt1\n')
      await subject.put('ingest_date=2026-03-01/customers.csv', crlf)
      await subject.put('ingest_date=2026-03-01/trades.csv.gz', gz)
      const plain = await landing.file('2026-03-01', 'customers')
      expect(plain).toMatchObject({ name: 'customers.csv', gzip: false })
      expect(await readFile(plain?.localPath as string, 'utf8')).toBe(crlf)
      const gzipped = await landing.file('2026-03-01', 'trades')
      expect(gzipped).toMatchObject({ name: 'trades.csv.gz', gzip: true })
      expect((await readFile(gzipped?.localPath as string)).equals(gz)).toBe(true)
    })

    it('is undefined for a table not landed that day, and for a day not landed', async () => {
      await subject.put('ingest_date=2026-03-01/customers.csv', 'customer_id\n')
      expect(await landing.file('2026-03-01', 'tickets')).toBeUndefined()
      expect(await landing.file('2026-04-01', 'customers')).toBeUndefined()
    })

    it('refuses a day holding both <table>.csv and <table>.csv.gz, naming both', async () => {
      await subject.put('ingest_date=2026-03-03/trades.csv', 'plain')
      await subject.put('ingest_date=2026-03-03/trades.csv.gz', gzipSync('gz'))
      const error = await failure(landing.file('2026-03-03', 'trades'))
      expect(error.code).toBe('input')
      expect(error.message).toMatch(/ingest_date=2026-03-03\/trades\.csv and .*ingest_date=2026-03-03\/trades\.csv\.gz/)
      expect(error.hint).toContain('Remove one of the two files')
    })

    it('follows a re-landed file', async () => {
      await subject.put('ingest_date=2026-03-01/customers.csv', 'customer_id\nc1\n')
      expect(await readFile((await landing.file('2026-03-01', 'customers'))?.localPath as string, 'utf8')).toBe('customer_id\nc1\n')
      await subject.put('ingest_date=2026-03-01/customers.csv', 'customer_id\nc1\nc2\n')
      expect(await readFile((await landing.file('2026-03-01', 'customers'))?.localPath as string, 'utf8')).toBe('customer_id\nc1\nc2\n')
    })
  })

  describe('list and hash (the landing as an observed source)', () => {
    it('lists only the landing files of each day, with size and time; a day without files is empty', async () => {
      await subject.put('ingest_date=2026-03-01/customers.csv', 'customer_id\nc1\n')
      await subject.put('ingest_date=2026-03-01/trades.csv.gz', gzipSync('trade_id\n'))
      await subject.put('ingest_date=2026-03-01/notes.txt', 'not a landing file')
      await subject.put('ingest_date=2026-03-01/trades.parquet', 'not a landing file')
      const listed = await landing.list(['2026-03-01', '2026-03-02'])
      const files = [...(listed.get('2026-03-01') ?? [])].sort((a, b) => a.name.localeCompare(b.name))
      expect(files.map((file) => [file.name, file.bytes])).toEqual([
        ['customers.csv', 'customer_id\nc1\n'.length],
        ['trades.csv.gz', gzipSync('trade_id\n').length],
      ])
      for (const file of files) expect(Number.isFinite(Date.parse(file.modified))).toBe(true)
      expect(listed.get('2026-03-02')).toEqual([])
    })

    it('lists many days at once the same as one at a time', async () => {
      const days = Array.from({ length: 12 }, (_, i) => `2026-03-${String(i + 1).padStart(2, '0')}`)
      for (const day of days.filter((_, i) => i % 3 === 0)) await subject.put(`ingest_date=${day}/customers.csv`, `customer_id\n${day}\n`)
      const many = await landing.list(days)
      expect([...many.keys()].sort()).toEqual(days)
      for (const day of days) expect(many.get(day)).toEqual((await landing.list([day])).get(day))
      expect(many.get('2026-03-04')?.map((file) => file.name)).toEqual(['customers.csv'])
      expect(many.get('2026-03-05')).toEqual([])
    })

    it('hashes a landed file as the sha256 of its bytes', async () => {
      const body = 'customer_id\r\nc1\r\n'
      await subject.put('ingest_date=2026-03-01/customers.csv', body)
      expect(await landing.hash('2026-03-01', 'customers.csv')).toBe(sha256(body))
    })

    it('fingerprints a day, and a changed or added file changes it; the same bytes landed again do not', async () => {
      await subject.put('ingest_date=2026-03-01/customers.csv', 'customer_id\nc1\n')
      await subject.put('ingest_date=2026-03-01/trades.csv', 'trade_id\nt1\n')
      const recorded = await fingerprintSource(landing, '2026-03-01')
      expect(recorded.files.map((file) => [file.name, file.sha256])).toEqual([
        ['customers.csv', sha256('customer_id\nc1\n')],
        ['trades.csv', sha256('trade_id\nt1\n')],
      ])
      const observe = async () => (await observeSource(landing, ['2026-03-01'], () => recorded)).get('2026-03-01')
      const change = async () => describeSourceChange(recorded, (await observe()) ?? { source: landing.name, files: [] })
      expect(await change()).toBeUndefined()

      // The same bytes again (a new time or ETag): the content proves unchanged.
      await subject.put('ingest_date=2026-03-01/customers.csv', 'customer_id\nc1\n')
      expect(await change()).toBeUndefined()
      // Same size, other bytes: only the hash can tell.
      await subject.put('ingest_date=2026-03-01/customers.csv', 'customer_id\nc9\n')
      expect(await change()).toMatch(/^customers\.csv: 15 bytes, content changed/)
      await subject.put('ingest_date=2026-03-01/customers.csv', 'customer_id\nc1\nc2\n')
      expect(await change()).toMatch(/^customers\.csv: 15 → 18 bytes/)
      await subject.put('ingest_date=2026-03-01/tickets.csv', 'ticket_id\n')
      expect(await change()).toMatch(/tickets\.csv: added/)
    })
  })

  describe('hostile requests', () => {
    it.each(BAD_DAYS)('rejects the day %j before building a path or key, in file, list and hash', async (day) => {
      expect((await failure(landing.file(day, 'trades'))).code).toBe('partition')
      expect((await failure(landing.list([day]))).code).toBe('partition')
      expect((await failure(landing.hash(day, 'trades.csv'))).code).toBe('partition')
    })

    it.each(['../secrets', 'Trades', 'trades.csv', ''])('rejects the table %j', async (table) => {
      expect((await failure(landing.file('2026-03-01', table as TableName))).code).toBe('input')
    })

    it.each(BAD_NAMES)('refuses to hash %j', async (name) => {
      expect((await failure(landing.hash('2026-03-01', name))).code).toBe('input')
    })
  })
}
