export {
  parseSelection,
  resolveSelection,
  SELECTION_SYNTAX_HINT,
  type SelectionTerm,
  type SelectionDepth,
} from './selection.js'
export { unknownAssetError } from './unknown-asset-error.js'
export { printable } from '../errors/printable.js'
export { didYouMean, editDistance, formatSuggestions } from './did-you-mean.js'
