/**
 * The `strata ui` benchmark (run by bench/child.ts): 10 toy assets × 3,650 daily partitions
 * (ten years) of synthesised manifests, then the time of the JSON the graph and an asset page
 * need, and — when Chromium is installed — of those pages rendered in headless Chromium.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { runCli } from '../framework/cli/index.js'
import { addDays } from '../framework/partitions/index.js'
import { LocalStorage } from '../framework/storage/local-storage.js'
import type { Manifest } from '../framework/storage/manifest.js'
import { UiModel } from '../framework/ui/ui-model.js'
import { toyEngineDefinitions, TOY_START } from './toy-engine.js'
import { platform } from '../resources/platform.js'

export const UI_ASSETS = 10
export const UI_DAYS = 3650

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * Write the manifests (no data files) once. Most partitions are up to date; a month is missing
 * in a0 (so its downstream is missing too), and a4's code version changed for the last year of
 * manifests (stale): the health has a few ranges, as a real store does.
 */
export async function synthesiseUiStore(root: string): Promise<void> {
  const marker = join(root, `.synthesised-${UI_ASSETS}x${UI_DAYS}`)
  if (existsSync(marker)) return
  await rm(root, { recursive: true, force: true })
  const gap = new Set(Array.from({ length: 30 }, (_, i) => addDays(TOY_START, 2000 + i)))
  const jobs: (() => Promise<void>)[] = []
  for (let a = 0; a < UI_ASSETS; a++) {
    for (let d = 0; d < UI_DAYS; d++) {
      const day = addDays(TOY_START, d)
      if (gap.has(day)) continue
      const manifest: Manifest = {
        formatVersion: 1,
        asset: `a${a}`,
        partition: day,
        runId: '20260101T000000Z-000000',
        startedAt: '2026-01-01T00:00:00.000Z',
        committedAt: '2026-01-01T00:00:01.000Z',
        codeVersion: a === 4 && d >= UI_DAYS - 365 ? 'v0' : 'v1',
        dataVersion: sha(`a${a}@${day}`),
        upstream: a > 0 ? [{ asset: `a${a - 1}`, partition: day, dataVersion: sha(`a${a - 1}@${day}`) }] : [],
        rowCount: 1,
        schema: [],
        files: [],
        checks: [],
        metadata: { value: d },
      }
      jobs.push(async () => {
        const dir = join(root, `a${a}`, `dt=${day}`)
        await mkdir(dir, { recursive: true })
        await writeFile(join(dir, '_manifest.json'), JSON.stringify(manifest))
      })
    }
  }
  for (let i = 0; i < jobs.length; i += 256) await Promise.all(jobs.slice(i, i + 256).map((job) => job()))
  await writeFile(marker, '')
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

/** Start `strata ui` in this process over the store and time its API and (with Chromium) its pages. */
export async function uiBench(root: string, chromium: string | undefined): Promise<Record<string, number | string | null>> {
  const t0 = performance.now()
  await synthesiseUiStore(root)
  const synthMs = performance.now() - t0
  const controller = new AbortController()
  let out = ''
  const quiet = { write: () => true }
  const t1 = performance.now()
  const done = runCli(['ui', '--port', '0', '--storage', root], { stdout: { write: (text: string) => (out += text) }, stderr: quiet, env: { ...process.env, STRATA_LOG_LEVEL: 'quiet' }, cwd: process.cwd(), signal: controller.signal }, { name: 'strata', version: '0.0.0', platform, load: async () => toyEngineDefinitions(UI_ASSETS) })
  while (!/http:\/\/\S+\//.test(out)) await new Promise((resolve) => setTimeout(resolve, 5))
  const startMs = performance.now() - t1
  const base = (/(http:\/\/\S+?)\/ /.exec(out) as RegExpExecArray)[1] as string
  const time = async (path: string) => {
    const started = performance.now()
    const response = await fetch(`${base}${path}`)
    await response.arrayBuffer()
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`)
    return performance.now() - started
  }
  const coldGraphMs = await time('/api/graph')
  const graph: number[] = []
  const asset: number[] = []
  const partition: number[] = []
  for (let i = 0; i < 7; i++) {
    graph.push(await time('/api/graph'))
    asset.push(await time('/api/assets/a5'))
    partition.push(await time(`/api/assets/a9/partitions/${addDays(TOY_START, 100 + i)}`))
  }
  const result: Record<string, number | string | null> = { synthMs, startMs, coldGraphMs, graphMs: median(graph), assetMs: median(asset), partitionMs: median(partition), pageGraphMs: null, pageAssetMs: null }
  if (chromium) {
    const { chromium: driver } = await import('playwright-core')
    const profile = await mkdtemp(join(tmpdir(), 'strata-bench-chromium-'))
    const context = await driver.launchPersistentContext(profile, { executablePath: chromium, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
    try {
      const page = await context.newPage()
      const load = async (path: string) => {
        const started = performance.now()
        await page.goto(`${base}${path}`)
        await page.waitForSelector('body[data-ready="yes"]', { timeout: 60_000 })
        return performance.now() - started
      }
      await load('/') // warm the browser's own start-up
      const pages = { graph: [] as number[], asset: [] as number[] }
      for (let i = 0; i < 5; i++) {
        pages.graph.push(await load('/'))
        pages.asset.push(await load('/assets/a5'))
      }
      result.pageGraphMs = median(pages.graph)
      result.pageAssetMs = median(pages.asset)
    } finally {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    }
  }
  controller.abort()
  await done
  // The incremental refresh: a partition of the last day changes, and status is planned again
  // from a week before it only (the server does this when a run record shows new commits).
  const model = await UiModel.open(toyEngineDefinitions(UI_ASSETS), new LocalStorage(root))
  await model.status()
  const last = addDays(TOY_START, UI_DAYS - 1)
  const file = join(root, 'a3', `dt=${last}`, '_manifest.json')
  const original = await readFile(file, 'utf8')
  try {
    await writeFile(file, JSON.stringify({ ...(JSON.parse(original) as Manifest), dataVersion: sha('changed') }))
    await model.state.reread('a3', last)
    const t2 = performance.now()
    const after = await model.status()
    result.refreshMs = performance.now() - t2
    result.staleAfterRefresh = after.cells.filter((cell) => cell.partition === last && cell.state === 'stale').length
  } finally {
    await writeFile(file, original)
  }
  return result
}
