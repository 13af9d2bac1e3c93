export {
  assetLineage,
  formatAssetLineage,
  type AssetLineage,
  type LineageDirection,
  type LineageEdge,
  type LineageFormat,
  type LineageFormatOptions,
  type LineageNode,
} from './asset-lineage.js'
