import { describe, expect, it } from 'vitest'
import { AssetGraph } from '../../../framework/graph/index.js'
import { StrataError } from '../../../framework/errors/index.js'
import { CDI_ORDER, cdiAssets, previous, refusing, sameDay, stubAsset, weekOf, weeklyStub } from './fixtures.js'

function buildError(build: () => unknown): StrataError {
  try {
    build()
  } catch (error) {
    expect(error).toBeInstanceOf(StrataError)
    return error as StrataError
  }
  throw new Error('expected a StrataError, nothing was thrown')
}

describe('AssetGraph.build: load errors', () => {
  it('rejects a key defined twice', () => {
    const error = buildError(() => AssetGraph.build([stubAsset('raw'), stubAsset('curated'), stubAsset('raw')]))
    expect(error.code).toBe('definition')
    expect(error.message).toBe('asset key "raw" is defined twice')
    expect(error.hint).toBe('Give every asset its own key, or remove the duplicate from the definitions list.')
  })

  it('rejects an unknown dependency and suggests the close key', () => {
    const assets = cdiAssets().map((asset) =>
      asset.key === 'features' ? stubAsset('features', { customer_activity: sameDay(), curatd: sameDay() }) : asset,
    )
    const error = buildError(() => AssetGraph.build(assets))
    expect(error.code).toBe('definition')
    expect(error.message).toBe('asset features depends on "curatd", which is not defined')
    expect(error.hint).toBe('did you mean "curated"?')
  })

  it('says how to fix an unknown dependency with nothing close', () => {
    const error = buildError(() => AssetGraph.build([stubAsset('raw'), stubAsset('report', { warehouse_totals: sameDay() })]))
    expect(error.code).toBe('definition')
    expect(error.message).toBe('asset report depends on "warehouse_totals", which is not defined')
    expect(error.hint).toBe('Define an asset "warehouse_totals" and add it to the definitions, or fix the dependency of report.')
  })

  it('rejects a self-dependency that is not through previous()', () => {
    const error = buildError(() => AssetGraph.build([stubAsset('segments', { again: { asset: 'segments', mapping: sameDay() } })]))
    expect(error.code).toBe('definition')
    expect(error.message).toBe('asset segments depends on itself through input "again" with a same-day mapping (same partition)')
    expect(error.hint).toContain('only depend on itself through previous()')
  })

  it('accepts a self-dependency through previous() and does not count it as a cycle', () => {
    const graph = AssetGraph.build([stubAsset('segments', { yesterday: { asset: 'segments', mapping: previous() } })])
    expect(graph.keys).toEqual(['segments'])
    expect(graph.dependenciesOf('segments').map((dep) => dep.asset)).toEqual(['segments'])
  })

  it('rejects a two-asset cycle, naming the assets in cycle order', () => {
    const error = buildError(() => AssetGraph.build([stubAsset('a', { b: sameDay() }), stubAsset('b', { a: sameDay() })]))
    expect(error.code).toBe('definition')
    expect(error.message).toBe('assets depend on each other in a cycle: a → b → a')
    expect(error.hint).toBe(
      'Break the cycle by removing one of these dependencies; the only loop allowed is an asset depending on itself through previous().',
    )
  })

  it('finds a longer cycle in data-flow order even when an asset outside it is declared first', () => {
    // report only reads the cycle; walking upstream from it must still land on the loop.
    const assets = [
      stubAsset('report', { b: sameDay() }),
      stubAsset('raw'),
      stubAsset('c', { b: sameDay(), raw: sameDay() }),
      stubAsset('a', { c: sameDay() }),
      stubAsset('b', { a: sameDay() }),
    ]
    const error = buildError(() => AssetGraph.build(assets))
    expect(error.code).toBe('definition')
    expect(error.message).toBe('assets depend on each other in a cycle: c → a → b → c')
    expect(error.hint).toContain('previous()')
  })

  it('rejects a mapping whose validate() refuses, naming downstream, input, upstream and the reason', () => {
    const assets = [stubAsset('raw'), stubAsset('curated', { source: { asset: 'raw', mapping: refusing('the stub refuses raw') } })]
    const error = buildError(() => AssetGraph.build(assets))
    expect(error.code).toBe('definition')
    expect(error.message).toBe('asset curated, input "source" from raw: the mapping does not fit: the stub refuses raw')
    expect(error.hint).toBe('Use a mapping that fits daily from 2026-01-01 → daily from 2026-01-01, or change the partitions of curated or raw.')
  })

  it('passes both partitions definitions to validate(), downstream first', () => {
    // weekOf() wants a weekly upstream; reading a daily one is a mapping that cannot work.
    const error = buildError(() => AssetGraph.build([stubAsset('model', {}, weeklyStub), stubAsset('scores'), stubAsset('segments', { scores: weekOf() })]))
    expect(error.code).toBe('definition')
    expect(error.message).toBe('asset segments, input "scores" from scores: the mapping does not fit: needs weekly → daily, got daily → daily')
  })
})

