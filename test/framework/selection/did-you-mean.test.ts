import { describe, expect, it } from 'vitest'
import { didYouMean, editDistance, formatSuggestions } from '../../../framework/selection/index.js'

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('curated', 'curated')).toBe(0)
    expect(editDistance('curatd', 'curated')).toBe(1)
    expect(editDistance('curateds', 'curated')).toBe(1)
    expect(editDistance('curatex', 'curated')).toBe(1)
    expect(editDistance('', 'raw')).toBe(3)
    expect(editDistance('raw', '')).toBe(3)
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })

  it('counts a swap of two neighbours as one edit', () => {
    expect(editDistance('cruated', 'curated')).toBe(1)
    expect(editDistance('segmnets', 'segments')).toBe(1)
  })
})

describe('didYouMean', () => {
  const keys = ['raw', 'curated', 'customer_activity', 'features', 'cdi_scores', 'segment_model', 'segments', 'drift_report']

  it('suggests the closest key', () => {
    expect(didYouMean('curatd', keys)).toEqual(['curated'])
    expect(didYouMean('segmnts', keys)).toEqual(['segments'])
    expect(didYouMean('Segments', keys)).toEqual(['segments'])
  })

  it('orders by distance, then by the candidates order, and keeps at most three', () => {
    expect(didYouMean('ab', ['abc', 'xb', 'ab_', 'a', 'zz'])).toEqual(['abc', 'xb', 'ab_'])
    expect(didYouMean('ab', ['abcd', 'abc'])).toEqual(['abc', 'abcd'])
    expect(didYouMean('ab', ['abc', 'xb', 'a'], 1)).toEqual(['abc'])
  })

  it('allows max(2, a third of the length) edits and no more', () => {
    expect(didYouMean('rw', ['raw'])).toEqual(['raw'])
    expect(didYouMean('xyz', ['raw'])).toEqual([])
    // 12 characters allow 4 edits.
    expect(didYouMean('segment_mdl', ['segment_model'])).toEqual(['segment_model'])
    expect(didYouMean('drift', ['drift_report'])).toEqual([])
  })

  it('offers nothing for empty or absurdly long names', () => {
    expect(didYouMean('', keys)).toEqual([])
    expect(didYouMean('a'.repeat(500), ['a'.repeat(499)])).toEqual([])
  })
})

describe('formatSuggestions', () => {
  it('asks about one, two or three names', () => {
    expect(formatSuggestions([])).toBeUndefined()
    expect(formatSuggestions(['curated'])).toBe('did you mean "curated"?')
    expect(formatSuggestions(['a', 'b'])).toBe('did you mean "a" or "b"?')
    expect(formatSuggestions(['a', 'b', 'c'])).toBe('did you mean "a", "b" or "c"?')
  })
})
