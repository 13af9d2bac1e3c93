export {
  parseSelection,
  resolveSelection,
  unknownAssetError,
  printable,
  SELECTION_SYNTAX_HINT,
  type SelectionTerm,
  type SelectionDepth,
} from './selection.js'
export { didYouMean, editDistance, formatSuggestions } from './did-you-mean.js'
