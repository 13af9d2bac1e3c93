import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { parquetDescriber } from '../../../framework/catalog/open-catalog.js'
import { openDuckDb } from '../../../resources/duckdb.js'
import { sqlString, type SqlEngine } from '../../../framework/sql/index.js'

let root: string
let db: SqlEngine
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-describer-'))
  db = await openDuckDb({ threads: 1 })
})
afterEach(async () => {
  db.close()
  await rm(root, { recursive: true, force: true })
})

it('describes a file in a dt= folder without a dt column: dt is the Glue partition key, a second dt column would break the table', async () => {
  const dir = join(root, 'segments', 'dt=2026-01-02')
  await mkdir(dir, { recursive: true })
  const file = join(dir, 'segments.parquet')
  await db.run(`COPY (SELECT 'C1' AS customer_id, 42 AS cdi) TO ${sqlString(file)} (FORMAT parquet)`)
  expect(await parquetDescriber(async () => db)(file)).toEqual([
    { name: 'customer_id', type: 'VARCHAR' },
    { name: 'cdi', type: 'INTEGER' },
  ])
})
