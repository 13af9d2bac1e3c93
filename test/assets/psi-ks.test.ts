import { describe, expect, it } from 'vitest'
import { StrataError } from '../../framework/errors/index.js'
import { ksStatistic, type ValueCount } from '../../assets/lib/ks.js'
import { PSI_FLOOR, cdiBin, featureBin, mergeEdges, psiFromCounts } from '../../assets/lib/psi.js'

describe('psiFromCounts', () => {
  it('matches a hand-worked two-bin PSI', () => {
    // c = (0.5, 0.5), b = (0.25, 0.75)
    // (0.5 − 0.25)·ln(0.5/0.25) + (0.5 − 0.75)·ln(0.5/0.75) = 0.25·ln 2 + 0.25·ln 1.5 = 0.25·ln 3 ≈ 0.2746530722
    expect(psiFromCounts([50, 50], [25, 75])).toBeCloseTo(Math.log(3) / 4, 15)
  })

  it('floors every proportion at 1e-6 so an empty bin gives a finite term', () => {
    // c = (1, 0) → c' = (1, 1e-6); b = (0, 1) → b' = (1e-6, 1)
    // (1 − 1e-6)·ln(1/1e-6) + (1e-6 − 1)·ln(1e-6/1) = 2·(1 − 1e-6)·ln(1e6) ≈ 27.6309934849
    expect(PSI_FLOOR).toBe(1e-6)
    expect(psiFromCounts([7, 0], [0, 3])).toBeCloseTo(2 * (1 - 1e-6) * Math.log(1e6), 10)
  })

  it('gives 0 for bins empty on both sides and for identical proportions', () => {
    // Both sides floor to 1e-6 in the empty bins: (1e-6 − 1e-6)·ln 1 = 0.
    expect(psiFromCounts([1, 0, 0, 3], [2, 0, 0, 6])).toBe(0)
  })

  it('is null when a side has no rows and refuses mismatched bins', () => {
    expect(psiFromCounts([0, 0], [1, 2])).toBeNull()
    expect(psiFromCounts([1, 2], [0, 0])).toBeNull()
    expect(() => psiFromCounts([1, 2], [1, 2, 3])).toThrow(StrataError)
    expect(() => psiFromCounts([1, -2], [1, 2])).toThrow(StrataError)
  })
})

describe('bins', () => {
  it('puts CDI 100 in the last bin [90,100]', () => {
    expect(cdiBin(0)).toBe(0)
    expect(cdiBin(9)).toBe(0)
    expect(cdiBin(10)).toBe(1)
    expect(cdiBin(89)).toBe(8)
    expect(cdiBin(90)).toBe(9)
    expect(cdiBin(100)).toBe(9)
    expect(() => cdiBin(101)).toThrow(StrataError)
    expect(() => cdiBin(-1)).toThrow(StrataError)
  })

  it('uses left-closed feature bins (−∞, e0), [e0, e1), …, [e_last, +∞)', () => {
    const edges = [1, 3]
    expect(featureBin(-1e300, edges)).toBe(0)
    expect(featureBin(0.999, edges)).toBe(0)
    expect(featureBin(1, edges)).toBe(1)
    expect(featureBin(2.999, edges)).toBe(1)
    expect(featureBin(3, edges)).toBe(2)
    expect(featureBin(1e300, edges)).toBe(2)
    expect(featureBin(5, [])).toBe(0)
  })

  it('merges duplicate edges and sorts them', () => {
    expect(mergeEdges([0, 0, 0, 0.4, 0.4, 1])).toEqual([0, 0.4, 1])
    expect(mergeEdges([3, 1, 1])).toEqual([1, 3])
  })
})

describe('ksStatistic', () => {
  const vc = (pairs: [number, number][]): ValueCount[] => pairs.map(([value, count]) => ({ value, count }))

  it('matches a hand-worked ECDF merge with ties', () => {
    // today    {0:2, 1:1, 3:1}            N = 4
    // baseline {0:2, 1:2, 2:2, 3:2, 10:2} N = 10
    // after 0: 2/4 − 2/10 = 0.30; after 1: 3/4 − 4/10 = 0.35; after 2: 3/4 − 6/10 = 0.15;
    // after 3: 4/4 − 8/10 = 0.20; after 10: 0. sup = 0.35 (= |3·10 − 4·4| / 40 = 14/40).
    const today = vc([[0, 2], [1, 1], [3, 1]])
    const baseline = vc([[0, 2], [1, 2], [2, 2], [3, 2], [10, 2]])
    expect(ksStatistic(today, baseline)).toBe(0.35)
    expect(ksStatistic(baseline, today)).toBe(0.35)
  })

  it('is 1 for disjoint samples and 0 for equal proportions', () => {
    expect(ksStatistic(vc([[1, 5]]), vc([[2, 1]]))).toBe(1)
    // {0:1, 1:3} vs {0:2, 1:6}: same ECDF, 1·8 − 2·4 = 0 exactly.
    expect(ksStatistic(vc([[0, 1], [1, 3]]), vc([[0, 2], [1, 6]]))).toBe(0)
  })

  it('compares only after a whole tie group, not inside it', () => {
    // a = {0:1, 1:1}, b = {1:2}: after 0: 1/2 − 0 = 0.5; after 1: 1 − 1 = 0. sup = 0.5.
    // Stepping through the tie at 1 one sample at a time would wrongly report 1 − 0 = 1 or 0.5 − 1.
    expect(ksStatistic(vc([[0, 1], [1, 1]]), vc([[1, 2]]))).toBe(0.5)
  })

  it('is null for an empty sample and refuses unsorted input', () => {
    expect(ksStatistic([], vc([[1, 1]]))).toBeNull()
    expect(() => ksStatistic(vc([[2, 1], [1, 1]]), vc([[1, 1]]))).toThrow(StrataError)
    expect(() => ksStatistic(vc([[1, 1], [1, 1]]), vc([[1, 1]]))).toThrow(StrataError)
  })
})
