import { StrataError } from '../errors/index.js'
import { blocks } from '../checks/check.js'
import type { AssetGraph } from '../graph/index.js'
import { resolveSelection } from '../selection/index.js'
import { parseDateKey } from '../partitions/index.js'
import type { Manifest } from '../storage/manifest.js'
import { describeSourceChange } from '../sources/index.js'
import type { PartitionState } from './stored-state.js'
import { stepId, type PlannedStep, type RunPlan, type StepInput, type StepReason } from './run-plan.js'
import type { StoredState } from './stored-state.js'

/** What to plan: a selection and either one partition key or a date range. */
export interface PlanRequest {
  readonly selection: string
  readonly partition?: string
  readonly from?: string
  readonly to?: string
  readonly force?: boolean
}

interface Node {
  readonly asset: string
  readonly partition: string
  readonly requested: boolean
}

/**
 * Plan a materialization. Pure: from the definitions' graph, a request and the stored state it
 * returns every step considered, in dependency order, with why it runs, is skipped or blocked.
 *
 * Targets are the selected assets' partitions in the range (a single key outside a selected
 * asset's partitions is a usage error; a range is clipped). Upstream partitions that a target
 * needs are pulled in, transitively, when their asset is selected; an upstream outside the
 * selection must already exist and pass its blocking checks, else the step is blocked.
 */
export function plan(graph: AssetGraph, request: PlanRequest, state: StoredState): RunPlan {
  const selected = resolveSelection(request.selection, graph)
  const selectedSet = new Set(selected)
  const range = requestedRange(request)
  const nodes = new Map<string, Node>()
  const queue: Node[] = []
  const add = (node: Node) => {
    const id = stepId(node.asset, node.partition)
    if (nodes.has(id)) return
    nodes.set(id, node)
    queue.push(node)
  }

  for (const asset of selected) {
    for (const partition of targetKeys(graph, asset, request, range)) add({ asset, partition, requested: true })
  }
  // Pull in what the targets need, breadth first; a node is expanded once.
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i] as Node
    const definition = graph.asset(node.asset)
    for (const dep of graph.dependenciesOf(node.asset)) {
      if (!selectedSet.has(dep.asset)) continue
      const upstream = graph.asset(dep.asset)
      for (const key of dep.mapping.upstreamFor(node.partition, definition.partitions, upstream.partitions).keys) {
        add({ asset: dep.asset, partition: key, requested: false })
      }
    }
  }

  // Topological by asset, then by key: a valid order, and "previous" self-dependencies run day by day.
  const ordered = [...nodes.values()].sort((a, b) => graph.topoIndex(a.asset) - graph.topoIndex(b.asset) || (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0))
  const decided = new Map<string, PlannedStep>()
  for (const node of ordered) {
    const step = decide(graph, node, state, decided, request.force === true)
    decided.set(step.id, step)
  }
  return { selection: request.selection, assets: selected, range, force: request.force === true, steps: [...decided.values()] }
}

function requestedRange(request: PlanRequest): { from: string; to: string } {
  if (request.partition !== undefined) {
    if (request.from !== undefined || request.to !== undefined) {
      throw new StrataError('usage', '--partition cannot be combined with --from/--to', 'Give either one --partition D, or a range --from D1 --to D2.')
    }
    const key = parseDateKey(request.partition, '--partition')
    return { from: key, to: key }
  }
  if (request.from === undefined || request.to === undefined) {
    throw new StrataError('usage', 'no partitions given', 'Give --partition D, or a range --from D1 --to D2 (dates YYYY-MM-DD).')
  }
  const from = parseDateKey(request.from, '--from')
  const to = parseDateKey(request.to, '--to')
  if (from > to) throw new StrataError('usage', `--from ${from} is after --to ${to}`, 'Swap them: the range runs from the earlier date to the later one.')
  return { from, to }
}

function targetKeys(graph: AssetGraph, asset: string, request: PlanRequest, range: { from: string; to: string }): readonly string[] {
  const partitions = graph.asset(asset).partitions
  if (request.partition === undefined) return partitions.keysInRange(range.from, range.to)
  if (partitions.kind === 'daily') return [partitions.validateKey(range.from, asset)]
  const keys = partitions.keysInRange(range.from, range.to)
  if (keys.length === 0) {
    throw new StrataError('partition', `partition ${range.from} is outside the partitions of asset ${asset} (${partitions.describe()})`, `Pick a date on or after ${partitions.start ?? 'its start'}, or leave ${asset} out of the selection.`)
  }
  return keys
}

