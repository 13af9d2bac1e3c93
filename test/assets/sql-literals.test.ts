import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StrataError } from '../../framework/errors/index.js'
import type { SqlEngine } from '../../framework/sql/index.js'
import { openDuckDb } from '../../resources/duckdb.js'
import { doubleLiteral } from '../../assets/lib/sql-literals.js'

let db: SqlEngine

beforeAll(async () => {
  db = await openDuckDb()
})

afterAll(() => {
  db.close()
})

describe('doubleLiteral', () => {
  it('reads back in DuckDB as a DOUBLE equal bit for bit to the number, sign of zero included', async () => {
    const values = [0.1, -0.1, 0.30000000000000004, 1 / 3, -2.5, 100, 0, -0, 5e-324, -2.2250738585072014e-308, 1.7976931348623157e308, 123456789.12345679, 2 ** -60, 2 ** 70]
    const rows = await db.all<{ i: number; type: string; same: boolean; value: number }>(
      values
        .map((v, i) => `SELECT ${i} AS i, typeof(${doubleLiteral(v)}) AS type, ${doubleLiteral(v)} = CAST('${Object.is(v, -0) ? '-0' : String(v)}' AS DOUBLE) AS same, ${doubleLiteral(v)} AS value`)
        .join(' UNION ALL '),
    )
    expect(rows).toHaveLength(values.length)
    for (const r of rows) {
      expect(r, String(values[r.i])).toMatchObject({ type: 'DOUBLE', same: true })
      expect(Object.is(r.value, values[r.i])).toBe(true)
    }
    const [sign] = await db.all<{ negative: boolean }>(`SELECT 1 / ${doubleLiteral(-0)} < 0 AS negative`)
    expect(sign?.negative).toBe(true)
  })

  it('refuses a number SQL cannot write', () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => doubleLiteral(v)).toThrow(StrataError)
      expect(() => doubleLiteral(v)).toThrow(`cannot write ${v} as a SQL number`)
    }
  })
})
