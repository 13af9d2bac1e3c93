import { h, render } from './dom.js'
import { assetPage } from './pages/asset-page.js'
import { dashboardPage } from './pages/dashboard-page.js'
import { graphPage } from './pages/graph-page.js'
import { partitionPage } from './pages/partition-page.js'
import { runPage } from './pages/run-page.js'
import { runsPage } from './pages/runs-page.js'

/** Routes are real paths (shareable links); the server has validated them before serving this page. */
async function route(): Promise<void> {
  const parts = location.pathname.split('/').slice(1).map(decodeURIComponent)
  const [head, a, b, c] = parts
  if (parts.length === 1 && head === '') return graphPage()
  if (head === 'assets' && a && parts.length === 2) return assetPage(a)
  if (head === 'assets' && a && b === 'partitions' && c && parts.length === 4) return partitionPage(a, c)
  if (head === 'runs' && parts.length === 1) return runsPage()
  if (head === 'runs' && a && parts.length === 2) return runPage(a)
  if (head && parts.length === 1) return dashboardPage(head)
  render(h('p', { class: 'error' }, 'No such page.'))
}

document.body.dataset.ready = 'loading'
route()
  .then(() => (document.body.dataset.ready = 'yes'))
  .catch((error: unknown) => {
    render(h('h1', {}, 'Error'), h('p', { class: 'error' }, error instanceof Error ? error.message : String(error)))
    document.body.dataset.ready = 'error'
  })
