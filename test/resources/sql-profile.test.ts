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

  it('folds per-call table names and numbers, and keeps long shapes that start alike apart', async () => {
    expect(statementShape('INSERT INTO "_raw_quarantine_84d3a62de51e4594bc3c74fb390e38d9" SELECT 2, _line FROM "_raw_checked_trades" WHERE _fields = 7')).toBe(
      'INSERT INTO "_raw_quarantine_…" SELECT ?, _line FROM "_raw_checked_trades" WHERE _fields = ?',
    )
    // Names that end in digits are not numbers.
    expect(statementShape('SELECT sum(n * a0 * a1) AS s0_1, $1 FROM t2')).toBe('SELECT sum(n * a0 * a1) AS s0_1, $? FROM t2')
    const profile = new SqlProfile()
    const db = await openDuckDb({ threads: 1, profile })
    try {
      const columns = (last: string) => `SELECT ${Array.from({ length: 40 }, (_, i) => `${i} AS c_${i}`).join(', ')}, '${last}' AS ${last}`
      await db.all(columns('x'))
      await db.all(columns('y'))
      await db.all(columns('y'))
      const rows = profile.report().split('\n').filter((line) => line.includes('AS c_'))
      expect(rows).toHaveLength(2)
      expect(rows.map((line) => line.match(/(\d+) ×/)?.[1]).sort()).toEqual(['1', '2'])
      expect(rows.every((line) => / #[0-9a-f]{6}$/.test(line))).toBe(true)
      expect(rows[0]?.slice(rows[0].indexOf('SELECT'), -8)).toBe(rows[1]?.slice(rows[1].indexOf('SELECT'), -8))
    } finally {
      db.close()
    }
  })
})
