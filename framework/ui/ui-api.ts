import type { DashboardChart, DashboardDefinition } from '../definitions/dashboard-definition.js'
import { isJsonObject, type JsonValue } from '../definitions/json.js'
import type { AssetFreshness } from '../freshness/index.js'
import type { AssetGraph } from '../graph/index.js'
import { formatAssetLineage } from '../lineage/index.js'
import type { PartitionMapping } from '../partitions/index.js'
import type { CheckResult } from '../checks/check.js'
import type { FailureRecord, Manifest } from '../storage/manifest.js'
import type { StatusCell } from '../cli/commands/status-command.js'
import type { AssetHealth } from './health-ranges.js'
import type { UiModel } from './ui-model.js'

/** One asset as the graph page draws it. */
export interface AssetNode {
  readonly key: string
  readonly description: string
  readonly partitions: string
  readonly partitionKind: string
  readonly codeVersion: string
  readonly checks: readonly string[]
  readonly freshness?: string
  readonly health: AssetHealth
}

export interface GraphEdge {
  readonly from: string
  readonly to: string
  readonly input: string
  /** Short, for the edge: "same day", "lookback 90", "previous", "week of". */
  readonly label: string
  /** The mapping in words, as `lineage` prints it. */
  readonly mapping: string
}

export interface GraphJson {
  readonly storage: string
  readonly range: { readonly from: string; readonly to: string }
  readonly computedAt: string
  readonly assets: readonly AssetNode[]
  readonly edges: readonly GraphEdge[]
  readonly dashboards: readonly { readonly name: string; readonly title: string }[]
}

/** `/api/graph`: every asset with its partition health, every edge with its mapping. */
export async function graphJson(model: UiModel): Promise<GraphJson> {
  const status = await model.status()
  const graph = model.graph
  return {
    storage: model.storage.location,
    range: { from: status.from, to: status.to },
    computedAt: status.computedAt,
    assets: graph.keys.map((key) => assetNode(graph, key, status.health.get(key) as AssetHealth)),
    edges: graphEdges(graph),
    dashboards: (model.definitions.dashboards ?? []).map((d) => ({ name: d.name, title: d.title })),
  }
}

export interface AssetJson {
  readonly asset: AssetNode
  readonly range: { readonly from: string; readonly to: string }
  readonly upstream: readonly GraphEdge[]
  readonly downstream: readonly GraphEdge[]
  /** The newest committed partition's manifest. */
  readonly latest: Manifest | null
  /** This asset's entry of `freshness --json`, when it has a policy. */
  readonly freshness: AssetFreshness | null
  readonly checks: readonly { readonly name: string; readonly severity: string; readonly blocking: boolean; readonly description: string; readonly latest: (CheckResult & { readonly partition: string }) | null }[]
  /** What `lineage <asset> --json` prints. */
  readonly lineage: unknown
}

/** `/api/assets/:key`: health as ranges, freshness, checks with their latest results, the latest manifest, neighbours. */
export async function assetJson(model: UiModel, key: string, freshness: () => Promise<readonly AssetFreshness[]>): Promise<AssetJson> {
  const graph = model.graph
  const definition = graph.asset(key)
  const status = await model.status()
  const manifests = model.state.manifestsOf(key).sort((a, b) => (a.partition < b.partition ? 1 : -1))
  const latest = manifests[0] ?? null
  const edges = graphEdges(graph)
  return {
    asset: assetNode(graph, key, status.health.get(key) as AssetHealth),
    range: { from: status.from, to: status.to },
    upstream: edges.filter((edge) => edge.to === key),
    downstream: edges.filter((edge) => edge.from === key),
    latest,
    freshness: (await freshness()).find((entry) => entry.asset === key && entry.kind === 'asset') ?? null,
    checks: definition.checks.map((check) => {
      const withResult = manifests.find((manifest) => manifest.checks.some((result) => result.name === check.name))
      const result = withResult?.checks.find((r) => r.name === check.name)
      return { name: check.name, severity: check.severity, blocking: check.blocking, description: check.description, latest: result && withResult ? { ...result, partition: withResult.partition } : null }
    }),
    lineage: JSON.parse(formatAssetLineage(graph, key, { direction: 'both', format: 'json' })) as unknown,
  }
}

export interface PartitionJson {
  readonly asset: string
  readonly partition: string
  readonly status: StatusCell | null
  readonly manifest: Manifest | null
  readonly failure: FailureRecord | null
  /** The partition and the upstream partitions it was built from: one level of what `lineage --partition --json` prints. */
  readonly lineage: LineageLevel
  /** Parquet tables of the partition, for `show --table`. */
  readonly tables: readonly string[]
}

/** `/api/assets/:key/partitions/:partition`: status, manifest, failure, lineage. The key is validated by the caller. */
export async function partitionJson(model: UiModel, asset: string, partition: string): Promise<PartitionJson> {
  const status = await model.status()
  const state = model.state.get(asset, partition)
  const manifest = state?.manifest ?? null
  return {
    asset,
    partition,
    status: status.cells.find((cell) => cell.asset === asset && cell.partition === partition) ?? null,
    manifest,
    failure: state?.failure ?? null,
    lineage: lineageLevel(model, asset, partition),
    tables: (manifest?.files ?? []).filter((file) => file.name.endsWith('.parquet')).map((file) => file.name.replace(/\.parquet$/, '')),
  }
}

/**
 * A node of `lineage --partition --json` (same fields) with its children one level deep, and how
 * many upstream partitions each child has: a 90-day window chain is opened a level at a time
 * instead of sent whole.
 */
