import { hostname } from 'node:os'
import { RunStore } from '../runs/index.js'
import type { Storage } from '../storage/storage.js'
import type { TickRecord } from './tick-store.js'

/** A claim whose run record has not appeared this long after the claim counts as a run that never started. */
export const CLAIM_START_GRACE_MS = 10 * 60 * 1000

/** This process as the claimant of a tick. */
export function thisClaimant(): { host: string; pid: number } {
  return { host: hostname(), pid: process.pid }
}

/** What a tick record that says `launched` really means. */
export type ClaimState =
  /** The claimant's run is (as far as can be told) still going: leave it. */
  | { readonly kind: 'live' }
  /** The run ended but the claimant died before recording it: the tick takes the run's outcome. */
  | { readonly kind: 'finished'; readonly status: 'success' | 'failed' | 'canceled' }
  /** The claimant died before its run ended, or the run never started: the tick may be relaunched. */
  | { readonly kind: 'abandoned'; readonly why: string }

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/**
 * Judge a `launched` tick claim, simply and without clocks where possible:
 * - its run record says success / failed / canceled: finished (the tick takes that status);
 * - its run record says crashed (a run whose heartbeat stopped): abandoned;
 * - its claimant was on this host and that process is gone: abandoned;
 * - no run record {@link CLAIM_START_GRACE_MS} after the claim: abandoned (the run never started);
 * - else live. A claimant on another host with a running run is trusted until its run record
 *   says otherwise.
 */
export async function judgeClaim(record: TickRecord, storage: Storage, now: Date): Promise<ClaimState> {
  const run = record.runId ? await new RunStore(storage).read(record.runId).catch(() => undefined) : undefined
  const status: string | undefined = run?.status
  if (status === 'success' || status === 'failed' || status === 'canceled') return { kind: 'finished', status }
  if (status === 'crashed') return { kind: 'abandoned', why: `run ${record.runId ?? '?'} crashed` }
  const claimant = record.claimedBy
  if (claimant && claimant.host === hostname() && processIsGone(claimant.pid)) {
    return { kind: 'abandoned', why: `its process ${claimant.pid} on ${claimant.host} is gone${run ? '' : ' before the run started'}` }
  }
  if (!run && now.getTime() - Date.parse(record.recordedAt) > CLAIM_START_GRACE_MS) {
    return { kind: 'abandoned', why: `run ${record.runId ?? '?'} never started (no run record ${CLAIM_START_GRACE_MS / 60000} minutes after the claim)` }
  }
  return { kind: 'live' }
}
