import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError } from '../errors/index.js'
import type { AssetGraph } from '../graph/index.js'
import type { Manifest } from '../storage/manifest.js'
import type { Storage } from '../storage/storage.js'
import { lockPartition } from '../storage/partition-lock.js'
import type { SqlEngine } from '../sql/index.js'
import type { CheckResult } from './check.js'
import { runAssetChecks } from './run-checks.js'

/** What rechecking one committed partition found. `missing`: never committed, nothing checked. */
export type RecheckOutcome =
  | { readonly asset: string; readonly partition: string; readonly status: 'checked'; readonly checks: readonly CheckResult[]; readonly manifest: Manifest }
  | { readonly asset: string; readonly partition: string; readonly status: 'missing' }

export interface RecheckEnvironment {
  readonly graph: AssetGraph
  readonly storage: Storage
  readonly duckdb: SqlEngine
  /** Names the staging folder of the re-commit; any run id (see newRunId). */
  readonly runId: string
}

/**
 * Rerun the checks of one committed asset partition, without rebuilding it, and store the new
 * results in its manifest. The data files and data version stay the same, so downstream
 * partitions are not made stale; a blocking check that now passes unblocks them (and one that
 * now fails blocks them) for the next plan.
 */
export async function recheckPartition(env: RecheckEnvironment, asset: string, partition: string): Promise<RecheckOutcome> {
  const definition = env.graph.asset(asset)
  const segment = definition.partitions.pathSegment(partition)
  const manifest = await env.storage.readManifest(asset, segment)
  if (!manifest) return { asset, partition, status: 'missing' }
  const dir = await env.storage.localDir(manifest, segment)
  const parquetFiles = manifest.files.filter((file) => file.name.endsWith('.parquet')).map((file) => join(dir, file.name))
  const checks = await runAssetChecks(definition.checks, { asset, partition, dir, parquetFiles, metadata: manifest.metadata, duckdb: env.duckdb })
  const updated = await replaceManifestChecks(env.storage, manifest, segment, checks, env.runId)
  return { asset, partition, status: 'checked', checks, manifest: updated }
}

/**
 * Store new check results in a committed partition's manifest. Storage has no "rewrite the
 * manifest" operation on purpose (a commit is the only way a partition changes), so this stages
 * a copy of the committed files and commits it again with the new checks: atomic, and the same
 * on a local folder and S3. Everything else in the manifest is kept, `committedAt` included,
 * because the data is still the data built then (freshness reads that time).
 *
 * A commit clears the partition's failure record; a failure newer than the manifest (a rebuild
 * that failed) is written back, so the planner still sees it. Do not run this at the same time as
 * a materialization of the same partition: the re-commit would replace the newer version.
 */
export async function replaceManifestChecks(storage: Storage, manifest: Manifest, pathSegment: string, checks: readonly CheckResult[], runId: string): Promise<Manifest> {
  const { asset, partition } = manifest
  const failure = await storage.readFailure(asset, pathSegment)
  const dir = await storage.localDir(manifest, pathSegment)
  // Held until the re-commit is done, so a materialization of the partition cannot interleave.
  const lock = await lockPartition(storage, asset, pathSegment, runId)
  const staged = await storage.stage(asset, partition, pathSegment, runId).catch(async (error: unknown) => {
    await lock?.release()
    throw error
  })
  try {
    for (const file of manifest.files) await copyFile(join(dir, file.name), join(staged.dir, file.name))
    const current = await storage.readManifest(asset, pathSegment)
    if (current?.dataVersion !== manifest.dataVersion) {
      throw new StrataError('locked', `${asset}(${partition}) was rebuilt while its checks ran`, `Run strata check ${asset} --partition ${partition} again.`)
    }
    await lock?.assertHeld()
    const committed = await storage.commit(staged, { ...manifest, checks: [...checks] })
    if (failure) await storage.writeFailure(asset, pathSegment, failure)
    return committed
  } catch (error) {
    await storage.discard(staged).catch(() => undefined)
    throw error
  } finally {
    await lock?.release()
  }
}
