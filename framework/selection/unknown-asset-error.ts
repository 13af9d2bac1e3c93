import { StrataError } from '../errors/index.js'
import { printable } from '../errors/printable.js'
import { didYouMean, formatSuggestions } from './did-you-mean.js'

/**
 * The error for a key that names no asset: StrataError('selection') with the closest keys as a
 * suggestion.
 */
export function unknownAssetError(key: string, keys: Iterable<string>): StrataError {
  const suggestion = formatSuggestions(didYouMean(key, keys))
  const hint = suggestion ? `${suggestion} \`strata assets\` lists them` : '`strata assets` lists the defined assets.'
  return new StrataError('selection', `unknown asset "${printable(key)}"`, hint)
}
