import { describe, expect, it } from 'vitest'
import { AssetGraph } from '../../../framework/graph/index.js'
import { StrataError } from '../../../framework/errors/index.js'
import { assetLineage, formatAssetLineage, type LineageEdge } from '../../../framework/lineage/index.js'
import { cdiAssets, stubAsset, stubMapping } from '../graph/fixtures.js'

const graph = AssetGraph.build(cdiAssets())

const edgeNames = (edges: readonly LineageEdge[]): string[] => edges.map((edge) => `${edge.from}->${edge.to}:${edge.input}`)

describe('assetLineage', () => {
  it('collects the upstream edges in topological, then input declaration order', () => {
    const lineage = assetLineage(graph, 'cdi_scores', 'upstream')
    expect(lineage.downstream).toBeUndefined()
    expect(edgeNames(lineage.edges)).toEqual([
      'raw->curated:raw',
      'curated->customer_activity:curated',
      'customer_activity->features:customer_activity',
      'curated->features:curated',
      'features->cdi_scores:features',
    ])
  })

  it('builds the tree once per asset and marks repeated subtrees', () => {
    const lineage = assetLineage(graph, 'features', 'upstream')
    const [activity, curated] = lineage.upstream ?? []
    expect(activity?.asset).toBe('customer_activity')
    expect(activity?.repeated).toBe(false)
    expect(activity?.children.map((child) => child.asset)).toEqual(['curated'])
    expect(curated?.asset).toBe('curated')
    expect(curated?.repeated).toBe(true)
    expect(curated?.children).toEqual([])
  })

  it('follows a self-dependency once and keeps each edge once across both directions', () => {
    const lineage = assetLineage(graph, 'segments', 'both')
    expect(lineage.downstream?.map((node) => [node.asset, node.edge.input, node.repeated])).toEqual([
      ['segments', 'previous_segments', true],
      ['drift_report', 'segments', false],
    ])
    expect(edgeNames(lineage.edges).filter((name) => name === 'segments->segments:previous_segments')).toHaveLength(1)
    expect(lineage.edges).toHaveLength(10)
  })

  it('collects downstream edges only from what reads the asset', () => {
    // segment_model -> drift_report is not downstream of segments' own readers: it stays out.
    expect(edgeNames(assetLineage(graph, 'segments', 'downstream').edges)).toEqual([
      'segments->segments:previous_segments',
      'segments->drift_report:segments',
    ])
    expect(edgeNames(assetLineage(graph, 'features', 'downstream').edges)).toEqual([
      'features->cdi_scores:features',
      'features->segment_model:features',
      'cdi_scores->segments:cdi_scores',
      'segment_model->segments:segment_model',
      'segments->segments:previous_segments',
      'segments->drift_report:segments',
      'segment_model->drift_report:segment_model',
    ])
  })

  it('throws a selection error for an unknown asset', () => {
    expect(() => assetLineage(graph, 'segmnts', 'both')).toThrow(StrataError)
    try {
      assetLineage(graph, 'segmnts', 'both')
    } catch (error) {
      expect((error as StrataError).code).toBe('selection')
      expect((error as StrataError).hint).toBe('did you mean "segments"? `strata assets` lists them')
    }
  })
})

