import { describe, expect, it } from 'vitest'
import { healthRanges } from '../../../framework/ui/health-ranges.js'
import type { StatusCell } from '../../../framework/cli/commands/status-command.js'

const cell = (partition: string, state: string, reason: string) => ({ asset: 'a', partition, state, reason }) as unknown as StatusCell

describe('healthRanges', () => {
  it('compresses consecutive partitions with the same state and kind of reason, whatever dates the reason names', () => {
    const cells = [
      cell('2026-01-03', 'stale', 'upstream b(2026-01-03) changed since it was built'),
      cell('2026-01-01', 'materialized', 'up to date'),
      cell('2026-01-02', 'materialized', 'up to date'),
      cell('2026-01-04', 'stale', 'upstream b(2026-01-04) changed since it was built'),
      cell('2026-01-05', 'stale', 'code version changed (v1 → v2)'),
      cell('2026-01-06', 'missing', 'missing'),
    ]
    const health = healthRanges(['a', 'b'], cells)
    expect(health.get('a')).toEqual({
      asset: 'a',
      total: 6,
      counts: { stale: 3, materialized: 2, missing: 1 },
      ranges: [
        { from: '2026-01-01', to: '2026-01-02', count: 2, state: 'materialized', reason: 'up to date' },
        { from: '2026-01-03', to: '2026-01-04', count: 2, state: 'stale', reason: 'upstream b(2026-01-03) changed since it was built' },
        { from: '2026-01-05', to: '2026-01-05', count: 1, state: 'stale', reason: 'code version changed (v1 → v2)' },
        { from: '2026-01-06', to: '2026-01-06', count: 1, state: 'missing', reason: 'missing' },
      ],
    })
    expect(health.get('b')).toEqual({ asset: 'b', total: 0, counts: {}, ranges: [] })
  })

  it('keeps a state word it does not know (a newer engine may report more)', () => {
    const health = healthRanges(['a'], [cell('2026-01-01', 'crashed', 'run crashed'), cell('2026-01-02', 'crashed', 'run crashed')])
    expect(health.get('a')?.ranges).toEqual([{ from: '2026-01-01', to: '2026-01-02', count: 2, state: 'crashed', reason: 'run crashed' }])
  })

  it('is a handful of ranges for ten years of days', () => {
    const cells: StatusCell[] = []
    for (let i = 0; i < 3650; i++) cells.push(cell(new Date(Date.UTC(2016, 0, 1) + i * 86_400_000).toISOString().slice(0, 10), i === 1000 ? 'failed' : 'materialized', i === 1000 ? 'failed in run 20190101T000000Z-abcdef' : 'up to date'))
    expect(healthRanges(['a'], cells).get('a')?.ranges).toHaveLength(3)
  })
})
