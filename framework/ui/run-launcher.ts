import { StrataError } from '../errors/index.js'
import type { RunProgress } from '../executors/index.js'
import { plan, summarisePlan, type PlanSummary, type RunPlan } from '../planner/index.js'
import { newRunId } from '../runs/index.js'
import type { CommandKit } from '../cli/command-kit.js'
import { describePlan } from '../cli/commands/materialize-command.js'
import type { UiModel } from './ui-model.js'

/** What the Materialize form sends: a selection and one partition or a date range. */
export interface RunRequest {
  readonly selection: string
  readonly partition?: string
  readonly from?: string
  readonly to?: string
  readonly force?: boolean
}

/** A dry run: the plan in words (as `materialize --dry-run` prints it) and per asset, as data. */
export interface PlanJson {
  readonly selection: string
  readonly range: { readonly from: string; readonly to: string }
  readonly counts: { readonly run: number; readonly skip: number; readonly blocked: number }
  readonly summary: readonly PlanSummary[]
  readonly text: string
}

/** A run this server started, while and after it goes. */
export interface LiveRun {
  readonly runId: string
  readonly command: string
  state: 'running' | 'finished' | 'error'
  progress: RunProgress
  /** The run's outcome, once finished (`success`, `failed`, `canceled`, …). */
  status?: string
  error?: { readonly code: string; readonly message: string; readonly hint?: string }
}

/** Check the JSON body of a plan/run request; StrataError('usage') naming the bad field. */
export function parseRunRequest(body: unknown): RunRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new StrataError('usage', 'the request body is not a JSON object', 'Send {"selection": "+segments", "from": "…", "to": "…"}.')
  const fields = body as Record<string, unknown>
  const text = (name: string): string | undefined => {
    const value = fields[name]
    if (value === undefined || value === null || value === '') return undefined
    if (typeof value !== 'string' || value.length > 200) throw new StrataError('usage', `"${name}" must be a string of at most 200 characters`, 'e.g. "2026-03-01".')
    return value
  }
  const selection = text('selection')
  if (selection === undefined) throw new StrataError('usage', '"selection" is missing', 'e.g. "+segments" (segments and everything upstream).')
  const force = fields.force
  if (force !== undefined && typeof force !== 'boolean') throw new StrataError('usage', '"force" must be true or false', 'Leave it out to rebuild only what is stale.')
  const partition = text('partition')
  const from = text('from')
  const to = text('to')
  return { selection, ...(partition ? { partition } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}), ...(force ? { force } : {}) }
}

/**
 * Plans and starts runs in the server process with the planner and executor `strata materialize`
 * uses (the same partition locks, the same run records), and keeps their progress for the page.
 */
export class RunLauncher {
  private readonly runs = new Map<string, LiveRun>()
  private readonly pending = new Set<Promise<void>>()

  constructor(
    private readonly kit: CommandKit,
    private readonly model: UiModel,
  ) {}

  async plan(request: RunRequest): Promise<PlanJson> {
    const runPlan = await this.planOf(request)
    const count = (action: string) => runPlan.steps.filter((step) => step.action === action).length
    return { selection: runPlan.selection, range: runPlan.range, counts: { run: count('run'), skip: count('skip'), blocked: count('blocked') }, summary: summarisePlan(runPlan), text: describePlan(runPlan) }
  }

  /** Plan again (the state may have moved since the dry run) and start the run; returns at once. */
  async launch(request: RunRequest): Promise<{ runId: string | null; message: string }> {
    const runPlan = await this.planOf(request)
    if (!runPlan.steps.some((step) => step.action === 'run')) return { runId: null, message: 'nothing to do: every partition asked for is up to date (tick force to rebuild)' }
    const runId = newRunId(new Date())
    const command = `materialize ${request.selection} (ui)`
    const live: LiveRun = { runId, command, state: 'running', progress: { done: 0, total: runPlan.steps.filter((step) => step.action === 'run').length, failed: 0 } }
    this.runs.set(runId, live)
    const task = this.execute(runPlan, live).finally(() => this.pending.delete(task))
    this.pending.add(task)
    return { runId, message: `run ${runId} started` }
  }

  live(runId: string): LiveRun | undefined {
    return this.runs.get(runId)
  }

  liveRuns(): LiveRun[] {
    return [...this.runs.values()].filter((run) => run.state === 'running')
  }

  /** Resolves when every run started here has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending])
  }

  private async planOf(request: RunRequest): Promise<RunPlan> {
    await this.model.refresh(true)
    return plan(this.model.graph, request, this.model.state)
  }

  private async execute(runPlan: RunPlan, live: LiveRun): Promise<void> {
    try {
      // Loaded here, as `materialize` does: it brings the executors and DuckDB.
      const { executeRun } = await import('../cli/execute-run.js')
      const record = await executeRun(this.kit, this.model.definitions, this.model.storage, runPlan, {
        command: live.command,
        runId: live.runId,
        onProgress: (progress) => {
          live.progress = progress
        },
      })
      // The page reloads the health when it sees `finished`: the state must show the run by then.
      await this.model.refresh(true).catch(() => undefined)
      live.status = record.status
      live.state = 'finished'
    } catch (error) {
      await this.model.refresh(true).catch(() => undefined)
      live.state = 'error'
      live.error = error instanceof StrataError ? { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } : { code: 'internal', message: error instanceof Error ? error.message : String(error) }
      this.kit.log.error(`ui run ${live.runId}: ${live.error.message}`)
    }
  }
}
