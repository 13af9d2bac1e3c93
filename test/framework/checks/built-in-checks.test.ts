import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acceptedValues, blocks, customSql, jsonSchema, notNull, reconciliation, rowCountAtLeast, runAssetChecks, uniqueKey, valuesBetween, type AssetCheck, type CheckContext } from '../../../framework/checks/index.js'
import { openDuckDb } from '../../../resources/duckdb.js'
import { sqlString, type SqlEngine } from '../../../framework/sql/index.js'

let dir: string
let duckdb: SqlEngine
let good: CheckContext
let bad: CheckContext

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-checks-'))
  duckdb = await openDuckDb({ threads: 1 })
  const write = async (name: string, rows: string) => {
    const path = join(dir, name)
    await duckdb.run(`COPY (SELECT * FROM (VALUES ${rows}) t(customer_id, segment, score, weight)) TO ${sqlString(path)} (FORMAT parquet)`)
    return path
  }
  const goodFile = await write('good.parquet', `(1, 'gold', 10.5, 1), (2, 'silver', 99.0, 2), (3, NULL, 0.0, 3)`)
  const badFile = await write('bad.parquet', `(1, 'gold', 10.5, 1), (1, 'tin', 150.0, 1.5), (NULL, 'silver', -1.0, 2)`)
  await writeFile(join(dir, 'report.json'), JSON.stringify({ version: 1, psi: 0.1 }))
  await writeFile(join(dir, 'broken.json'), JSON.stringify({ version: 'one' }))
  const base = { asset: 'toy', partition: '2026-01-01', dir, duckdb }
  good = { ...base, parquetFiles: [goodFile], metadata: { rows_read: 10, curated: 7, quarantined: 3 } }
  bad = { ...base, parquetFiles: [badFile], metadata: { rows_read: 10, curated: 7, quarantined: 2 } }
})
afterAll(async () => {
  duckdb.close()
  await rm(dir, { recursive: true, force: true })
})

const run = async (check: AssetCheck, context: CheckContext) => (await runAssetChecks([check], context))[0]!