describe('formatAssetLineage: text', () => {
  it('draws both trees with mappings, input names and repeats', () => {
    expect(formatAssetLineage(graph, 'segments', { direction: 'both', format: 'text' })).toBe(
      [
        'segments (daily from 2026-01-01)',
        'upstream:',
        '  ├── cdi_scores [same partition]',
        '  │   └── features [same partition]',
        '  │       ├── customer_activity [the 90 days ending on D (D-89 … D)]',
        '  │       │   └── curated [same partition]',
        '  │       │       └── raw [same partition]',
        '  │       └── curated [same partition] (see above)',
        '  ├── segment_model [the week containing D]',
        '  │   └── features [the 90 days before the week starts] (see above)',
        '  └── segments via previous_segments [the day before (D-1)] (see above)',
        'downstream:',
        '  ├── segments via previous_segments [the day before (D-1)] (see above)',
        '  └── drift_report [same partition]',
        '',
      ].join('\n'),
    )
  })

  it('draws one direction, and says when there is nothing', () => {
    expect(formatAssetLineage(graph, 'segment_model', { direction: 'downstream', format: 'text' })).toBe(
      [
        'segment_model (weekly (Mondays) from 2026-01-05)',
        'downstream:',
        '  ├── segments [the week containing D]',
        '  │   ├── segments via previous_segments [the day before (D-1)] (see above)',
        '  │   └── drift_report [same partition]',
        '  └── drift_report [the week containing D]',
        '',
      ].join('\n'),
    )
    expect(formatAssetLineage(graph, 'raw', { direction: 'upstream', format: 'text' })).toBe('raw (daily from 2026-01-01)\nupstream:\n  (none)\n')
  })
})

describe('formatAssetLineage: json', () => {
  it('nests the chosen direction with mapping and partitions descriptions', () => {
    const json: unknown = JSON.parse(formatAssetLineage(graph, 'drift_report', { direction: 'upstream', format: 'json' }))
    const curatedAgain = { asset: 'curated', input: 'curated', mapping: 'same partition', partitions: 'daily from 2026-01-01', seeAbove: true }
    const features = {
      asset: 'features',
      input: 'features',
      mapping: 'same partition',
      partitions: 'daily from 2026-01-01',
      upstream: [
        {
          asset: 'customer_activity',
          input: 'customer_activity',
          mapping: 'the 90 days ending on D (D-89 … D)',
          partitions: 'daily from 2026-01-01',
          upstream: [
            {
              asset: 'curated',
              input: 'curated',
              mapping: 'same partition',
              partitions: 'daily from 2026-01-01',
              upstream: [{ asset: 'raw', input: 'raw', mapping: 'same partition', partitions: 'daily from 2026-01-01' }],
            },
          ],
        },
        curatedAgain,
      ],
    }
    expect(json).toEqual({
      asset: 'drift_report',
      partitions: 'daily from 2026-01-01',
      upstream: [
        {
          asset: 'segments',
          input: 'segments',
          mapping: 'same partition',
          partitions: 'daily from 2026-01-01',
          upstream: [
            { asset: 'cdi_scores', input: 'cdi_scores', mapping: 'same partition', partitions: 'daily from 2026-01-01', upstream: [features] },
            {
              asset: 'segment_model',
              input: 'segment_model',
              mapping: 'the week containing D',
              partitions: 'weekly (Mondays) from 2026-01-05',
              upstream: [
                { asset: 'features', input: 'features', mapping: 'the 90 days before the week starts', partitions: 'daily from 2026-01-01', seeAbove: true },
              ],
            },
            { asset: 'segments', input: 'previous_segments', mapping: 'the day before (D-1)', partitions: 'daily from 2026-01-01', seeAbove: true },
          ],
        },
        { asset: 'segment_model', input: 'segment_model', mapping: 'the week containing D', partitions: 'weekly (Mondays) from 2026-01-05', seeAbove: true },
      ],
    })
  })

  it('carries both keys for both directions', () => {
    const json = JSON.parse(formatAssetLineage(graph, 'cdi_scores', { direction: 'both', format: 'json' })) as Record<string, unknown>
    expect(Object.keys(json)).toEqual(['asset', 'partitions', 'upstream', 'downstream'])
    expect(json.downstream).toEqual([
      {
        asset: 'segments',
        input: 'cdi_scores',
        mapping: 'same partition',
        partitions: 'daily from 2026-01-01',
        downstream: [
          { asset: 'segments', input: 'previous_segments', mapping: 'the day before (D-1)', partitions: 'daily from 2026-01-01', seeAbove: true },
          { asset: 'drift_report', input: 'segments', mapping: 'same partition', partitions: 'daily from 2026-01-01' },
        ],
      },
    ])
  })

  it('has an empty list when there is nothing on that side', () => {
    expect(JSON.parse(formatAssetLineage(graph, 'drift_report', { direction: 'downstream', format: 'json' }))).toEqual({
      asset: 'drift_report',
      partitions: 'daily from 2026-01-01',
      downstream: [],
    })
  })
})

