import { describeReason, type RunPlan } from './run-plan.js'

/** Per asset: how many partitions run, are skipped or blocked, the first/last to run, and why. */
export interface PlanSummary {
  readonly asset: string
  readonly run: number
  readonly skip: number
  readonly blocked: number
  readonly first?: string
  readonly last?: string
  /** Reason (in words, blocked reasons generalised by kind) → count. */
  readonly reasons: Readonly<Record<string, number>>
}

/** Summarise a plan per asset, in the plan's (topological) order. */
export function summarisePlan(plan: RunPlan): PlanSummary[] {
  const byAsset = new Map<string, { run: number; skip: number; blocked: number; first?: string; last?: string; reasons: Record<string, number> }>()
  for (const step of plan.steps) {
    let entry = byAsset.get(step.asset)
    if (!entry) byAsset.set(step.asset, (entry = { run: 0, skip: 0, blocked: 0, reasons: {} }))
    entry[step.action]++
    if (step.action === 'run') {
      if (entry.first === undefined || step.partition < entry.first) entry.first = step.partition
      if (entry.last === undefined || step.partition > entry.last) entry.last = step.partition
    }
    const words = step.reason.kind === 'upstream-rebuilt' ? 'an upstream partition is rebuilt in this run' : describeReason(step.reason)
    entry.reasons[words] = (entry.reasons[words] ?? 0) + 1
  }
  return [...byAsset.entries()].map(([asset, entry]) => ({ asset, ...entry }))
}
