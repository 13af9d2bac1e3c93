import { StrataError } from '../errors/index.js'
import { isDocumentKeySegment } from '../storage/storage-keys.js'
import type { Storage } from '../storage/storage.js'
import type { RunRecord } from './run-record.js'
import { judgeRun, type RunLivenessOptions } from './run-liveness.js'

const PREFIX = 'runs/'
/** How many run records `list` reads at once. */
const READ_CONCURRENCY = 16

/**
 * Run records, one document per run (`runs/<runId>`) in a Storage, so `strata runs` works the
 * same over a local folder and S3 without a server.
 *
 * @example
 * const runs = new RunStore(storage)
 * await runs.save(record)
 * const latest = await runs.list({ limit: 10 })
 */
export class RunStore {
  constructor(
    private readonly storage: Storage,
    private readonly liveness: RunLivenessOptions = {},
  ) {}

  /** Write (or overwrite) the record of `record.runId`; readers see the old or the new one. */
  async save(record: RunRecord): Promise<void> {
    await this.storage.writeDocument(this.keyOf(record.runId), record)
  }

  /** The record of a run, `crashed` when its process died (see run-liveness.ts); StrataError('usage') naming the run when there is none. */
  async read(runId: string): Promise<RunRecord> {
    const record = isDocumentKeySegment(runId) ? await this.storage.readDocument<RunRecord>(this.keyOf(runId)) : undefined
    if (!record) {
      throw new StrataError('usage', `no run ${JSON.stringify(runId)} in ${this.storage.location}`, 'List the known runs with `strata runs`.')
    }
    return judgeRun(record, this.liveness)
  }

  /** Run ids, newest first (run ids sort by start time). Lists names only, reads no records. */
  async ids(): Promise<string[]> {
    const keys = await this.storage.listDocuments(PREFIX)
    return keys
      .map((key) => key.slice(PREFIX.length))
      .filter((runId) => !runId.includes('/'))
      .sort()
      .reverse()
  }

  /**
   * The newest `limit` runs (default 20), newest first. Only those records are read, so this
   * stays fast with thousands of runs stored.
   */
  async list(options: { limit?: number } = {}): Promise<RunRecord[]> {
    const limit = options.limit ?? 20
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new StrataError('usage', `--limit must be a positive whole number, got ${limit}`, 'e.g. strata runs --limit 20')
    }
    const wanted = (await this.ids()).slice(0, limit)
    const records: RunRecord[] = []
    for (let i = 0; i < wanted.length; i += READ_CONCURRENCY) {
      const batch = await Promise.all(wanted.slice(i, i + READ_CONCURRENCY).map((runId) => this.storage.readDocument<RunRecord>(this.keyOf(runId))))
      // A record deleted between listing and reading is simply no longer a run.
      for (const record of batch) if (record) records.push(judgeRun(record, this.liveness))
    }
    return records
  }

  private keyOf(runId: string): string {
    return `${PREFIX}${runId}`
  }
}
