/**
 * Each step's level: how many steps the longest chain from it to the end of the plan holds, the
 * step included. Launching the highest level first (list scheduling) starts long chains early:
 * in a backfill, `segments` needs the day before, and with first-come order its 85 days ran one
 * after another at the end of the run while the other core sat idle (7 of 74 s).
 */
export function criticalPathLevels(steps: readonly { readonly id: string; readonly dependsOn: readonly string[] }[]): Map<string, number> {
  const ids = new Set(steps.map((step) => step.id))
  const dependentsLeft = new Map<string, number>(steps.map((step) => [step.id, 0]))
  for (const step of steps) for (const upstream of step.dependsOn) if (ids.has(upstream)) dependentsLeft.set(upstream, (dependentsLeft.get(upstream) ?? 0) + 1)
  const byId = new Map(steps.map((step) => [step.id, step]))
  const levels = new Map<string, number>()
  // Steps nothing depends on are level 1; a step's level is known once all its dependents' are.
  const ready = steps.filter((step) => dependentsLeft.get(step.id) === 0).map((step) => step.id)
  for (const id of ready) levels.set(id, 1)
  while (ready.length > 0) {
    const id = ready.pop() as string
    const level = levels.get(id) as number
    for (const upstream of byId.get(id)?.dependsOn ?? []) {
      if (!ids.has(upstream)) continue
      levels.set(upstream, Math.max(levels.get(upstream) ?? 0, level + 1))
      const left = (dependentsLeft.get(upstream) as number) - 1
      dependentsLeft.set(upstream, left)
      if (left === 0) ready.push(upstream)
    }
  }
  return levels
}
