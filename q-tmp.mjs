import { DuckDBInstance } from '@duckdb/node-api'
const db = await DuckDBInstance.create(':memory:', { threads: '2' })
const c = await db.connect()
for (const sql of process.argv.slice(2)) {
  const s = performance.now()
  const r = await c.runAndReadAll(sql)
  console.log(((performance.now() - s) / 1000).toFixed(2), 's', JSON.stringify(r.getRowObjectsJson()).slice(0, 800))
}
