import { describe, expect, it } from 'vitest'
import { StrataError } from '../../../framework/errors/index.js'
import { UNPARTITIONED_KEY, unpartitioned } from '../../../framework/partitions/index.js'

describe('unpartitioned()', () => {
  const table = unpartitioned()

  it('has one key, all, whatever the range', () => {
    expect(UNPARTITIONED_KEY).toBe('all')
    expect(Object.isFrozen(table)).toBe(true)
    expect(table.kind).toBe('unpartitioned')
    expect(table.start).toBeUndefined()
    expect(table.end).toBeUndefined()
    expect(table.keysInRange('2026-01-01', '2026-12-31')).toEqual(['all'])
    expect(table.contains('all')).toBe(true)
    expect(table.contains('2026-01-01')).toBe(false)
    expect(table.pathSegment('all')).toBe('all')
    expect(table.describe()).toBe('unpartitioned')
    expect(table.daysOf('all')).toEqual({ from: '0001-01-01', to: '9999-12-31' })
  })

  it('accepts only all in validateKey', () => {
    expect(table.validateKey('all', 'calendar')).toBe('all')
    let caught: unknown
    try {
      table.validateKey('2026-01-01', 'calendar')
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(StrataError)
    const error = caught as StrataError
    expect(error.code).toBe('partition')
    expect(error.message).toContain('calendar')
    expect(error.message).toContain('unpartitioned')
    expect(error.hint).toContain('"all"')
  })
})
