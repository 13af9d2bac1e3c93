/** Waits `ms`, resolving early when the signal aborts (never rejects). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>

/**
 * Spaces calls `1 / perSecond` apart across the whole run: each caller gets the next free slot
 * and waits for it (RunTask's sustained account rate is low, and a burst is throttled).
 */
export function launchPacer(perSecond: number, sleep: Sleep, now: () => number): (signal: AbortSignal) => Promise<void> {
  const interval = 1000 / perSecond
  let nextAt = 0
  return async (signal) => {
    const at = Math.max(now(), nextAt)
    nextAt = at + interval
    if (at > now()) await sleep(at - now(), signal)
  }
}

/** Exponential backoff with "equal jitter": half the ceiling plus a random half, so never zero and never in lockstep. */
export function jitteredBackoff(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt)
  return ceiling / 2 + (random() * ceiling) / 2
}

/** setTimeout as a {@link Sleep}. */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
