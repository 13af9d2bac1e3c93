import { describe, expect, it } from 'vitest'
import { openDuckDb } from '../../resources/duckdb.js'
import { SqlProfile } from '../../resources/sql-profile.js'

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
      expect(report).toMatch(/ 1 × .*SELECT 1$/m)
      expect(report).toMatch(/ 2 × .*SELECT \? \* 2 AS w/)
      expect(report).not.toMatch(/secret|it''s/)
    } finally {
      db.close()
    }
  })
})
