import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError, asStrataError } from '../errors/index.js'
import { blocks, type CheckResult } from '../checks/check.js'
import type { AssetGraph } from '../graph/index.js'
import type { InputPartition } from '../definitions/asset-definition.js'
import type { JsonObject } from '../definitions/json.js'
import type { Logger } from '../definitions/logger.js'
import type { PlannedStep } from '../planner/index.js'
import type { ColumnSchema, LineageEntry, Manifest } from '../storage/manifest.js'
import type { Storage } from '../storage/storage.js'
import { lockPartition, type PartitionLock } from '../storage/partition-lock.js'
import { redactSecrets } from '../cli/redact.js'
import { describeSourceChange, fingerprintSource, type SourceVersion } from '../sources/index.js'
import type { StepRecord } from '../runs/index.js'
import { lazySqlEngine, readParquet, sqlStringList, type SqlEngine } from '../sql/index.js'

/** What running one step needs; the same for the local executor and a step inside a Fargate task. */
export interface StepEnvironment {
  readonly graph: AssetGraph
  readonly storage: Storage
  readonly resources: unknown
  readonly runId: string
  readonly log: Logger
  readonly signal: AbortSignal
  /** Opened lazily: only steps with Parquet output or checks need it. */
  duckdb(): Promise<SqlEngine>
  readonly now?: () => Date
  /**
   * Called after each commit, e.g. to register the partition in the Glue catalog. A failure here
   * does not undo the commit: it is logged and kept as a warning on the step record.
   */
  readonly afterCommit?: (manifest: Manifest, step: PlannedStep) => Promise<void>
}

/**
 * Materialize one asset partition: read its committed inputs, run the compute into a private
 * staging folder, measure it, run its checks, commit it with its manifest. Never throws: the
 * outcome is a step record. A blocking check that fails still commits (nothing is lost) and
 * marks the step failed, so downstream steps stop.
 */
export async function runStep(step: PlannedStep, env: StepEnvironment): Promise<StepRecord> {
  const now = env.now ?? (() => new Date())
  const startedAt = now()
  const definition = env.graph.asset(step.asset)
  const base: StepRecord = { asset: step.asset, partition: step.partition, status: 'running', reason: step.reason.kind, startedAt: startedAt.toISOString() }
  let staged: Awaited<ReturnType<Storage['stage']>> | undefined
  // One process at a time stages and commits a partition (see storage/partition-lock.ts).
  let lock: PartitionLock | undefined
  const warnings: string[] = []
  try {
    lock = await lockPartition(env.storage, step.asset, step.pathSegment, env.runId)
    const holder = lock?.tookOverFrom
    if (holder) {
      const warning = `${step.id}: took over the lock of run ${holder.runId} (pid ${holder.pid} on this host, no longer running)`
      env.log.warn(warning)
      warnings.push(warning)
    }
    const { inputs, lineage } = await resolveInputs(step, env)
    // Fingerprinted before the read: a file replaced while it is read shows as changed next time.
    const source = definition.source ? await fingerprintSource(definition.source, step.partition) : undefined
    const builtBy = await builtMeanwhile(step, env, lineage, source)
    if (builtBy !== undefined) {
      const endedAt = now()
      return { ...base, status: 'up-to-date', reason: `built by run ${builtBy}`, builtBy, endedAt: endedAt.toISOString(), durationMs: endedAt.getTime() - startedAt.getTime(), ...(warnings.length > 0 ? { warnings } : {}) }
    }
    staged = await env.storage.stage(step.asset, step.partition, step.pathSegment, env.runId)
    let result
    try {
      result = await definition.materialize({
        asset: step.asset,
        partition: step.partition,
        runId: env.runId,
        inputs,
        outputDir: staged.dir,
        resources: env.resources,
        log: env.log,
        signal: env.signal,
      })
    } catch (error) {
      throw withStepContext(error, step)
    }
    const files = (await readdir(staged.dir)).filter((name) => !name.startsWith('_')).sort()
    const parquetFiles = files.filter((name) => name.endsWith('.parquet')).map((name) => join(staged!.dir, name))
    const measured = parquetFiles.length > 0 ? await measure(await env.duckdb(), parquetFiles) : { rowCount: null, schema: [] }
    const metadata: JsonObject = result.metadata ?? {}
    const checks = await runChecks(step, env, staged.dir, parquetFiles, metadata)
    const manifest: Manifest = {
      formatVersion: 1,
      asset: step.asset,
      partition: step.partition,
      runId: env.runId,
      startedAt: startedAt.toISOString(),
      committedAt: now().toISOString(),
      codeVersion: definition.codeVersion,
      dataVersion: '',
      upstream: lineage,
      ...(source ? { source } : {}),
      rowCount: result.rowCount ?? measured.rowCount,
      schema: measured.schema,
      files: [],
      checks,
      metadata,
    }
    await lock?.assertHeld()
    const committed = await env.storage.commit(staged, manifest)
    staged = undefined
    if (env.afterCommit) {
      try {
        await env.afterCommit(committed, step)
      } catch (error) {
        const failure = asStrataError(error)
        const warning = `${step.id} committed, but the after-commit hook failed: ${failure.message}${failure.hint ? ` (${failure.hint})` : ''}`
        env.log.warn(warning)
        warnings.push(warning)
      }
    }
    const endedAt = now()
    const failedCheck = checks.find(blocks)
    const record: StepRecord = {
      ...base,
      status: failedCheck ? 'failed' : 'success',
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - startedAt.getTime(),
      rowCount: committed.rowCount,
      checks,
      ...(warnings.length > 0 ? { warnings } : {}),
    }
    if (failedCheck) record.error = { code: 'check', message: `blocking check ${failedCheck.name} failed: ${failedCheck.message}`, hint: 'The partition was committed so nothing is lost; downstream partitions stay blocked until it is rebuilt and passes.' }
    return record
  } catch (error) {
    if (staged) await env.storage.discard(staged).catch(() => undefined)
    const failure = asStrataError(error)
    const endedAt = now()
    const canceled = failure.code === 'canceled' || env.signal.aborted
    // A step that did not get the lock must not mark the partition another run is building as failed.
    if (!canceled && failure.code !== 'locked') {
      await env.storage
        .writeFailure(step.asset, step.pathSegment, { asset: step.asset, partition: step.partition, runId: env.runId, failedAt: endedAt.toISOString(), error: redactSecrets(failure.message) })
        .catch((writeError: unknown) => env.log.warn(`could not record the failure of ${step.id}: ${asStrataError(writeError).message}`))
    }
    return {
      ...base,
      status: canceled ? 'canceled' : 'failed',
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - startedAt.getTime(),
      error: { code: failure.code, message: redactSecrets(failure.message), ...(failure.hint ? { hint: failure.hint } : {}), ...(failure.stack ? { stack: redactSecrets(failure.stack) } : {}) },
    }
  } finally {
    await lock?.release()
  }
}