function decide(graph: AssetGraph, node: Node, state: StoredState, decided: ReadonlyMap<string, PlannedStep>, force: boolean): PlannedStep {
  const definition = graph.asset(node.asset)
  const id = stepId(node.asset, node.partition)
  const inputs: StepInput[] = []
  const dependsOn: string[] = []
  let blocked: StepReason | undefined
  let rebuilt: StepReason | undefined
  const read: { asset: string; partition: string }[] = []

  for (const dep of graph.dependenciesOf(node.asset)) {
    const upstream = graph.asset(dep.asset)
    const resolved = dep.mapping.upstreamFor(node.partition, definition.partitions, upstream.partitions)
    const missing = resolved.missing[0]
    if (missing !== undefined) blocked ??= { kind: 'blocked', upstream: dep.asset, partition: missing, why: `is not a partition of ${dep.asset} (${upstream.partitions.describe()})` }
    inputs.push({ input: dep.input, asset: dep.asset, partitions: resolved.keys })
    for (const key of resolved.keys) {
      read.push({ asset: dep.asset, partition: key })
      const upstreamId = stepId(dep.asset, key)
      const planned = decided.get(upstreamId)
      if (planned) {
        if (planned.action === 'blocked') blocked ??= { kind: 'blocked', upstream: dep.asset, partition: key, why: 'is blocked' }
        else if (planned.action === 'run') {
          dependsOn.push(upstreamId)
          rebuilt ??= { kind: 'upstream-rebuilt', upstream: dep.asset, partition: key }
        }
        continue
      }
      const upstreamManifest = state.get(dep.asset, key)?.manifest
      if (!upstreamManifest) blocked ??= { kind: 'blocked', upstream: dep.asset, partition: key, why: `is missing and not in the selection (select it too, e.g. +${node.asset})` }
      else {
        const failed = upstreamManifest.checks.find(blocks)
        if (failed) blocked ??= { kind: 'blocked', upstream: dep.asset, partition: key, why: `failed blocking check ${failed.name}; fix its input and rebuild it` }
      }
    }
  }

  const stored = state.get(node.asset, node.partition)
  const reason = blocked ?? (force && node.requested ? { kind: 'forced' } : staleness(stored, definition.codeVersion, definition.source?.name, rebuilt, read, state))
  const action = reason.kind === 'blocked' ? 'blocked' : reason.kind === 'up-to-date' ? 'skip' : 'run'
  return {
    id,
    asset: node.asset,
    partition: node.partition,
    pathSegment: definition.partitions.pathSegment(node.partition),
    action,
    reason,
    requested: node.requested,
    ...(stored?.manifest ? { seenRunId: stored.manifest.runId } : {}),
    dependsOn: action === 'run' ? dependsOn : [],
    inputs,
  }
}

function staleness(
  stored: PartitionState | undefined,
  codeVersion: string,
  sourceName: string | undefined,
  rebuilt: StepReason | undefined,
  read: readonly { asset: string; partition: string }[],
  state: StoredState,
): StepReason {
  const manifest = stored?.manifest
  const failure = stored?.failure
  if (failure && (!manifest || failure.failedAt > manifest.committedAt)) return { kind: 'failed-before', runId: failure.runId, error: failure.error }
  if (!manifest) return { kind: 'missing' }
  const failedCheck = manifest.checks.find(blocks)
  if (failedCheck) return { kind: 'failed-check', check: failedCheck.name }
  if (manifest.codeVersion !== codeVersion) return { kind: 'code-version-changed', from: manifest.codeVersion, to: codeVersion }
  if (sourceName !== undefined) {
    const changed = sourceStaleness(manifest, stored?.source, sourceName)
    if (changed) return changed
  }
  if (rebuilt) return rebuilt
  const recorded = new Map(manifest.upstream.map((entry) => [stepId(entry.asset, entry.partition), entry.dataVersion]))
  for (const { asset, partition } of read) {
    const current = state.get(asset, partition)?.manifest?.dataVersion
    if (current !== recorded.get(stepId(asset, partition))) return { kind: 'upstream-changed', upstream: asset, partition }
  }
  if (recorded.size !== read.length) {
    const reading = new Set(read.map((entry) => stepId(entry.asset, entry.partition)))
    const dropped = manifest.upstream.find((entry) => !reading.has(stepId(entry.asset, entry.partition)))
    if (dropped) return { kind: 'upstream-changed', upstream: dropped.asset, partition: dropped.partition }
  }
  return { kind: 'up-to-date' }
}

/** A partition built from a source is stale when the source's files differ from those it recorded. */
function sourceStaleness(manifest: Manifest, observed: PartitionState['source'], sourceName: string): StepReason | undefined {
  // No observation means the state was loaded without sources (a test's in-memory state): nothing to compare.
  if (observed === undefined) return undefined
  if (manifest.source === undefined) return { kind: 'source-changed', source: sourceName, change: 'the files it read were not recorded when it was built' }
  const change = describeSourceChange(manifest.source, observed)
  return change === undefined ? undefined : { kind: 'source-changed', source: sourceName, change }
}
