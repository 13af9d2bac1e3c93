export { AssetGraph, type GraphDependency, type GraphDependent } from './asset-graph.js'