describe('formatAssetLineage: mermaid', () => {
  it('draws one line per edge with a quoted label, the self-dependency included', () => {
    expect(formatAssetLineage(graph, 'segments', { direction: 'both', format: 'mermaid' })).toBe(
      [
        'graph LR',
        '  raw -->|"same partition"| curated',
        '  curated -->|"same partition"| customer_activity',
        '  customer_activity -->|"the 90 days ending on D (D-89 … D)"| features',
        '  curated -->|"same partition"| features',
        '  features -->|"same partition"| cdi_scores',
        '  features -->|"the 90 days before the week starts"| segment_model',
        '  cdi_scores -->|"same partition"| segments',
        '  segment_model -->|"the week containing D"| segments',
        '  segments -->|"the day before (D-1)"| segments',
        '  segments -->|"same partition"| drift_report',
        '',
      ].join('\n'),
    )
  })

  it('draws a lone asset when it has no edges', () => {
    expect(formatAssetLineage(graph, 'raw', { direction: 'upstream', format: 'mermaid' })).toBe('graph LR\n  raw\n')
  })

  it('escapes labels and keeps Mermaid keywords from being read as syntax', () => {
    const nasty = stubMapping('same-day', 'a "quoted" <b>bold</b> #hash\nnew line | pipe')
    const small = AssetGraph.build([stubAsset('end'), stubAsset('report', { end: nasty })])
    expect(formatAssetLineage(small, 'report', { direction: 'upstream', format: 'mermaid' })).toBe(
      'graph LR\n  A_end["end"] -->|"a #quot;quoted#quot; #lt;b#gt;bold#lt;/b#gt; #35;hash new line #124; pipe"| report\n',
    )
  })
})

describe('formatAssetLineage: dot', () => {
  it('draws a digraph with one quoted edge per dependency', () => {
    expect(formatAssetLineage(graph, 'segment_model', { direction: 'both', format: 'dot' })).toBe(
      [
        'digraph strata {',
        '  rankdir=LR;',
        '  "raw" -> "curated" [label="same partition"];',
        '  "curated" -> "customer_activity" [label="same partition"];',
        '  "customer_activity" -> "features" [label="the 90 days ending on D (D-89 … D)"];',
        '  "curated" -> "features" [label="same partition"];',
        '  "features" -> "segment_model" [label="the 90 days before the week starts"];',
        '  "segment_model" -> "segments" [label="the week containing D"];',
        '  "segments" -> "segments" [label="the day before (D-1)"];',
        '  "segments" -> "drift_report" [label="same partition"];',
        '  "segment_model" -> "drift_report" [label="the week containing D"];',
        '}',
        '',
      ].join('\n'),
    )
  })

  it('escapes quotes, backslashes and newlines in labels, and draws a lone asset', () => {
    const odd = stubMapping('same-day', 'say "hi" \\ then\nmore')
    const small = AssetGraph.build([stubAsset('raw'), stubAsset('curated', { raw: odd })])
    expect(formatAssetLineage(small, 'curated', { direction: 'upstream', format: 'dot' })).toBe(
      'digraph strata {\n  rankdir=LR;\n  "raw" -> "curated" [label="say \\"hi\\" \\\\ then\\nmore"];\n}\n',
    )
    expect(formatAssetLineage(small, 'raw', { direction: 'upstream', format: 'dot' })).toBe('digraph strata {\n  rankdir=LR;\n  "raw";\n}\n')
  })

  it('is deterministic', () => {
    const again = AssetGraph.build(cdiAssets())
    expect(formatAssetLineage(again, 'features', { direction: 'both', format: 'dot' })).toBe(
      formatAssetLineage(graph, 'features', { direction: 'both', format: 'dot' }),
    )
  })
})
