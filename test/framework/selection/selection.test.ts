import { describe, expect, it } from 'vitest'
import { AssetGraph } from '../../../framework/graph/index.js'
import { StrataError } from '../../../framework/errors/index.js'
import { SELECTION_SYNTAX_HINT, parseSelection, resolveSelection } from '../../../framework/selection/index.js'
import { CDI_ORDER, cdiAssets } from '../graph/fixtures.js'

function thrown(run: () => unknown): StrataError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(StrataError)
    return error as StrataError
  }
  throw new Error('expected a StrataError, nothing was thrown')
}

describe('parseSelection', () => {
  it('parses every form', () => {
    expect(parseSelection('segments')).toEqual([{ kind: 'asset', text: 'segments', key: 'segments' }])
    expect(parseSelection('+segments')).toEqual([{ kind: 'asset', text: '+segments', key: 'segments', upstream: 'all' }])
    expect(parseSelection('segments+')).toEqual([{ kind: 'asset', text: 'segments+', key: 'segments', downstream: 'all' }])
    expect(parseSelection('2+segments')).toEqual([{ kind: 'asset', text: '2+segments', key: 'segments', upstream: 2 }])
    expect(parseSelection('segments+1')).toEqual([{ kind: 'asset', text: 'segments+1', key: 'segments', downstream: 1 }])
    expect(parseSelection('+segments+')).toEqual([{ kind: 'asset', text: '+segments+', key: 'segments', upstream: 'all', downstream: 'all' }])
    expect(parseSelection('3+segments+12')).toEqual([{ kind: 'asset', text: '3+segments+12', key: 'segments', upstream: 3, downstream: 12 }])
    expect(parseSelection('*')).toEqual([{ kind: 'all', text: '*' }])
    expect(parseSelection('cdi_scores2')).toEqual([{ kind: 'asset', text: 'cdi_scores2', key: 'cdi_scores2' }])
  })

  it('splits on commas, with optional spaces around them', () => {
    expect(parseSelection('raw,+features, segments+1 ,  *').map((term) => term.text)).toEqual(['raw', '+features', 'segments+1', '*'])
    expect(parseSelection('  raw  ').map((term) => term.text)).toEqual(['raw'])
  })

  it('accepts the longest key and refuses one character more', () => {
    const longest = `a${'b'.repeat(62)}`
    expect(parseSelection(longest)).toEqual([{ kind: 'asset', text: longest, key: longest }])
    expect(thrown(() => parseSelection(`${longest}b`)).code).toBe('selection')
  })

  const rejections: [string, string][] = [
    ['', 'the selection is empty'],
    ['   ', 'the selection is empty'],
    ['raw,,curated', 'term 2 of 3 in the selection is empty'],
    ['raw,', 'term 2 of 2 in the selection is empty'],
    [',raw', 'term 1 of 2 in the selection is empty'],
    ['raw, ,curated', 'term 2 of 3 in the selection is empty'],
    ["raw'", `selection term "raw'" is not valid: "'" has no meaning in a selection`],
    ["' OR 1=1 --", `selection term "' OR 1=1 --" is not valid: it contains a space`],
    ['raw;drop', 'selection term "raw;drop" is not valid: ";" has no meaning in a selection'],
    ['raw--', 'selection term "raw--" is not valid: "-" has no meaning in a selection'],
    ['--raw', 'selection term "--raw" is not valid: "-" has no meaning in a selection'],
    ['cdi scores', 'selection term "cdi scores" is not valid: it contains a space'],
    ['cdi\tscores', 'selection term "cdi?scores" is not valid: it contains a space'],
    ['../raw', 'selection term "../raw" is not valid: "." has no meaning in a selection'],
    ['raw/../../etc', 'selection term "raw/../../etc" is not valid: "/" has no meaning in a selection'],
    ['Segments', 'selection term "Segments" is not valid: asset keys are lowercase'],
    ['segm\u0435nts', 'selection term "segm?nts" is not valid: it contains a character that is not plain ASCII'],
    ['ｓegments', 'selection term "?egments" is not valid: it contains a character that is not plain ASCII'],
    ['segments\u200b', 'selection term "segments?" is not valid: it contains a character that is not plain ASCII'],
    ['\u001b[31mraw', 'selection term "?[31mraw" is not valid: it contains a character that is not plain ASCII'],
    ['raw\u00a0', 'selection term "raw?" is not valid: it contains a character that is not plain ASCII'],
    ['\ufeffraw', 'selection term "?raw" is not valid: it contains a character that is not plain ASCII'],
    ['raw\u0000', 'selection term "raw?" is not valid: it contains a character that is not plain ASCII'],
    ['**', 'selection term "**" is not valid: "*" has no meaning in a selection'],
    ['+*', 'selection term "+*" is not valid: "*" has no meaning in a selection'],
    ['+', 'selection term "+" is not valid: it does not follow the selection syntax'],
    ['++raw', 'selection term "++raw" is not valid: it does not follow the selection syntax'],
    ['raw++', 'selection term "raw++" is not valid: it does not follow the selection syntax'],
    ['0+raw', 'selection term "0+raw" is not valid: it does not follow the selection syntax'],
    ['raw+0', 'selection term "raw+0" is not valid: it does not follow the selection syntax'],
    ['01+raw', 'selection term "01+raw" is not valid: it does not follow the selection syntax'],
    ['1000+raw', 'selection term "1000+raw" is not valid: it does not follow the selection syntax'],
    ['2raw', 'selection term "2raw" is not valid: it does not follow the selection syntax'],
    ['raw2+x', 'selection term "raw2+x" is not valid: it does not follow the selection syntax'],
    ['_raw', 'selection term "_raw" is not valid: it does not follow the selection syntax'],
  ]

  it.each(rejections)('rejects %j', (text, message) => {
    const error = thrown(() => parseSelection(text))
    expect(error.code).toBe('selection')
    expect(error.message).toBe(message)
    expect(error.hint).toBe(SELECTION_SYNTAX_HINT)
  })

  it('shows the syntax in the hint', () => {
    for (const form of ['segments', '+segments', 'segments+', '2+segments', 'segments+1', '+segments+', '*']) {
      expect(SELECTION_SYNTAX_HINT).toContain(form)
    }
  })

  it('cuts a long offending term in the message', () => {
    const error = thrown(() => parseSelection(`raw;${'x'.repeat(200)}`))
    expect(error.message).toBe(`selection term "raw;${'x'.repeat(56)}…" is not valid: ";" has no meaning in a selection`)
  })

  it('refuses an absurdly long selection before looking at it', () => {
    const error = thrown(() => parseSelection('raw,'.repeat(5000)))
    expect(error.code).toBe('selection')
    expect(error.message).toBe('the selection is 20000 characters long, more than the 10000 allowed')
  })
})

