import { describe, expect, it } from 'vitest'
import { openDuckDb } from '../../resources/duckdb.js'
import { SqlProfile, statementShape } from '../../resources/sql-profile.js'

describe('SqlProfile', () => {
  it('groups statements by shape, hides string literals and bound values, and counts calls', async () => {
    const profile = new SqlProfile()
    const db = await openDuckDb({ threads: 1, profile })
    try {
      await db.all("SELECT 'secret-a' AS v")
      await db.all("SELECT 'it''s b' AS v")
      await db.all('SELECT $x::VARCHAR AS v', { x: 'bound-secret' })
      await db.all('SELECT 1.5e+0 * 2 AS w')
      await db.all('SELECT 2.5e-3 * 2 AS w')
      const child = await db.connect()
      await child.run('SELECT 1')
      child.close()
      const report = profile.report()
      expect(report).toMatch(/^SQL time [\d.]+ s in 6 statements/)
      expect(report).toMatch(/ 2 × .*SELECT '\?' AS v/)
      expect(report).toMatch(/ 1 × .*SELECT \$x::VARCHAR AS v/)
      expect(report).toMatch(/ 1 × .*SELECT \?$/m)
      expect(report).toMatch(/ 2 × .*SELECT \? \* \? AS w/)
      expect(report).not.toMatch(/secret|it''s/)
    } finally {
      db.close()
    }
  })

  it('folds per-call table names and numbers into one shape', async () => {
    const insert = (table: string, order: number) => `INSERT INTO "_raw_quarantine_${table}" SELECT ${order}, _line FROM t WHERE _fields = ${order + 5}`
    expect(statementShape(insert('84d3a62de51e4594bc3c74fb390e38d9', 2))).toBe('INSERT INTO "_raw_quarantine_…" SELECT ?, _line FROM t WHERE _fields = ?')
    // Names that end in digits are not numbers.
    expect(statementShape('SELECT sum(n * a0 * a1) AS s0_1, $1 FROM t2')).toBe('SELECT sum(n * a0 * a1) AS s0_1, $? FROM t2')
    const profile = new SqlProfile()
    const db = await openDuckDb({ threads: 1, profile })
    try {
      for (const [table, order] of [['84d3a62de51e4594bc3c74fb390e38d9', 0], ['0aae54b925c97f50e4b2d3c4a5f60718', 3]] as const) {
        await db.run(`CREATE TABLE "_raw_quarantine_${table}" (n INTEGER)`)
        await db.run(`INSERT INTO "_raw_quarantine_${table}" SELECT ${order}`)
      }
      expect(profile.report()).toMatch(/ 2 × .*INSERT INTO "_raw_quarantine_…" SELECT \?$/m)
    } finally {
      db.close()
    }
  })
})
