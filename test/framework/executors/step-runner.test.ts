import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defineAsset, defineDefinitions, silentLogger } from '../../../framework/definitions/index.js'
import { runStep } from '../../../framework/executors/index.js'
import { daily } from '../../../framework/partitions/index.js'
import { loadStoredState, plan } from '../../../framework/planner/index.js'
import { LocalStorage } from '../../../framework/storage/index.js'
import { openDuckDb } from '../../../resources/duckdb.js'
import { sqlString, type SqlEngine } from '../../../framework/sql/index.js'

let root: string
let db: SqlEngine
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-step-runner-'))
  db = await openDuckDb({ threads: 1 })
})
afterEach(async () => {
  db.close()
  await rm(root, { recursive: true, force: true })
})

/** One asset whose partition holds the given Parquet files, each `SELECT`ed into place. */
async function materializeWith(files: Record<string, string>) {
  const asset = defineAsset({
    key: 'tables',
    description: 'Parquet files for the step runner to measure.',
    codeVersion: 'v1',
    partitions: daily({ start: '2026-01-01' }),
    async materialize({ outputDir }) {
      for (const [name, sql] of Object.entries(files)) await db.run(`COPY (${sql}) TO ${sqlString(join(outputDir, name))} (FORMAT parquet)`)
      return {}
    },
  })
  const { graph } = defineDefinitions({ assets: [asset], openResources: async () => ({ resources: {}, close: async () => undefined }) })
  const storage = new LocalStorage(root)
  const [step] = plan(graph, { selection: 'tables', partition: '2026-01-02' }, await loadStoredState(storage, graph)).steps
  const record = await runStep(step!, { graph, storage, resources: {}, runId: '20260301T020000Z-a1b2c3', log: silentLogger, signal: new AbortController().signal, duckdb: async () => db })
  return { record, manifest: await storage.readManifest('tables', 'dt=2026-01-02') }
}

describe('runStep measures its output', () => {
  it('counts the rows of every Parquet file of a multi-table partition, whatever their schemas', async () => {
    const { record, manifest } = await materializeWith({
      'a.parquet': 'SELECT range AS id FROM range(3)',
      'b.parquet': "SELECT 'x' AS name, range::DOUBLE AS v FROM range(5)",
      'c.parquet': 'SELECT 1 AS id LIMIT 0',
    })
    expect(record.status).toBe('success')
    expect(manifest?.rowCount).toBe(8)
    expect(manifest?.schema).toEqual([])
  })

  it('records the schema of a single-file partition, without a column for its dt= folder', async () => {
    const { manifest } = await materializeWith({ 'only.parquet': "SELECT range AS id, 'x' AS name FROM range(4)" })
    expect(manifest?.rowCount).toBe(4)
    expect(manifest?.schema).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'name', type: 'VARCHAR' },
    ])
  })
})
