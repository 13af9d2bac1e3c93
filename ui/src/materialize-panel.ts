import { getJson, postJson } from './api.js'
import { h, href, table } from './dom.js'
import type { LiveRun, PlanJson, RunRecord } from './types.js'

interface Defaults {
  readonly selection: string
  readonly from: string
  readonly to: string
}

/**
 * The one action: Materialize. "Plan" shows the dry run with its reasons; "Run" starts it in the
 * server (same planner, executor and locks as the CLI) and shows its progress until it ends.
 */
export function materializePanel(defaults: Defaults, onFinished: () => void): HTMLElement {
  const selection = h('input', { name: 'selection', value: defaults.selection, size: 24, 'aria-label': 'selection' })
  const from = h('input', { name: 'from', value: defaults.from, size: 11, 'aria-label': 'from', placeholder: 'YYYY-MM-DD' })
  const to = h('input', { name: 'to', value: defaults.to, size: 11, 'aria-label': 'to', placeholder: 'YYYY-MM-DD' })
  const force = h('input', { type: 'checkbox', name: 'force' })
  const output = h('div', { class: 'plan-output' })
  const runButton = h('button', { type: 'button', class: 'primary', disabled: true, 'data-action': 'run' }, 'Run')
  const request = () => ({ selection: selection.value.trim(), from: from.value.trim(), to: to.value.trim(), force: force.checked })
  let planned: string | undefined

  const planButton = h('button', { type: 'button', 'data-action': 'plan' }, 'Plan')
  planButton.addEventListener('click', () => {
    void (async () => {
      output.replaceChildren(h('p', { class: 'muted' }, 'Planning…'))
      runButton.disabled = true
      try {
        const plan = await postJson<PlanJson>('/api/plan', request())
        planned = JSON.stringify(request())
        output.replaceChildren(
          h('p', { class: 'plan-totals' }, `${plan.counts.run} to run, ${plan.counts.skip} up to date, ${plan.counts.blocked} blocked (${plan.range.from} … ${plan.range.to})`),
          table(
            ['asset', 'run', 'skip', 'blocked', 'first', 'last', 'why'],
            plan.summary.map((row) => [row.asset, row.run, row.skip, row.blocked, row.first ?? '-', row.last ?? '-', Object.entries(row.reasons).map(([why, n]) => `${why} (${n})`).join('; ')]),
            { class: 'plan' },
          ),
        )
        runButton.disabled = plan.counts.run === 0
      } catch (error) {
        output.replaceChildren(h('p', { class: 'error' }, (error as Error).message))
      }
    })()
  })
  // A changed form needs a new plan before it runs.
  for (const input of [selection, from, to, force]) input.addEventListener('input', () => (runButton.disabled = runButton.disabled || planned !== JSON.stringify(request())))

  runButton.addEventListener('click', () => {
    void (async () => {
      runButton.disabled = true
      planButton.disabled = true
      try {
        const started = await postJson<{ runId: string | null; message: string }>('/api/runs', request())
        if (!started.runId) {
          output.append(h('p', {}, started.message))
          return
        }
        const progress = h('progress', { max: 1, value: 0 })
        const label = h('span', { class: 'run-state' }, 'starting…')
        output.append(h('p', { class: 'run-progress' }, 'Run ', h('a', { href: href('runs', started.runId) }, started.runId), ': ', progress, ' ', label))
        for (;;) {
          const { live, record } = await getJson<{ live: LiveRun | null; record: RunRecord | null }>(`/api/runs/${encodeURIComponent(started.runId)}`)
          if (live) {
            progress.max = Math.max(1, live.progress.total)
            progress.value = live.progress.done
            label.textContent = `${live.progress.done}/${live.progress.total} steps${live.progress.failed ? `, ${live.progress.failed} failed` : ''}`
          }
          if (!live || live.state !== 'running') {
            const outcome = live?.error ? `error: ${live.error.message}${live.error.hint ? ` — ${live.error.hint}` : ''}` : (live?.status ?? record?.status ?? 'ended')
            label.textContent = `${label.textContent ?? ''} — ${outcome}`
            label.dataset.status = live?.status ?? (live?.error ? 'error' : (record?.status ?? ''))
            onFinished()
            return
          }
          await new Promise((resolve) => setTimeout(resolve, 500))
        }
      } catch (error) {
        output.append(h('p', { class: 'error' }, (error as Error).message))
      } finally {
        planButton.disabled = false
      }
    })()
  })

  return h(
    'section',
    { class: 'materialize' },
    h('h2', {}, 'Materialize'),
    h('div', { class: 'form' }, h('label', {}, 'selection ', selection), h('label', {}, 'from ', from), h('label', {}, 'to ', to), h('label', {}, force, ' force'), planButton, runButton),
    output,
  )
}