describe('resolveSelection', () => {
  const graph = AssetGraph.build(cdiAssets())

  it('resolves a single asset', () => {
    expect(resolveSelection('features', graph)).toEqual(['features'])
  })

  it('resolves all upstream and all downstream', () => {
    expect(resolveSelection('+cdi_scores', graph)).toEqual(['raw', 'curated', 'customer_activity', 'features', 'cdi_scores'])
    expect(resolveSelection('segment_model+', graph)).toEqual(['segment_model', 'segments', 'drift_report'])
    expect(resolveSelection('+segment_model+', graph)).toEqual(['raw', 'curated', 'customer_activity', 'features', 'segment_model', 'segments', 'drift_report'])
  })

  it('resolves depths', () => {
    expect(resolveSelection('1+features', graph)).toEqual(['curated', 'customer_activity', 'features'])
    expect(resolveSelection('2+cdi_scores', graph)).toEqual(['curated', 'customer_activity', 'features', 'cdi_scores'])
    expect(resolveSelection('features+1', graph)).toEqual(['features', 'cdi_scores', 'segment_model'])
    expect(resolveSelection('1+segments+1', graph)).toEqual(['cdi_scores', 'segment_model', 'segments', 'drift_report'])
  })

  it('resolves * to every asset in topological order', () => {
    expect(resolveSelection('*', graph)).toEqual(CDI_ORDER)
    expect(resolveSelection('raw, *', graph)).toEqual(CDI_ORDER)
  })

  it('unions terms without duplicates, in topological order', () => {
    expect(resolveSelection('drift_report, raw,curated , raw', graph)).toEqual(['raw', 'curated', 'drift_report'])
    expect(resolveSelection('+curated, curated+1, 1+features', graph)).toEqual(['raw', 'curated', 'customer_activity', 'features'])
  })

  it('names an unknown asset and suggests the close one', () => {
    const error = thrown(() => resolveSelection('raw, +segmnts', graph))
    expect(error.code).toBe('selection')
    expect(error.message).toBe('unknown asset "segmnts"')
    expect(error.hint).toBe('did you mean "segments"? `strata assets` lists them')
  })

  it('says where to find the assets when nothing is close', () => {
    const error = thrown(() => resolveSelection('warehouse', graph))
    expect(error.code).toBe('selection')
    expect(error.message).toBe('unknown asset "warehouse"')
    expect(error.hint).toBe('`strata assets` lists the defined assets.')
  })

  it('still checks every key when * is present', () => {
    expect(thrown(() => resolveSelection('*, curatd', graph)).hint).toBe('did you mean "curated"? `strata assets` lists them')
  })

  it('rejects bad syntax before looking at the graph', () => {
    const error = thrown(() => resolveSelection('raw; DROP TABLE raw', graph))
    expect(error.code).toBe('selection')
    expect(error.hint).toBe(SELECTION_SYNTAX_HINT)
  })
})