describe('built-in checks over Parquet in DuckDB', () => {
  it.each([
    ['not null', notNull('customer_id'), 1, 'rows have a null customer_id'],
    ['unique key', uniqueKey('customer_id'), 1, 'key values occur more than once'],
    ['accepted values (text)', acceptedValues('segment', ['gold', 'silver']), 1, 'values of segment are not accepted'],
    ['accepted values (numbers)', acceptedValues('weight', [1, 2, 3]), 1, 'values of weight are not accepted'],
    ['values between', valuesBetween('score', 0, 100), 2, 'outside [0, 100]'],
    ['custom SQL', customSql('score_not_negative', 'score is not negative', (rel) => `SELECT * FROM ${rel} WHERE score < 0`), 1, 'score is not negative'],
  ])('%s passes on good rows and fails on bad ones with a count and a sample', async (_name, check, failing, message) => {
    const passed = await run(check, good)
    expect(passed).toMatchObject({ passed: true, severity: 'error', blocking: true })
    const failed = await run(check, bad)
    expect(failed.passed).toBe(false)
    expect(failed.failingCount).toBe(failing)
    expect(failed.message).toContain(message)
    expect(failed.sample?.length).toBeGreaterThan(0)
    expect(blocks(failed)).toBe(true)
  })

  it('the failing sample holds the offending rows', async () => {
    const failed = await run(valuesBetween('score', 0, 100), bad)
    expect(failed.sample?.map((row) => Number(row.score)).sort((a, b) => a - b)).toEqual([-1, 150])
    const dupes = await run(uniqueKey(['customer_id']), bad)
    expect(dupes.sample).toEqual([{ customer_id: 1, copies: '2' }])
  })

  it('unique key: the ordered pass proves a key in increasing order, the grouping decides the rest', async () => {
    const context = async (name: string, rows: string): Promise<CheckContext> => {
      const path = join(dir, name)
      await duckdb.run(`COPY (SELECT * FROM (VALUES ${rows}) t(customer_id)) TO ${sqlString(path)} (FORMAT parquet)`)
      return { ...good, parquetFiles: [path] }
    }
    const statements: string[] = []
    const recording = (c: CheckContext): CheckContext => ({ ...c, duckdb: { ...duckdb, all: (sql, params) => (statements.push(sql), duckdb.all(sql, params)) } })
    const check = uniqueKey('customer_id')
    expect(await run(check, recording(await context('ordered.parquet', `('a'), ('b'), ('c')`)))).toMatchObject({ passed: true })
    expect(statements.some((sql) => sql.includes('GROUP BY'))).toBe(false)
    for (const [name, rows, passed] of [
      ['unordered.parquet', `('c'), ('a'), ('b')`, true],
      ['one-null.parquet', `('a'), (NULL), ('b')`, true],
      ['two-nulls.parquet', `(NULL), ('a'), (NULL)`, false],
      ['repeat-later.parquet', `('a'), ('b'), ('a')`, false],
    ] as const) {
      statements.length = 0
      expect(await run(check, recording(await context(name, rows))), name).toMatchObject({ passed })
      expect(statements.some((sql) => sql.includes('GROUP BY')), name).toBe(true)
    }
  })

  it('row count at least', async () => {
    expect(await run(rowCountAtLeast(3), good)).toMatchObject({ passed: true, message: '3 rows (≥ 3)' })
    expect(await run(rowCountAtLeast(5), good)).toMatchObject({ passed: false, failingCount: 2, message: 'only 3 rows, fewer than 5' })
    expect(await run(rowCountAtLeast(1, { file: 'other.parquet' }), good)).toMatchObject({ passed: false })
  })

  it('JSON Schema (ajv) on a JSON document; a missing document fails with a clear message', async () => {
    const schema = { type: 'object', required: ['version'], properties: { version: { type: 'integer' } } }
    expect(await run(jsonSchema('report.json', schema), good)).toMatchObject({ passed: true })
    const broken = await run(jsonSchema('broken.json', schema), good)
    expect(broken).toMatchObject({ passed: false, failingCount: 1 })
    expect(broken.message).toContain('/version must be integer')
    expect(await run(jsonSchema('absent.json', schema), good)).toMatchObject({ passed: false, message: 'absent.json is missing from the partition' })
  })

  it('reconciliation of metadata counts', async () => {
    const check = reconciliation('rows_reconcile', (m) => [{ label: 'rows_read', total: Number(m.rows_read), parts: [Number(m.curated), Number(m.quarantined)] }])
    expect(await run(check, good)).toMatchObject({ passed: true })
    expect(await run(check, bad)).toMatchObject({ passed: false, message: 'does not reconcile: rows_read 10 ≠ 7 + 2' })
  })

  it('severity warn and non-blocking failures are recorded but do not block', async () => {
    const warn = await run(notNull('customer_id', { severity: 'warn' }), bad)
    expect(warn).toMatchObject({ passed: false, severity: 'warn', blocking: true })
    expect(blocks(warn)).toBe(false)
    const nonBlocking = await run(notNull('customer_id', { blocking: false }), bad)
    expect(nonBlocking).toMatchObject({ passed: false, severity: 'error', blocking: false })
    expect(blocks(nonBlocking)).toBe(false)
  })

  it('a check that crashes is a failed result naming why, never a pass', async () => {
    const result = await run(notNull('customer_id', { file: 'nope.parquet' }), good)
    expect(result.passed).toBe(false)
    expect(result.message).toMatch(/the check itself failed: no Parquet file named nope.parquet in toy\(2026-01-01\)/)
    const sqlError = await run(notNull('no_such_column'), good)
    expect(sqlError.passed).toBe(false)
    expect(sqlError.message).toContain('the check itself failed')
  })
})