describe('AssetGraph: order and lookups', () => {
  const graph = AssetGraph.build(cdiAssets())

  it('lists keys in topological order', () => {
    expect(graph.keys).toEqual(CDI_ORDER)
    expect(CDI_ORDER.map((key) => graph.topoIndex(key))).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })

  it('keeps the topological order whatever the declaration order', () => {
    expect(AssetGraph.build([...cdiAssets()].reverse()).keys).toEqual([
      'raw',
      'curated',
      'customer_activity',
      'features',
      'segment_model',
      'cdi_scores',
      'segments',
      'drift_report',
    ])
  })

  it('breaks ties by declaration order', () => {
    const assets = [stubAsset('zeta'), stubAsset('alpha'), stubAsset('mid', { alpha: sameDay() }), stubAsset('beta')]
    expect(AssetGraph.build(assets).keys).toEqual(['zeta', 'alpha', 'mid', 'beta'])
  })

  it('is deterministic', () => {
    expect(AssetGraph.build(cdiAssets()).keys).toEqual(AssetGraph.build(cdiAssets()).keys)
  })

  it('looks up assets and says which keys are close for an unknown one', () => {
    expect(graph.has('segments')).toBe(true)
    expect(graph.has('segmnts')).toBe(false)
    expect(graph.asset('segments').key).toBe('segments')
    const error = buildError(() => graph.asset('segmnts'))
    expect(error.code).toBe('selection')
    expect(error.message).toBe('unknown asset "segmnts"')
    expect(error.hint).toBe('did you mean "segments"? `strata assets` lists them')
    expect(buildError(() => graph.topoIndex('nope')).code).toBe('selection')
    expect(buildError(() => graph.ancestors('nope')).code).toBe('selection')
  })

  it('lists dependencies in declaration order, a self-dependency included', () => {
    expect(graph.dependenciesOf('segments').map((dep) => [dep.input, dep.asset, dep.mapping.kind])).toEqual([
      ['cdi_scores', 'cdi_scores', 'same-day'],
      ['segment_model', 'segment_model', 'week-of'],
      ['previous_segments', 'segments', 'previous'],
    ])
    expect(graph.dependenciesOf('features').map((dep) => dep.asset)).toEqual(['customer_activity', 'curated'])
    expect(graph.dependenciesOf('raw')).toEqual([])
  })

  it('lists dependents in topological order, a self-dependency included', () => {
    expect(graph.dependentsOf('segment_model').map((dep) => [dep.asset, dep.input])).toEqual([
      ['segments', 'segment_model'],
      ['drift_report', 'segment_model'],
    ])
    expect(graph.dependentsOf('segments').map((dep) => [dep.asset, dep.input])).toEqual([
      ['segments', 'previous_segments'],
      ['drift_report', 'segments'],
    ])
  })

  it('keeps two inputs that read the same upstream', () => {
    const twice = AssetGraph.build([
      stubAsset('segments'),
      stubAsset('drift_report', { today: { asset: 'segments', mapping: sameDay() }, yesterday: { asset: 'segments', mapping: previous() } }),
    ])
    expect(twice.dependenciesOf('drift_report').map((dep) => dep.input)).toEqual(['today', 'yesterday'])
    expect(twice.dependentsOf('segments').map((dep) => dep.input)).toEqual(['today', 'yesterday'])
    expect(twice.upstreamOf('drift_report')).toEqual(['segments'])
  })

  it('gives direct neighbours without the asset itself', () => {
    expect(graph.upstreamOf('segments')).toEqual(['cdi_scores', 'segment_model'])
    expect(graph.downstreamOf('segments')).toEqual(['drift_report'])
    expect(graph.upstreamOf('features')).toEqual(['curated', 'customer_activity'])
    expect(graph.downstreamOf('features')).toEqual(['cdi_scores', 'segment_model'])
    expect(graph.upstreamOf('raw')).toEqual([])
    expect(graph.downstreamOf('drift_report')).toEqual([])
  })

  it('finds ancestors by depth', () => {
    expect([...graph.ancestors('segments', 0)]).toEqual([])
    expect([...graph.ancestors('segments', 1)]).toEqual(['cdi_scores', 'segment_model'])
    expect([...graph.ancestors('segments', 2)]).toEqual(['features', 'cdi_scores', 'segment_model'])
    expect([...graph.ancestors('segments', 3)]).toEqual(['curated', 'customer_activity', 'features', 'cdi_scores', 'segment_model'])
    expect([...graph.ancestors('segments')]).toEqual(['raw', 'curated', 'customer_activity', 'features', 'cdi_scores', 'segment_model'])
    expect(graph.ancestors('segments').has('segments')).toBe(false)
    expect(graph.ancestors('raw').size).toBe(0)
  })

  it('finds descendants by depth', () => {
    expect([...graph.descendants('curated', 1)]).toEqual(['customer_activity', 'features'])
    expect([...graph.descendants('curated', 2)]).toEqual(['customer_activity', 'features', 'cdi_scores', 'segment_model'])
    expect([...graph.descendants('features')]).toEqual(['cdi_scores', 'segment_model', 'segments', 'drift_report'])
    expect([...graph.descendants('segments')]).toEqual(['drift_report'])
    expect(graph.descendants('drift_report').size).toBe(0)
  })

  it('rejects a depth that is not a whole number', () => {
    const error = buildError(() => graph.descendants('raw', -1))
    expect(error.code).toBe('selection')
    expect(error.hint).toBe('Give a depth of 0 or more, or none for all levels.')
    expect(buildError(() => graph.ancestors('raw', 1.5)).code).toBe('selection')
  })
})
