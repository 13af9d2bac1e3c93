import { StrataError } from '../errors/index.js'
import { ASSET_KEY_PATTERN } from '../definitions/define-asset.js'
import { printable } from '../errors/printable.js'
import { unknownAssetError } from './unknown-asset-error.js'
import type { AssetGraph } from '../graph/index.js'

/** How far a term reaches from its asset: a number of levels, or every level. */
export type SelectionDepth = number | 'all'

/**
 * One comma-separated term of a selection, parsed.
 * `2+features+` is `{ kind: 'asset', key: 'features', upstream: 2, downstream: 'all' }`.
 */
export type SelectionTerm =
  | { readonly kind: 'all'; readonly text: string }
  | {
      readonly kind: 'asset'
      readonly text: string
      readonly key: string
      /** Upstream levels to add; absent when the term has no leading `+`. */
      readonly upstream?: SelectionDepth
      /** Downstream levels to add; absent when the term has no trailing `+`. */
      readonly downstream?: SelectionDepth
    }

/** Shown with every syntax error, so the fix is on screen. */
export const SELECTION_SYNTAX_HINT =
  'A selection is asset keys joined by commas: segments, +segments (and all upstream), segments+ (and all downstream), 2+segments (2 levels up), segments+1 (1 level down), +segments+, or * for everything.'

// Depths are small positive integers: no asset graph is 1000 levels deep, and rejecting 0 and
// leading zeros keeps one spelling per meaning.
const DEPTH = '[1-9][0-9]{0,2}'
const KEY = ASSET_KEY_PATTERN.source.replace(/^\^/, '').replace(/\$$/, '')
const TERM_PATTERN = new RegExp(`^(?:(${DEPTH})?(\\+))?(${KEY})(?:(\\+)(${DEPTH})?)?$`)

/** Longest selection text we look at; far above any real one, it bounds the work on hostile input. */
const MAX_SELECTION_LENGTH = 10_000

/**
 * Parse a selection, dbt/Dagster style, without looking at the graph. Throws
 * StrataError('selection') naming the offending term for anything that is not the syntax.
 *
 * @example
 * parseSelection('+features, segments+1')
 * // [{ kind: 'asset', key: 'features', upstream: 'all', … }, { kind: 'asset', key: 'segments', downstream: 1, … }]
 */
export function parseSelection(text: string): SelectionTerm[] {
  if (text.length > MAX_SELECTION_LENGTH) {
    throw new StrataError('selection', `the selection is ${text.length} characters long, more than the ${MAX_SELECTION_LENGTH} allowed`, SELECTION_SYNTAX_HINT)
  }
  if (trimSpaces(text) === '') throw new StrataError('selection', 'the selection is empty', SELECTION_SYNTAX_HINT)
  return text.split(',').map((raw, index, all) => parseTerm(trimSpaces(raw), index, all.length))
}

// Only ASCII spaces and tabs: String.trim() would also drop no-break and other Unicode spaces,
// silently accepting a term the user may have pasted with invisible characters in it.
function trimSpaces(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '')
}

function parseTerm(term: string, index: number, count: number): SelectionTerm {
  if (term === '') {
    throw new StrataError('selection', `term ${index + 1} of ${count} in the selection is empty`, SELECTION_SYNTAX_HINT)
  }
  if (term === '*') return { kind: 'all', text: term }
  const match = TERM_PATTERN.exec(term)
  if (!match) {
    throw new StrataError('selection', `selection term "${printable(term)}" is not valid: ${whyInvalid(term)}`, SELECTION_SYNTAX_HINT)
  }
  const [, upDepth, upPlus, key, downPlus, downDepth] = match
  return {
    kind: 'asset',
    text: term,
    key: key as string,
    ...(upPlus ? { upstream: depthOf(upDepth) } : {}),
    ...(downPlus ? { downstream: depthOf(downDepth) } : {}),
  }
}

function depthOf(digits: string | undefined): SelectionDepth {
  return digits === undefined ? 'all' : Number(digits)
}

/** A short reason for the most common mistakes; the hint carries the full syntax. */
function whyInvalid(term: string): string {
  if (/[ \t\r\n\v\f]/.test(term)) return 'it contains a space'
  if (/[^\x20-\x7e]/.test(term)) return 'it contains a character that is not plain ASCII'
  if (/[A-Z]/.test(term)) return 'asset keys are lowercase'
  // `*segments` / `segments*`: a glob where dbt and Dagster users write + for "and upstream / downstream".
  const glob = /^\*([a-z0-9_]+)$|^([a-z0-9_]+)\*$/.exec(term)
  if (glob) return glob[1] ? `"*" is not a wildcard here; for ${glob[1]} and everything upstream write +${glob[1]}` : `"*" is not a wildcard here; for ${glob[2] ?? ''} and everything downstream write ${glob[2] ?? ''}+`
  const stray = /[^a-z0-9_+]/.exec(term)
  if (stray) return `${JSON.stringify(stray[0])} has no meaning in a selection`
  return 'it does not follow the selection syntax'
}

/**
 * Resolve a selection against the graph: the selected asset keys, without duplicates, in
 * topological order. Throws StrataError('selection') for bad syntax or an unknown asset.
 *
 * @example
 * resolveSelection('2+cdi_scores', graph) // ['curated', 'features', 'cdi_scores']
 */
export function resolveSelection(text: string, graph: AssetGraph): string[] {
  const selected = new Set<string>()
  let everything = false
  for (const term of parseSelection(text)) {
    if (term.kind === 'all') {
      everything = true
      continue
    }
    if (!graph.has(term.key)) throw unknownAssetError(term.key, graph.keys)
    selected.add(term.key)
    if (term.upstream !== undefined) {
      for (const key of graph.ancestors(term.key, levels(term.upstream))) selected.add(key)
    }
    if (term.downstream !== undefined) {
      for (const key of graph.descendants(term.key, levels(term.downstream))) selected.add(key)
    }
  }
  return graph.keys.filter((key) => everything || selected.has(key))
}

function levels(depth: SelectionDepth): number | undefined {
  return depth === 'all' ? undefined : depth
}
