import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StrataError } from '../../framework/errors/index.js'
import { LocalLanding } from '../../assets/landing/index.js'

// What every landing does is in the shared contract (landing-contract.ts); here only the local folder's own.
describe('LocalLanding', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-landing-'))
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('fails with a config error when the root cannot be read', async () => {
    const error = await new LocalLanding(join(root, 'nope')).listDays().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect((error as StrataError).code).toBe('config')
    expect((error as StrataError).message).toContain(join(root, 'nope'))
  })
})
