/** Why a step runs, is skipped, or cannot run. Data, so `--dry-run --json` can print it. */
export type StepReason =
  | { readonly kind: 'missing' }
  | { readonly kind: 'forced' }
  | { readonly kind: 'failed-before'; readonly runId: string; readonly error: string }
  | { readonly kind: 'failed-check'; readonly check: string }
  | { readonly kind: 'code-version-changed'; readonly from: string; readonly to: string }
  | { readonly kind: 'upstream-rebuilt'; readonly upstream: string; readonly partition: string }
  | { readonly kind: 'upstream-changed'; readonly upstream: string; readonly partition: string }
  | { readonly kind: 'source-changed'; readonly source: string; readonly change: string }
  | { readonly kind: 'up-to-date' }
  | { readonly kind: 'blocked'; readonly upstream: string; readonly partition: string; readonly why: string }

/** One upstream dependency of a step, resolved to partitions. */
export interface StepInput {
  readonly input: string
  readonly asset: string
  readonly partitions: readonly string[]
}

/** An asset partition in the plan. */
export interface PlannedStep {
  /** `asset@partition`. */
  readonly id: string
  readonly asset: string
  readonly partition: string
  readonly pathSegment: string
  readonly action: 'run' | 'skip' | 'blocked'
  readonly reason: StepReason
  /** True when the partition was asked for (selection × range); false when pulled in because a target needs it. */
  readonly requested: boolean
  /**
   * The run that committed the version of the partition the plan saw (absent when it was not
   * materialized): a step that finds a commit of another run there, by an overlapping run, decides
   * again. A run id, not a data version: a rebuild may well produce the same bytes.
   */
  readonly seenRunId?: string
  /** Ids of the `run` steps this one waits for. */
  readonly dependsOn: readonly string[]
  readonly inputs: readonly StepInput[]
}

/** What `plan()` returns: every step considered, in an order that respects dependencies. */
export interface RunPlan {
  readonly selection: string
  readonly assets: readonly string[]
  readonly range: { readonly from: string; readonly to: string }
  readonly force: boolean
  readonly steps: readonly PlannedStep[]
}

/** The reason in words, for people. */
export function describeReason(reason: StepReason): string {
  switch (reason.kind) {
    case 'missing':
      return 'missing'
    case 'forced':
      return 'forced'
    case 'failed-before':
      return `failed in run ${reason.runId}`
    case 'failed-check':
      return `blocking check ${reason.check} failed last time`
    case 'code-version-changed':
      return `code version changed (${reason.from} → ${reason.to})`
    case 'upstream-rebuilt':
      return `upstream ${reason.upstream}(${reason.partition}) is rebuilt in this run`
    case 'upstream-changed':
      return `upstream ${reason.upstream}(${reason.partition}) changed since it was built`
    case 'source-changed':
      return `${reason.source} changed since it was built: ${reason.change}`
    case 'up-to-date':
      return 'up to date'
    case 'blocked':
      return `blocked: ${reason.upstream}(${reason.partition}) ${reason.why}`
  }
}

export function stepId(asset: string, partition: string): string {
  return `${asset}@${partition}`
}
