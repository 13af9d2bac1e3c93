import { getJson } from '../api.js'
import { h, href, render, table } from '../dom.js'
import type { LiveRun, RunRecord } from '../types.js'

/** `/runs`: the newest runs, as `strata runs --json` lists them. */
export async function runsPage(): Promise<void> {
  const { runs, live } = await getJson<{ runs: RunRecord[]; live: LiveRun[] }>('/api/runs?limit=100')
  render(
    h('h1', {}, 'Runs'),
    live.length > 0 ? h('p', {}, `Running from this page: `, ...live.map((run) => h('a', { href: href('runs', run.runId) }, `${run.runId} (${run.progress.done}/${run.progress.total})`))) : null,
    runs.length === 0
      ? h('p', { class: 'muted' }, 'No runs yet.')
      : table(
          ['run', 'status', 'started', 'seconds', 'command', 'partitions', 'ok', 'failed', 'skipped'],
          runs.map((r) => [h('a', { href: href('runs', r.runId) }, r.runId), statusWord(r.status), r.startedAt, r.endedAt ? ((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1) : '', r.command, `${r.partitions.from} … ${r.partitions.to}`, r.counts.succeeded, r.counts.failed, r.counts.skipped]),
          { class: 'runs' },
        ),
  )
}

/** A status word with its colour; a word this page does not know still shows, in grey. */
export function statusWord(status: string): HTMLElement {
  const known = ['success', 'failed', 'running', 'canceled', 'skipped', 'pending', 'crashed', 'blocked']
  return h('span', { class: `status-word status-${known.includes(status) ? status : 'other'}` }, status)
}