/**
 * The run that committed the partition since it was planned, when what it committed is what this
 * step would build: the same code version, no failed blocking check, built from the same upstream
 * versions and source files. Overlapping runs so build each partition once: the one that waited
 * for the lock finds the other's commit here and skips the step.
 */
async function builtMeanwhile(step: PlannedStep, env: StepEnvironment, lineage: readonly LineageEntry[], source: SourceVersion | undefined): Promise<string | undefined> {
  const current = await env.storage.readManifest(step.asset, step.pathSegment)
  if (!current || current.runId === env.runId || current.runId === step.seenRunId) return undefined
  if (current.codeVersion !== env.graph.asset(step.asset).codeVersion || current.checks.some(blocks)) return undefined
  const key = (entry: LineageEntry) => `${entry.asset}@${entry.partition}=${entry.dataVersion}`
  const built = new Set(current.upstream.map(key))
  if (built.size !== lineage.length || !lineage.every((entry) => built.has(key(entry)))) return undefined
  if (source && (!current.source || describeSourceChange(current.source, source) !== undefined)) return undefined
  return current.runId
}

async function resolveInputs(step: PlannedStep, env: StepEnvironment): Promise<{ inputs: Record<string, InputPartition[]>; lineage: LineageEntry[] }> {
  const inputs: Record<string, InputPartition[]> = {}
  const lineage: LineageEntry[] = []
  for (const input of step.inputs) {
    const partitions = env.graph.asset(input.asset).partitions
    inputs[input.input] = await Promise.all(
      input.partitions.map(async (partition) => {
        const segment = partitions.pathSegment(partition)
        const manifest = await env.storage.readManifest(input.asset, segment)
        if (!manifest) {
          throw new StrataError('storage', `${step.id}: input ${input.asset}(${partition}) is not materialized`, `Materialize it first, e.g. strata materialize +${step.asset} --partition ${step.partition}.`)
        }
        const failed = manifest.checks.find(blocks)
        if (failed) {
          throw new StrataError('check', `${step.id}: input ${input.asset}(${partition}) failed blocking check ${failed.name}`, `Fix its input and rebuild it: strata materialize ${input.asset} --partition ${partition} --force.`)
        }
        const dir = await env.storage.localDir(manifest, segment)
        return { asset: input.asset, partition, dir, manifest, parquetFiles: manifest.files.filter((file) => file.name.endsWith('.parquet')).map((file) => join(dir, file.name)) }
      }),
    )
    for (const partition of inputs[input.input] ?? []) lineage.push({ asset: input.asset, partition: partition.partition, dataVersion: partition.manifest.dataVersion })
  }
  return { inputs, lineage }
}

async function measure(duckdb: SqlEngine, parquetFiles: readonly string[]): Promise<{ rowCount: number; schema: ColumnSchema[] }> {
  // Row counts come from the footers, one statement for all files: a multi-table partition (e.g.
  // curated) has files with different schemas, which parquet_file_metadata does not mind.
  const [row] = await duckdb.all<{ n: bigint | null }>(`SELECT sum(num_rows)::BIGINT AS n FROM parquet_file_metadata(${sqlStringList(parquetFiles)})`)
  // The staging folder is named dt=…: without hive_partitioning = false DuckDB would add a `dt` column.
  const schema = parquetFiles.length === 1 ? await duckdb.describe(`SELECT * FROM ${readParquet(parquetFiles)}`) : []
  return { rowCount: Number(row?.n ?? 0), schema }
}

async function runChecks(step: PlannedStep, env: StepEnvironment, dir: string, parquetFiles: readonly string[], metadata: JsonObject): Promise<CheckResult[]> {
  const checks = env.graph.asset(step.asset).checks
  if (checks.length === 0) return []
  const duckdb = lazySqlEngine(() => env.duckdb())
  const results: CheckResult[] = []
  for (const check of checks) {
    const base = { name: check.name, severity: check.severity, blocking: check.blocking }
    try {
      results.push({ ...base, ...(await check.run({ asset: step.asset, partition: step.partition, dir, parquetFiles, metadata, duckdb })) })
    } catch (error) {
      results.push({ ...base, passed: false, message: `the check itself failed: ${asStrataError(error).message}` })
    }
  }
  return results
}

function withStepContext(error: unknown, step: PlannedStep): StrataError {
  const wrapped = asStrataError(error)
  if (wrapped.message.includes(step.asset)) return wrapped
  return new StrataError(wrapped.code, `${step.asset}(${step.partition}): ${wrapped.message}`, wrapped.hint, { cause: error })
}
