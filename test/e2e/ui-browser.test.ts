import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findChromium, launchChromium } from '../support/chromium.js'

const chromium = findChromium()
const required = process.env.STRATA_REQUIRE_BROWSER === '1'
if (!chromium && !required) process.stderr.write('strata ui browser tests skipped: no Chromium found (apt-get install chromium, or set STRATA_CHROMIUM=/path/to/chromium)\n')

const run = promisify(execFile)
const bin = fileURLToPath(new URL('../../bin/strata.js', import.meta.url))
/** Screenshots go to docs/ for the README with STRATA_UI_SCREENSHOTS=1, else to a temporary folder. */
const docs = fileURLToPath(new URL('../../docs/', import.meta.url))

describe.runIf(!chromium && required)('strata ui in a browser', () => {
  it('has a browser (STRATA_REQUIRE_BROWSER=1)', () => {
    throw new Error('no Chromium found: install it (apt-get install chromium) or set STRATA_CHROMIUM')
  })
})

describe.runIf(chromium !== undefined)('strata ui in headless Chromium', () => {
  let dir: string
  let shots: string
  let server: ChildProcess
  let base: string
  let browser: { context: BrowserContext; close(): Promise<void> }
  let page: Page

  const strata = (...args: string[]) => run(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, STRATA_START: '', CI: '1' }, maxBuffer: 64 * 1024 * 1024 })
  const open = async (path: string) => {
    await page.goto(`${base}${path}`)
    await page.waitForSelector('body[data-ready="yes"]', { timeout: 30_000 })
  }
  const shot = (name: string) => page.screenshot({ path: join(shots, `ui-${name}.png`), fullPage: true })

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-ui-e2e-'))
    shots = process.env.STRATA_UI_SCREENSHOTS === '1' ? docs : join(dir, 'shots')
    await mkdir(shots, { recursive: true })
    // 12 landing days from a Monday; the model's first week is 2026-03-09. Three days of drift
    // through the CLI; segments(2026-03-12, 2026-03-13) are left for the page to materialize.
    await strata('generate-sample', '--customers', '200', '--days', '12', '--start', '2026-03-02', '--profile', 'light')
    await strata('materialize', '+drift_report', '--from', '2026-03-09', '--to', '2026-03-11')
    server = spawn(process.execPath, [bin, 'ui', '--port', '0'], { cwd: dir, env: { ...process.env, STRATA_START: '', CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
    base = await new Promise<string>((resolve, reject) => {
      let out = ''
      server.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const match = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)
        if (match) resolve(match[1] as string)
      })
      server.on('exit', (code) => reject(new Error(`strata ui exited with ${String(code)}: ${out}`)))
    })
    browser = await launchChromium(chromium as string)
    page = await browser.context.newPage()
    page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`))
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve))
      server.kill('SIGTERM')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  })

  it('draws every asset of the graph; clicking segments opens its page with a health bar', async () => {
    await open('/')
    const keys = ['raw', 'curated', 'customer_activity', 'activity_window', 'features', 'feature_stats', 'cdi_scores', 'week_stats', 'segment_model', 'segments', 'drift_report']
    expect((await page.locator('.graph .node').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-asset')))).sort()).toEqual([...keys].sort())
    expect(await page.locator('.graph .edge-label').count()).toBeGreaterThan(10)
    await shot('graph')
    await page.click('.graph .node[data-asset="segments"]')
    await page.waitForURL(`${base}/assets/segments`)
    await page.waitForSelector('body[data-ready="yes"]')
    const states = await page.locator('.health-bar[data-asset="segments"] .range').evaluateAll((ranges) => ranges.map((range) => [range.getAttribute('data-state'), range.getAttribute('title')]))
    expect(states).toEqual([
      ['materialized', '2026-03-09 … 2026-03-11 (3): materialized, up to date'],
      ['missing', '2026-03-12 … 2026-03-13 (2): missing: not materialized yet'],
    ])
    await shot('asset')
  })

  it('shows a partition with its lineage, one level at a time, and its first rows', async () => {
    await open('/assets/segments/partitions/2026-03-10')
    const top = await page.locator('.lineage > .tree > li > * .lineage-node, .lineage > .tree > li > .lineage-node').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-id')))
    expect(top).toEqual(expect.arrayContaining(['cdi_scores@2026-03-10', 'features@2026-03-10', 'segment_model@2026-03-09', 'segments@2026-03-09']))
    const before = await page.locator('.lineage-node').count()
    await page.click('summary:has(.lineage-node[data-id="segments@2026-03-09"]) .expand')
    // The page's content security policy forbids eval, so waits poll through locators.
    await expect.poll(() => page.locator('.lineage-node').count()).toBeGreaterThan(before)
    await page.waitForSelector('table.data')
    expect(await page.locator('table.data').getAttribute('data-rows')).toBe('50')
    expect(await page.locator('table.data th').allTextContents()).toEqual(['customer_id', 'cdi', 'segment', 'raw_segment', 'kept_by_hysteresis', 'model_version'])
    await shot('partition')
  })

  it('shows raw’s quarantine with line, reason and original text', async () => {
    await open('/assets/raw/partitions/2026-03-10?table=customers')
    await page.waitForSelector('table.data')
    expect(await page.locator('table.data th').allTextContents()).toEqual(['table', 'line', 'reason', 'original'])
  })

  it('draws the drift dashboard with one status cell per day and every chart', async () => {
    await open('/drift')
    await page.waitForSelector('figure.chart svg')
    expect(await page.locator('.charts').getAttribute('data-days')).toBe('3')
    expect(await page.locator('figure.chart').count()).toBe(6)
    expect(await page.locator('g.day-status rect').count()).toBe(3)
    // Status, CDI mean/std, CDI PSI, feature PSI, churn, sizes: the first day has no yesterday, so no PSI or churn.
    expect(await page.locator('figure.chart').evaluateAll((figures) => figures.map((figure) => figure.getAttribute('data-days')))).toEqual(['3', '3', '2', '3', '2', '3'])
    await shot('drift')
  })

  it('refuses a POST without the token', async () => {
    await open('/')
    const status = await page.evaluate(async () => (await fetch('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ selection: '+segments' }) })).status)
    expect(status).toBe(403)
  })

  it('materializes from the asset page: the plan first, then the run, and the health bar turns green', async () => {
    await open('/assets/segments')
    await page.click('[data-action="plan"]')
    await page.waitForSelector('.plan-totals')
    expect(await page.locator('.plan-totals').textContent()).toMatch(/^\d+ to run, \d+ up to date, 0 blocked/)
    expect(await page.locator('table.plan').textContent()).toContain('missing')
    await page.click('[data-action="run"]')
    await page.waitForSelector('.run-state[data-status]', { timeout: 180_000 })
    expect(await page.locator('.run-state').getAttribute('data-status')).toBe('success')
    await expect.poll(() => page.locator('.health-bar[data-asset="segments"] .range').evaluateAll((ranges) => ranges.map((range) => range.getAttribute('data-state'))), { timeout: 30_000 }).toEqual(['materialized'])
    await shot('materialized')
  }, 240_000)

  it('lists the runs and draws a run’s timeline', async () => {
    await open('/runs')
    expect(await page.locator('table.runs tbody tr').count()).toBe(2)
    await shot('runs')
    await page.click('table.runs tbody tr:first-child a')
    await page.waitForSelector('g.gantt-step rect')
    expect(await page.locator('g.gantt-step rect').count()).toBeGreaterThan(5)
    await shot('run')
  })
})
