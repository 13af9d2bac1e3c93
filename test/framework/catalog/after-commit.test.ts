import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runStep } from '../../../framework/executors/index.js'
import { StrataError } from '../../../framework/errors/index.js'
import { loadStoredState, plan } from '../../../framework/planner/index.js'
import { LocalStorage } from '../../../framework/storage/index.js'
import { silentLogger } from '../../../framework/definitions/index.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'

let root: string
beforeEach(async () => (root = await mkdtemp(join(tmpdir(), 'strata-after-commit-'))))
afterEach(async () => rm(root, { recursive: true, force: true }))

describe('afterCommit hook', () => {
  it('runs after the commit; its failure is a warning on a successful step, and the commit stays', async () => {
    const storage = new LocalStorage(root)
    const { graph } = toyDefinitions()
    const runPlan = plan(graph, { selection: 'source', partition: '2026-01-02' }, await loadStoredState(storage, graph))
    const step = runPlan.steps[0]!
    const seen: string[] = []
    const record = await runStep(step, {
      graph,
      storage,
      resources: {},
      runId: '20260301T020000Z-a1b2c3',
      log: silentLogger,
      signal: new AbortController().signal,
      duckdb: () => Promise.reject(new Error('not needed')),
      afterCommit: async (manifest) => {
        seen.push(`${manifest.asset}@${manifest.partition}:${manifest.dataVersion !== ''}`)
        throw new StrataError('aws', 'Glue CreateTable failed', 'create the database')
      },
    })
    expect(seen).toEqual(['source@2026-01-02:true'])
    expect(record.status).toBe('success')
    expect(record.warnings).toEqual(['source@2026-01-02 committed, but the after-commit hook failed: Glue CreateTable failed (create the database)'])
    expect(await storage.readManifest('source', 'dt=2026-01-02')).toBeDefined()
  })
})
