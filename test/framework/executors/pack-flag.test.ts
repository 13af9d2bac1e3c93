import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'
import { platform } from '../../../resources/platform.js'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-pack-'))
})
afterEach(async () => rm(root, { recursive: true, force: true }))

async function cli(...argv: string[]) {
  const app: StrataApp = { name: 'strata', version: '0.0.0-test', platform, load: async () => toyDefinitions({}) }
  const io = captureIo({ STRATA_STORAGE: join(root, 'storage'), STRATA_LANDING: join(root, 'landing') }, root)
  const code = await runCli(argv, io, app)
  return { code, out: io.out(), err: io.err() }
}

describe('--pack', () => {
  it('an unknown grouping is a usage error naming the choices', async () => {
    const { code, err } = await cli('materialize', 'source', '--partition', '2026-01-03', '--executor', 'fargate', '--pack', 'day')
    expect(code).toBe(2)
    expect(err).toContain('--pack "day" is not one of step, partition, run')
    expect(err).toContain('--pack partition (one task per day, the default)')
  })

  it('is for the Fargate executor only', async () => {
    const { code, err } = await cli('materialize', 'source', '--partition', '2026-01-03', '--pack', 'step')
    expect(code).toBe(2)
    expect(err).toContain('--pack step is for --executor fargate')
  })
})
