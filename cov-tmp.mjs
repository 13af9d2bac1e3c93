import { DuckDBInstance } from '@duckdb/node-api'
import { readdirSync, renameSync } from 'node:fs'
const [store, first, mode] = process.argv.slice(2)
const db = await DuckDBInstance.create(':memory:')
const c = await db.connect()
for (const dir of readdirSync(`${store}/features`)) {
  const day = dir.slice(3)
  const days = Math.round((Date.parse(day) - Date.parse(first)) / 864e5) + 1
  const f30 = 30 / Math.min(days, 30), f90 = 90 / Math.min(days, 90)
  const file = `${store}/features/${dir}/features.parquet`
  const cols = mode === 'logins' ? `app_logins_30d * ${f30} AS app_logins_30d` : `app_logins_30d * ${f30} AS app_logins_30d, webinars_90d * ${f90} AS webinars_90d`
  await c.run(`COPY (SELECT * REPLACE (${cols}) FROM read_parquet('${file}') ORDER BY customer_id) TO '${file}.new' (FORMAT parquet)`)
  renameSync(`${file}.new`, file)
}
