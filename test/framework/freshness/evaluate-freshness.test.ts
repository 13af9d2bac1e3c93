import { describe, expect, it } from 'vitest'
import { evaluateFreshness, formatDuration, parseInstant, type FreshnessReport } from '../../../framework/freshness/index.js'
import { storedStateOf } from '../../../framework/planner/index.js'
import type { Manifest } from '../../../framework/storage/index.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'

const graph = toyDefinitions({ start: '2026-01-01', freshness: { score: { dueBy: '03:00Z', warnAfter: '02:00Z' }, model: { dueBy: '06:00Z' }, clean: { dueBy: '03:00Z', lagDays: 1 } } }).graph

function manifest(asset: string, partition: string, options: { committedAt?: string; failed?: boolean } = {}): Manifest {
  return {
    formatVersion: 1, asset, partition, runId: 'r', startedAt: '2026-01-01T00:00:00Z', committedAt: options.committedAt ?? `${partition}T23:00:00.000Z`, codeVersion: 'v', dataVersion: 'd', upstream: [], rowCount: 1, schema: [], files: [], metadata: {},
    checks: options.failed ? [{ name: 'gate', passed: false, severity: 'error', blocking: true, message: 'closed' }] : [],
  }
}

const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `2026-01-${String(from + i).padStart(2, '0')}`)
const at = (iso: string) => new Date(iso)
const of = (report: FreshnessReport, asset: string) => report.assets.find((a) => a.asset === asset)!

