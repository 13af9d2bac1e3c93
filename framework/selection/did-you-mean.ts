/** Names longer than this are not compared: a hostile input must not cost quadratic time. */
const MAX_COMPARED_LENGTH = 128

/**
 * Edit distance between two strings, counting insertions, deletions, substitutions and
 * transpositions of two adjacent characters (optimal string alignment, a restricted
 * Damerau–Levenshtein). `curatd` → `curated` is 1, `cruated` → `curated` is 1.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  if (a.length === 0) return b.length
  if (b.length === 0) return a.length
  // Three rolling rows (two back, one back, current) are all a transposition needs.
  let twoBack = new Array<number>(b.length + 1).fill(0)
  let oneBack = Array.from({ length: b.length + 1 }, (_, j) => j)
  let current = new Array<number>(b.length + 1).fill(0)
  for (let i = 1; i <= a.length; i++) {
    current[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(
        (oneBack[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (oneBack[j - 1] ?? 0) + cost,
      )
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (twoBack[j - 2] ?? 0) + 1)
      }
      current[j] = best
    }
    ;[twoBack, oneBack, current] = [oneBack, current, twoBack]
  }
  return oneBack[b.length] ?? 0
}

/**
 * The candidates closest to `name`, best first (ties keep the candidates' order), at most
 * `limit` of them and only those within max(2, ⌊length/3⌋) edits, so that a short typo still
 * finds its match but unrelated names are not offered.
 *
 * @example
 * didYouMean('curatd', ['raw', 'curated', 'features']) // ['curated']
 */
export function didYouMean(name: string, candidates: Iterable<string>, limit = 3): string[] {
  if (name.length === 0 || name.length > MAX_COMPARED_LENGTH) return []
  const wanted = name.toLowerCase()
  const threshold = Math.max(2, Math.floor(wanted.length / 3))
  const scored: { candidate: string; distance: number; order: number }[] = []
  let order = 0
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase())
    if (distance <= threshold && candidate !== name) scored.push({ candidate, distance, order })
    order++
  }
  scored.sort((x, y) => x.distance - y.distance || x.order - y.order)
  return scored.slice(0, limit).map((entry) => entry.candidate)
}

/**
 * The suggestions as a question for a hint, or undefined when there are none.
 *
 * @example
 * formatSuggestions(['curated']) // 'did you mean "curated"?'
 * formatSuggestions(['a', 'b', 'c']) // 'did you mean "a", "b" or "c"?'
 */
export function formatSuggestions(suggestions: readonly string[]): string | undefined {
  const quoted = suggestions.map((suggestion) => JSON.stringify(suggestion))
  if (quoted.length === 0) return undefined
  const last = quoted[quoted.length - 1] ?? ''
  const list = quoted.length === 1 ? last : `${quoted.slice(0, -1).join(', ')} or ${last}`
  return `did you mean ${list}?`
}
