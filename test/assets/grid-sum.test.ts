import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDuckDb } from '../../resources/duckdb.js'
import { type SqlEngine } from '../../framework/sql/index.js'
import { gridSumSql } from '../../assets/lib/grid-sum.js'

let db: SqlEngine
beforeAll(async () => (db = await openDuckDb({ threads: 4 })))
afterAll(() => db.close())

describe('gridSumSql', () => {
  it('gives the same bits whatever the row order and thread count', async () => {
    // 400k values in 8 groups, summed in three different row orders on 4 threads.
    const values = `SELECT range % 8 AS g, (hash(range) % 1000000)::DOUBLE / 997.0 + 0.1 AS x FROM range(400000)`
    const sums = async (order: string) =>
      JSON.stringify(await db.json(`SELECT g, ${gridSumSql('x')} AS s FROM (${values} ORDER BY ${order}) GROUP BY g ORDER BY g`))
    const first = await sums('range')
    expect(await sums('range DESC')).toBe(first)
    expect(await sums('hash(range + 1)')).toBe(first)
  })

  it('is exact on the grid and within 1e-12 per value of the true sum; NULLs are ignored and no rows give NULL', async () => {
    const [row] = await db.all<{ s: number; none: number | null }>(
      `SELECT ${gridSumSql('x')} AS s, (SELECT ${gridSumSql('y')} FROM (SELECT 1.0::DOUBLE AS y) WHERE false) AS none
         FROM (VALUES (0.1::DOUBLE), (0.2::DOUBLE), (NULL::DOUBLE), (1e6::DOUBLE)) t(x)`,
    )
    expect(Math.abs(row!.s - 1000000.3)).toBeLessThan(3e-12 * 1e6)
    expect(row!.none).toBeNull()
  })

  it('falls back to fsum for a group holding a non-zero value too small for the grid, so a positive sum is never 0', async () => {
    const rows = await db.all<{ g: number; s: number }>(
      `SELECT g, ${gridSumSql('x')} AS s FROM (VALUES (1, 1e-13::DOUBLE), (2, 1e-13::DOUBLE), (2, 1.0::DOUBLE), (3, 0.0::DOUBLE), (3, 0.5::DOUBLE)) t(g, x) GROUP BY g ORDER BY g`,
    )
    // The tiny value alone, beside a value on the grid, and a zero (which the grid carries).
    expect(rows).toEqual([{ g: 1, s: 1e-13 }, { g: 2, s: 1 + 1e-13 }, { g: 3, s: 0.5 }])
  })

  it('falls back to fsum for a group holding a value too large for the grid', async () => {
    const [row] = await db.all<{ s: number }>(`SELECT ${gridSumSql('x')} AS s FROM (VALUES (1e30::DOUBLE), (1.0::DOUBLE)) t(x)`)
    expect(row!.s).toBe(1e30)
  })
})
