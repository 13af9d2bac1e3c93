import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { defaultConcurrency, resolveSettings } from '../../../framework/config/index.js'

describe('concurrency settings', () => {
  it('defaults to one step more than the cores', () => {
    expect(defaultConcurrency(2)).toBe(3)
    expect(defaultConcurrency(8)).toBe(9)
    expect(defaultConcurrency(0)).toBe(2)
  })

  it('takes the default unless the flag, the environment or the config file says otherwise', () => {
    const cwd = '/nonexistent-dir'
    const fallback = defaultConcurrency(availableParallelism())
    expect(resolveSettings({}, {}, cwd, fallback).concurrency).toBe(fallback)
    expect(resolveSettings({}, { STRATA_CONCURRENCY: '5' }, cwd, fallback).concurrency).toBe(5)
    expect(resolveSettings({ concurrency: '1' }, { STRATA_CONCURRENCY: '5' }, cwd, fallback).concurrency).toBe(1)
  })
})
