import type { AssetGraph } from '../graph/index.js'
import type { PartitionState, StoredState } from '../planner/index.js'
import { RunStore, type RunRecord } from '../runs/index.js'
import type { FailureRecord, Manifest } from '../storage/manifest.js'
import type { Storage } from '../storage/storage.js'
import { observeSource, type SourceVersion } from '../sources/index.js'

/**
 * The stored state of every asset, read from the manifests once and then kept current from the
 * run records: every commit and every failure happens in a run, so re-reading the partitions
 * of runs not seen before (and of runs still going) is all a refresh needs for manifests. Observed
 * sources (the landing) change outside runs: each refresh lists them again, as every planning
 * command does, so a re-delivered landing file shows as stale here too.
 */
export class LiveStoredState implements StoredState {
  /** asset → partition → state. */
  private readonly states = new Map<string, Map<string, PartitionState>>()
  private readonly seenRuns = new Set<string>()
  private readonly runningRuns = new Set<string>()
  private readonly runs: RunStore
  /** Bumped whenever a partition's state changes. */
  version = 0
  /** Partition keys whose state changed since {@link takeChanges} last ran. */
  private changed = new Set<string>()

  private constructor(
    private readonly graph: AssetGraph,
    private readonly storage: Storage,
  ) {
    this.runs = new RunStore(storage)
  }

  /** Read every manifest, failure record and run id. */
  static async load(graph: AssetGraph, storage: Storage): Promise<LiveStoredState> {
    const live = new LiveStoredState(graph, storage)
    // Run ids first: a run that commits while the manifests are read is then re-read on the first refresh.
    const ids = await live.runs.ids()
    const perAsset = await Promise.all(graph.keys.map(async (asset) => [await storage.listManifests(asset), await storage.listFailures(asset)] as const))
    for (const [manifests, failures] of perAsset) {
      for (const manifest of manifests) live.slot(manifest.asset, manifest.partition).manifest = manifest
      for (const failure of failures) live.slot(failure.asset, failure.partition).failure = failure
    }
    // Only recent runs can still be going; older ones are finished (or crashed, and re-reading them would not help).
    const records = await Promise.all(ids.slice(0, 50).map((id) => live.readRun(id)))
    for (const id of ids) live.seenRuns.add(id)
    for (const record of records) if (record?.status === 'running') live.runningRuns.add(record.runId)
    await live.observeSources()
    return live
  }

  /** List every observed source for the partitions built from it; a partition whose files changed counts as changed. */
  private async observeSources(): Promise<void> {
    for (const asset of this.graph.keys) {
      const source = this.graph.asset(asset).source
      const partitions = this.states.get(asset)
      if (!source || !partitions) continue
      const built = [...partitions].filter(([, state]) => state.manifest !== undefined)
      const observed = await observeSource(source, built.map(([partition]) => partition), (partition) => partitions.get(partition)?.manifest?.source)
      for (const [partition, state] of built) {
        const now = observed.get(partition) as SourceVersion
        if (state.source !== undefined && JSON.stringify(state.source) === JSON.stringify(now)) continue
        partitions.set(partition, { ...state, source: now })
        this.changed.add(partition)
        this.version++
      }
    }
  }

  get(asset: string, partition: string): PartitionState | undefined {
    return this.states.get(asset)?.get(partition)
  }

  /** Every committed manifest of an asset, in no particular order. */
  manifestsOf(asset: string): Manifest[] {
    const out: Manifest[] = []
    for (const state of this.states.get(asset)?.values() ?? []) if (state.manifest) out.push(state.manifest)
    return out
  }

  /** The newest dated partition committed by any asset. */
  newestPartition(): string | undefined {
    let newest: string | undefined
    for (const perAsset of this.states.values()) {
      for (const [partition, state] of perAsset) if (state.manifest && /^\d{4}-/.test(partition) && (newest === undefined || partition > newest)) newest = partition
    }
    return newest
  }

  /** Re-read the partitions of new and running runs; true when anything changed. */
  async refresh(): Promise<boolean> {
    const ids = await this.runs.ids()
    const toRead = [...new Set([...ids.filter((id) => !this.seenRuns.has(id)), ...this.runningRuns])]
    const before = this.version
    for (const id of toRead) {
      const record = await this.readRun(id)
      this.seenRuns.add(id)
      if (!record) continue
      if (record.status === 'running') this.runningRuns.add(id)
      else this.runningRuns.delete(id)
      const touched = record.steps.filter((step) => step.status === 'success' || step.status === 'failed')
      await Promise.all(touched.map((step) => this.reread(step.asset, step.partition)))
    }
    await this.observeSources()
    return this.version !== before
  }

  /** Re-read one partition's manifest and failure record. */
  async reread(asset: string, partition: string): Promise<void> {
    if (!this.graph.has(asset)) return
    const segment = this.graph.asset(asset).partitions.pathSegment(partition)
    const [manifest, failure] = await Promise.all([this.storage.readManifest(asset, segment), this.storage.readFailure(asset, segment)])
    const old = this.get(asset, partition)
    if (old?.manifest?.dataVersion === manifest?.dataVersion && old?.manifest?.runId === manifest?.runId && old?.failure?.runId === failure?.runId && old?.failure?.failedAt === failure?.failedAt) return
    const next: { manifest?: Manifest; failure?: FailureRecord; source?: SourceVersion } = {}
    if (manifest) next.manifest = manifest
    if (failure) next.failure = failure
    // Kept until the next observation: a rebuilt partition read the files listed then.
    if (old?.source) next.source = old.source
    this.partitionsOf(asset).set(partition, next)
    this.changed.add(partition)
    this.version++
  }

  /** The partition keys that changed since the last call (any asset). */
  takeChanges(): string[] {
    const keys = [...this.changed]
    this.changed = new Set()
    return keys
  }

  private readRun(id: string): Promise<RunRecord | undefined> {
    return this.runs.read(id).catch(() => undefined)
  }

  private slot(asset: string, partition: string): { manifest?: Manifest; failure?: FailureRecord } {
    const perAsset = this.partitionsOf(asset)
    let state = perAsset.get(partition) as { manifest?: Manifest; failure?: FailureRecord } | undefined
    if (!state) perAsset.set(partition, (state = {}))
    return state
  }

  private partitionsOf(asset: string): Map<string, PartitionState> {
    let perAsset = this.states.get(asset)
    if (!perAsset) this.states.set(asset, (perAsset = new Map()))
    return perAsset
  }
}
