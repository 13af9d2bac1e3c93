import { isTransient } from './aws-errors.js'
import { taskIdOf, type ContainerService, type ContainerTaskState } from './container-service.js'
import type { FargateSettings } from './fargate-settings.js'
import { jitteredBackoff, type Sleep } from './launch-pacer.js'

/** How watching a launched task ended. */
export type Watched =
  | { readonly kind: 'stopped'; readonly state: ContainerTaskState }
  | { readonly kind: 'canceled' }
  | { readonly kind: 'not-started'; readonly why: string }
  | { readonly kind: 'lost'; readonly why: string }
  | { readonly kind: 'error'; readonly error: unknown }

const NOT_STARTED = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING'])

/**
 * Polls DescribeTasks with exponential backoff and jitter until the task stops, calling `onPoll`
 * (log following) after each look. A task still provisioning after the start timeout is
 * reported `not-started` (the caller stops and retries it); throttled polls just wait longer.
 */
export async function watchTask(
  context: { readonly containers: ContainerService; readonly settings: FargateSettings; readonly sleep: Sleep; readonly now: () => number; readonly random: () => number },
  taskArn: string,
  signal: AbortSignal,
  onPoll: () => Promise<void> | undefined,
): Promise<Watched> {
  const { containers, settings, sleep, now, random } = context
  const launchedAt = now()
  let started = false
  let missing = 0
  for (let poll = 0; ; poll++) {
    if (signal.aborted) return { kind: 'canceled' }
    await sleep(jitteredBackoff(poll, settings.pollMinMs / 2, settings.pollMaxMs, random), signal)
    if (signal.aborted) return { kind: 'canceled' }
    let state: ContainerTaskState | undefined
    try {
      state = await containers.describeTask(settings.cluster, taskArn, settings.containerName)
    } catch (error) {
      if (isTransient(error)) continue // throttled: the next poll waits longer
      return { kind: 'error', error }
    }
    await onPoll()
    if (!state) {
      // DescribeTasks is eventually consistent just after RunTask.
      if (++missing < 5) continue
      return { kind: 'lost', why: `task ${taskIdOf(taskArn)} disappeared` }
    }
    if (state.lastStatus === 'STOPPED') return { kind: 'stopped', state }
    if (!NOT_STARTED.has(state.lastStatus)) started = true
    if (!started && now() - launchedAt > settings.startTimeoutMs) {
      return { kind: 'not-started', why: `task ${taskIdOf(taskArn)} was still ${state.lastStatus} after ${Math.round(settings.startTimeoutMs / 1000)} s` }
    }
  }
}