/** One partition in a level of lineage, with the fields `lineage --partition --json` gives a partition. */
export interface LineageLevel {
  readonly asset: string
  readonly partition: string
  /** The committed data version (undefined when the partition is not materialized). */
  readonly dataVersion?: string
  /** The data version the child was built from, when it differs from what is committed now. */
  readonly readVersion?: string
  readonly runId?: string
  readonly committedAt?: string
  /** How many upstream partitions this one was built from. */
  readonly upstream: number
  readonly children: readonly LineageLevel[]
}

/** One level of upstream lineage of a partition, from the manifests in memory. */
export function lineageLevel(model: UiModel, asset: string, partition: string): LineageLevel {
  const node = (a: string, p: string, readVersion?: string): LineageLevel => {
    const manifest = model.state.get(a, p)?.manifest
    return {
      asset: a,
      partition: p,
      ...(manifest ? { dataVersion: manifest.dataVersion, runId: manifest.runId, committedAt: manifest.committedAt } : {}),
      ...(readVersion && readVersion !== manifest?.dataVersion ? { readVersion } : {}),
      upstream: manifest?.upstream.length ?? 0,
      children: [],
    }
  }
  const manifest = model.state.get(asset, partition)?.manifest
  return { ...node(asset, partition), children: (manifest?.upstream ?? []).map((entry) => node(entry.asset, entry.partition, entry.dataVersion)) }
}

export interface DashboardJson {
  readonly name: string
  readonly title: string
  readonly asset: string
  readonly markerLabel: string | null
  /** One entry per partition of the asset, oldest first. */
  readonly days: readonly { readonly day: string; readonly status: string | null; readonly marked: boolean }[]
  readonly charts: readonly (Omit<DashboardChart, 'series'> & { readonly points: readonly { readonly day: string; readonly series: string; readonly value: number }[] })[]
}

/** `/api/dashboards/:name`: the charted figures of every committed partition of the dashboard's asset. */
export function dashboardJson(model: UiModel, dashboard: DashboardDefinition): DashboardJson {
  const manifests = model.state.manifestsOf(dashboard.asset).sort((a, b) => (a.partition < b.partition ? -1 : 1))
  return {
    name: dashboard.name,
    title: dashboard.title,
    asset: dashboard.asset,
    markerLabel: dashboard.marker?.label ?? null,
    days: manifests.map((m) => {
      const status = dashboard.statusField === undefined ? undefined : m.metadata[dashboard.statusField]
      return { day: m.partition, status: typeof status === 'string' ? status : null, marked: dashboard.marker !== undefined && m.metadata[dashboard.marker.field] === true }
    }),
    charts: dashboard.charts.map(({ series, ...chart }) => ({
      ...chart,
      points: manifests.flatMap((m) =>
        series.flatMap((path) => {
          if (chart.kind === 'stacked-area') {
            const layers = pick(m.metadata, path.split('.'))
            return layers.flatMap(([, value]) => (isJsonObject(value) ? Object.entries(value).flatMap(([name, v]) => (typeof v === 'number' ? [{ day: m.partition, series: name, value: v }] : [])) : []))
          }
          return pick(m.metadata, path.split('.')).flatMap(([name, value]) => (typeof value === 'number' ? [{ day: m.partition, series: name ?? path, value }] : []))
        }),
      ),
    })),
  }
}

/** The values at a dot path; a `*` segment fans out over an object's keys, and the key names the value. */
function pick(value: JsonValue | undefined, path: readonly string[], name?: string): [string | undefined, JsonValue | undefined][] {
  if (path.length === 0) return [[name, value]]
  if (!isJsonObject(value)) return []
  const [head, ...rest] = path as [string, ...string[]]
  if (head === '*') return Object.entries(value).flatMap(([key, child]) => pick(child, rest, key))
  return pick(value[head], rest, name)
}


/** Every dependency edge, in the graph's order, with its mapping short and in words. */
function graphEdges(graph: AssetGraph): GraphEdge[] {
  return graph.keys.flatMap((key) => graph.dependenciesOf(key).map((dep) => ({ from: dep.asset, to: key, input: dep.input, label: mappingLabel(dep.mapping), mapping: dep.mapping.describe() })))
}

function assetNode(graph: AssetGraph, key: string, health: AssetHealth): AssetNode {
  const definition = graph.asset(key)
  return {
    key,
    description: definition.description,
    partitions: definition.partitions.describe(),
    partitionKind: definition.partitions.kind,
    codeVersion: definition.codeVersion,
    checks: definition.checks.map((check) => check.name),
    ...(definition.freshness ? { freshness: `due by ${definition.freshness.dueBy}${definition.freshness.lagDays ? ` +${definition.freshness.lagDays}d` : ''}` } : {}),
    health,
  }
}

/** A mapping in a few words, for an edge label; the full sentence is `describe()`. */
export function mappingLabel(mapping: PartitionMapping): string {
  const count = /\b(\d+) days?\b/.exec(mapping.describe())?.[1]
  switch (mapping.kind) {
    case 'same-day':
      return 'same day'
    case 'lookback':
      return `lookback ${count ?? ''}`.trim()
    case 'previous':
      return 'previous'
    case 'week-of':
      return 'week of'
    case 'days-before-week':
      return `${count ?? ''} days before week`.trim()
    case 'weeks-ending-on':
      return /\b(\d+) weeks\b/.exec(mapping.describe())?.[0] ?? 'same week'
    case 'all-partitions':
      return 'all'
    default:
      return String(mapping.kind)
  }
}
