// The JSON the server sends, typed from the server's own declarations (erased at build time).
export type { AssetJson, AssetNode, DashboardJson, GraphEdge, GraphJson, LineageLevel, PartitionJson } from '../../framework/ui/ui-api.js'
export type { AssetHealth, HealthRange } from '../../framework/ui/health-ranges.js'
export type { LiveRun, PlanJson } from '../../framework/ui/run-launcher.js'
export type { RunRecord, StepRecord } from '../../framework/runs/index.js'
