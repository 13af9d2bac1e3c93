import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendRows, openDuckDb, type AppendValue } from '../../resources/duckdb.js'
import { type SqlEngine } from '../../framework/sql/index.js'

let db: SqlEngine

beforeAll(async () => {
  db = await openDuckDb()
})
afterAll(() => {
  db.close()
})

describe('appendRows', () => {
  it('loads rows in order across data chunks, from rows or async batches', async () => {
    await db.run('CREATE OR REPLACE TEMP TABLE t (line BIGINT, v VARCHAR, n INTEGER, d DOUBLE)')
    const rows: AppendValue[][] = Array.from({ length: 5000 }, (_, i) => [i, i % 7 === 0 ? null : `v${i}`, i % 100, i / 4])
    async function* batches(): AsyncGenerator<AppendValue[][]> {
      for (let at = 0; at < rows.length; at += 999) yield rows.slice(at, at + 999)
    }
    expect(await appendRows(db, 't', batches())).toBe(5000)
    const [stats] = await db.json<{ n: string; nulls: string; last: string; ordered: boolean }>(
      `SELECT count(*) AS n, count(*) - count(v) AS nulls, max(line) AS last, bool_and(line = rowid) AS ordered FROM t`,
    )
    expect(stats).toEqual({ n: '5000', nulls: String(Math.ceil(5000 / 7)), last: '4999', ordered: true })
    expect(await db.json(`SELECT * FROM t WHERE line IN (0, 4097) ORDER BY line`)).toEqual([
      { line: '0', v: null, n: 0, d: 0 },
      { line: '4097', v: 'v4097', n: 97, d: 1024.25 },
    ])
  })

  it('lets DuckDB cast values that do not already have their column type, keeping the order', async () => {
    await db.run('CREATE OR REPLACE TEMP TABLE c (line BIGINT, v VARCHAR, n INTEGER)')
    const rows: AppendValue[][] = Array.from({ length: 3000 }, (_, i) => [i, i === 2500 ? 42 : `s${i}`, i === 10 ? 2.6 : i])
    expect(await appendRows(db, 'c', rows)).toBe(3000)
    expect(await db.json(`SELECT line, v, n FROM c WHERE line IN (10, 2500) ORDER BY line`)).toEqual([
      { line: '10', v: 's10', n: 3 },
      { line: '2500', v: '42', n: 2500 },
    ])
    const [order] = await db.json<{ ordered: boolean }>('SELECT bool_and(line = rowid) AS ordered FROM c')
    expect(order?.ordered).toBe(true)
  })
})
