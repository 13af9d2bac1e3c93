import { getJson } from '../api.js'
import { h, href, render, table } from '../dom.js'
import type { LiveRun, RunRecord } from '../types.js'
import { statusWord } from './runs-page.js'

/** `/runs/:id`: the run (as `runs show --json`), its timeline, its failures with error and hint; live while it runs. */
export async function runPage(runId: string): Promise<void> {
  const { record, live } = await getJson<{ record: RunRecord | null; live: LiveRun | null }>(`/api/runs/${encodeURIComponent(runId)}`)
  const running = live?.state === 'running' || record?.status === 'running'
  if (!record) {
    render(h('h1', {}, `Run ${runId}`), h('p', {}, live ? `starting… ${live.progress.done}/${live.progress.total}` : 'No record yet.'))
  } else {
    const seconds = record.endedAt ? ((Date.parse(record.endedAt) - Date.parse(record.startedAt)) / 1000).toFixed(1) : undefined
    const failed = record.steps.filter((step) => step.status === 'failed')
    const shown = record.steps.filter((step) => step.status !== 'skipped' || !step.reason?.startsWith('up to date'))
    const timeline = h('section', { class: 'timeline' }, h('h2', {}, 'Timeline'), h('p', { class: 'muted' }, 'Loading chart…'))
    render(
      h('p', { class: 'crumbs' }, h('a', { href: '/runs' }, 'Runs'), ' / ', runId),
      h('h1', {}, `Run ${runId} `, statusWord(record.status)),
      h('p', {}, `${record.command} — ${record.partitions.from} … ${record.partitions.to}, executor ${record.executor}`),
      h('p', { class: 'muted' }, `started ${record.startedAt}${record.endedAt ? `, ended ${record.endedAt} (${seconds} s)` : ''}; ${record.counts.succeeded} succeeded, ${record.counts.failed} failed, ${record.counts.skipped} skipped, ${record.counts.canceled} canceled${live?.state === 'running' ? `; live: ${live.progress.done}/${live.progress.total} steps` : ''}`),
      failed.length > 0 ? h('section', { class: 'failures' }, h('h2', {}, 'Failures'), failed.map((step) => h('div', { class: 'failure' }, h('a', { href: href('assets', step.asset, 'partitions', step.partition) }, `${step.asset}(${step.partition})`), h('p', { class: 'error' }, step.error?.message ?? 'failed'), step.error?.hint ? h('p', { class: 'hint' }, `hint: ${step.error.hint}`) : null))) : null,
      timeline,
      h('section', {}, h('h2', {}, 'Steps'), table(['asset', 'partition', 'status', 'ms', 'rows', 'reason / error'], shown.map((s) => [h('a', { href: href('assets', s.asset) }, s.asset), h('a', { href: href('assets', s.asset, 'partitions', s.partition) }, s.partition), statusWord(s.status), s.durationMs ?? '', s.rowCount ?? '', s.error ? `${s.error.message}${s.error.hint ? ` (hint: ${s.error.hint})` : ''}` : (s.reason ?? '')]))),
    )
    const { gantt } = await import('../charts.js')
    timeline.replaceChildren(h('h2', {}, 'Timeline'), record.steps.some((step) => step.startedAt) ? gantt(record) : h('p', { class: 'muted' }, 'No step ran.'))
  }
  if (running) setTimeout(() => void runPage(runId), 1500)
}