describe('evaluateFreshness', () => {
  // score committed for 01-01 … 01-09 except 01-05 (a gap in the middle of the range).
  const scores = days(1, 9).filter((d) => d !== '2026-01-05').map((d) => manifest('score', d))
  const state = storedStateOf(scores)

  it('before the deadline the newest partition is not due yet; the gap in the middle is late', () => {
    const report = evaluateFreshness({ graph, state, at: at('2026-01-10T01:00:00Z') })
    const score = of(report, 'score')
    // 01-09 is due at 03:00 on 01-10; the window is the partitions due in the last 7 days: 01-02 … 01-08
    expect(score).toMatchObject({ state: 'late', due: 7, newestDue: '2026-01-08' })
    expect(score.late.map((p) => p.partition)).toEqual(['2026-01-05'])
    expect(score.late[0]).toMatchObject({ why: 'missing', dueAt: '2026-01-06T03:00:00.000Z' })
    // lag: the evaluation time minus the due time of the oldest late partition
    expect(score.lagMs).toBe(Date.parse('2026-01-10T01:00:00Z') - Date.parse('2026-01-06T03:00:00Z'))
    expect(score.lag).toBe('3d 22h')
    expect(report.ok).toBe(false)
  })

  it('between warnAfter and dueBy a missing newest partition warns; after dueBy it is late', () => {
    const filled = storedStateOf([...scores, manifest('score', '2026-01-05')])
    expect(of(evaluateFreshness({ graph, state: filled, at: at('2026-01-11T01:59:00Z') }), 'score')).toMatchObject({ state: 'fresh', warn: [], late: [] })
    const warn = of(evaluateFreshness({ graph, state: filled, at: at('2026-01-11T02:30:00Z') }), 'score')
    expect(warn).toMatchObject({ state: 'warn', late: [], warn: [{ partition: '2026-01-10', state: 'warn', dueAt: '2026-01-11T03:00:00.000Z' }] })
    const late = of(evaluateFreshness({ graph, state: filled, at: at('2026-01-11T03:00:00Z') }), 'score')
    expect(late).toMatchObject({ state: 'late', late: [{ partition: '2026-01-10' }], lagMs: 0 })
    // committed late is fresh again; the lag is the time since that commit
    const done = storedStateOf([...scores, manifest('score', '2026-01-05'), manifest('score', '2026-01-10', { committedAt: '2026-01-11T04:00:00Z' })])
    expect(of(evaluateFreshness({ graph, state: done, at: at('2026-01-11T05:30:00Z') }), 'score')).toMatchObject({ state: 'fresh', lag: '1h 30m' })
  })

  it('a partition whose blocking check failed counts as late', () => {
    const report = evaluateFreshness({ graph, state: storedStateOf([...days(1, 4).map((d) => manifest('score', d)), manifest('score', '2026-01-05', { failed: true })]), at: at('2026-01-06T04:00:00Z') })
    expect(of(report, 'score').late).toEqual([expect.objectContaining({ partition: '2026-01-05', why: 'failed-check', check: 'gate' })])
  })

  it('weekly partitions are due the day after their last day; lagDays shifts the deadline; nothing there is missing', () => {
    const report = evaluateFreshness({ graph, state: storedStateOf([manifest('model', '2026-01-05')]), at: at('2026-01-19T07:00:00Z'), window: 14 })
    // week 01-05 (due 01-12 06:00) is there, week 01-12 (due 01-19 06:00) is late
    expect(of(report, 'model')).toMatchObject({ state: 'late', due: 2, newestDue: '2026-01-12', late: [{ partition: '2026-01-12', dueAt: '2026-01-19T06:00:00.000Z' }] })
    // clean(D) is due 03:00 on D+2: at 01-03 04:00 only 01-01 is due, and nothing is there at all
    expect(of(report, 'clean').state).toBe('missing')
    const early = evaluateFreshness({ graph, state: storedStateOf([]), at: at('2026-01-03T04:00:00Z') })
    expect(of(early, 'clean')).toMatchObject({ state: 'missing', due: 1, newestDue: '2026-01-01' })
    expect(of(early, 'model')).toMatchObject({ state: 'fresh', due: 0, lagMs: null, lag: '-' })
  })

  it('judges only what fell due in the window (default 7 days): an older gap is not late, the newest due partition always counts', () => {
    const recent = storedStateOf(days(20, 31).map((d) => manifest('score', d)))
    const report = evaluateFreshness({ graph, state: recent, at: at('2026-02-01T04:00:00Z') })
    expect(report.window).toBe(7)
    expect(of(report, 'score')).toMatchObject({ state: 'fresh', due: 7, newestDue: '2026-01-31', late: [] })
    const weekly = evaluateFreshness({ graph, state: storedStateOf([manifest('model', '2026-01-05')]), at: at('2026-01-19T05:00:00Z'), window: 1 })
    // nothing fell due in the last day: the newest due week (01-05, due 01-12) is judged
    expect(of(weekly, 'model')).toMatchObject({ state: 'fresh', due: 1, newestDue: '2026-01-05' })
  })

  it('looks at a bounded window of due partitions', () => {
    const report = evaluateFreshness({ graph, state: storedStateOf([]), at: at('2026-03-01T04:00:00Z'), window: 5 })
    expect(of(report, 'score')).toMatchObject({ due: 5, late: [{ partition: '2026-02-24' }, {}, {}, {}, { partition: '2026-02-28' }] })
  })

  it('source freshness: landing days present by dueBy on D+1', () => {
    const source = { name: 'landing', policy: { dueBy: '01:00Z', warnAfter: '00:30Z' }, days: ['2026-01-01', '2026-01-02', '2026-01-04'] }
    const report = evaluateFreshness({ graph, state: storedStateOf([]), at: at('2026-01-05T00:45:00Z'), source })
    expect(of(report, 'landing')).toMatchObject({ kind: 'source', state: 'late', late: [{ partition: '2026-01-03' }], lagMs: Date.parse('2026-01-05T00:45:00Z') - Date.parse('2026-01-04T01:00:00Z') })
    const none = evaluateFreshness({ graph, state: storedStateOf([]), at: at('2026-01-05T00:45:00Z'), source: { ...source, days: [] } })
    expect(of(none, 'landing').state).toBe('missing')
  })

  it('rejects bad policies with the asset named', () => {
    const bad = toyDefinitions({ freshness: { score: { dueBy: '3am' } } }).graph
    expect(() => evaluateFreshness({ graph: bad, state: storedStateOf([]), at: new Date() })).toThrow(/asset score: freshness dueBy "3am" is not a UTC time of day/)
    const order = toyDefinitions({ freshness: { score: { dueBy: '02:00Z', warnAfter: '03:00Z' } } }).graph
    expect(() => evaluateFreshness({ graph: order, state: storedStateOf([]), at: new Date() })).toThrow(/warnAfter 03:00Z is after dueBy/)
  })
})

describe('parseInstant and formatDuration', () => {
  it('accepts ISO-8601 with a zone only', () => {
    expect(parseInstant('2026-03-02T04:30:00+01:00').toISOString()).toBe('2026-03-02T03:30:00.000Z')
    expect(parseInstant('2026-03-02T03:30Z').toISOString()).toBe('2026-03-02T03:30:00.000Z')
    for (const bad of ['2026-03-02T03:30:00', 'yesterday', '2026-02-30T01:00:00Z', '']) {
      expect(() => parseInstant(bad)).toThrow(expect.objectContaining({ code: 'usage', hint: expect.stringContaining('--at 2026-03-02T03:30:00Z') }))
    }
  })
  it('formats durations coarsely', () => {
    expect([0, 59_000, 3_600_000 + 5 * 60_000, 2 * 86_400_000 + 3 * 3_600_000].map(formatDuration)).toEqual(['0m', '0m', '1h 05m', '2d 3h'])
  })
})
