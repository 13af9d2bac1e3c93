import { mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import type { Definitions } from '../../../framework/definitions/index.js'
import type { AssetJson, DashboardJson, GraphJson, PartitionJson } from '../../../framework/ui/ui-api.js'
import type { LiveRun, PlanJson } from '../../../framework/ui/run-launcher.js'
import type { RunRecord } from '../../../framework/runs/index.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'
import { platform } from '../../../resources/platform.js'

let root: string
let base: string
let token: string
let stop: () => Promise<number>
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const env = () => ({ STRATA_STORAGE: join(root, 'storage'), STRATA_LANDING: join(root, 'landing'), AWS_SECRET_ACCESS_KEY: SECRET })

// The toy pipeline, with a dashboard over report's metadata and a freshness policy on score.
const definitions: Definitions = { ...toyDefinitions({ freshness: { score: { dueBy: '03:00Z' } } }), dashboards: [{ name: 'values', title: 'Values', asset: 'report', charts: [{ title: 'value', kind: 'line', series: ['value'], bands: [{ label: 'alert', level: 'alert', from: 100 }] }] }] }
const app: StrataApp = { name: 'strata', version: '0.0.0-test', platform, load: async () => definitions }

async function cli(...argv: string[]) {
  const io = captureIo(env(), root)
  const code = await runCli(argv, io, app)
  return { code, out: io.out(), err: io.err() }
}

async function get<T>(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T; text: string }> {
  const response = await fetch(`${base}${path}`, { headers })
  const text = await response.text()
  return { status: response.status, body: (response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined) as T, text }
}

/** fetch() will not send another Host header; node:http will. */
function statusWithHost(path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { headers: { host } }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
      .on('error', reject)
      .end()
  })
}

async function post<T>(path: string, body: unknown, headers: Record<string, string> = { 'x-strata-token': token, 'content-type': 'application/json' }): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })
  return { status: response.status, body: (await response.json()) as T }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-ui-'))
  // score and its upstream for 20 days; model, label and report stay missing.
  expect((await cli('materialize', '+score', '--from', '2026-01-01', '--to', '2026-01-20')).code).toBe(0)
  const controller = new AbortController()
  const io = { ...captureIo(env(), root), signal: controller.signal }
  const done = runCli(['ui', '--port', '0'], io, app)
  for (let i = 0; i < 200 && !/http:\/\/\S+\//.test(io.out()); i++) await new Promise((resolve) => setTimeout(resolve, 25))
  base = (/(http:\/\/\S+?)\/ /.exec(io.out()) as RegExpExecArray)[1] as string
  const page = await (await fetch(`${base}/`)).text()
  token = (/name="strata-token" content="([^"]+)"/.exec(page) as RegExpExecArray)[1] as string
  stop = async () => {
    controller.abort()
    return done
  }
})
afterAll(async () => {
  expect(await stop()).toBe(0)
  await rm(root, { recursive: true, force: true })
})

describe('strata ui: the JSON API', () => {
  it('serves the graph: every asset with its health as ranges, every edge labelled with its mapping', async () => {
    const { status, body } = await get<GraphJson>('/api/graph')
    expect(status).toBe(200)
    expect(body.assets.map((asset) => asset.key)).toEqual(['source', 'clean', 'rolling', 'score', 'model', 'label', 'report'])
    expect(body.range).toEqual({ from: '2026-01-01', to: '2026-01-20' })
    const score = body.assets.find((asset) => asset.key === 'score')
    expect(score?.health.ranges).toEqual([{ from: '2026-01-01', to: '2026-01-20', count: 20, state: 'materialized', reason: 'materialized, up to date' }])
    const report = body.assets.find((asset) => asset.key === 'report')
    expect(report?.health.ranges).toEqual([{ from: '2026-01-05', to: '2026-01-20', count: 16, state: 'missing', reason: 'missing: not materialized yet' }])
    const labels = body.edges.map((edge) => `${edge.from}->${edge.to}:${edge.label}`)
    expect(labels).toEqual(expect.arrayContaining(['clean->rolling:lookback 3', 'rolling->model:14 days before week', 'model->label:week of', 'label->label:previous', 'source->clean:same day']))
    expect(body.dashboards).toEqual([{ name: 'values', title: 'Values' }])
  })

  it('counts the same states as `status --json` over the same range', async () => {
    const { body } = await get<GraphJson>('/api/graph')
    const status = JSON.parse((await cli('status', '--from', body.range.from, '--to', body.range.to, '--json')).out) as { partitions: { asset: string; state: string }[] }
    for (const asset of body.assets) {
      const counts: Record<string, number> = {}
      for (const cell of status.partitions.filter((c) => c.asset === asset.key)) counts[cell.state] = (counts[cell.state] ?? 0) + 1
      expect(asset.health.counts).toEqual(counts)
    }
  })

  it('serves an asset: health, freshness, checks with their latest result, lineage as `lineage --json` prints it', async () => {
    const { status, body } = await get<AssetJson>('/api/assets/score')
    expect(status).toBe(200)
    expect(body.latest?.partition).toBe('2026-01-20')
    expect(body.freshness?.asset).toBe('score')
    expect(body.upstream.map((edge) => edge.from)).toEqual(['rolling'])
    expect(body.downstream.map((edge) => edge.to)).toEqual(['label'])
    expect(body.lineage).toEqual(JSON.parse((await cli('lineage', 'score', '--json')).out))
    const source = (await get<AssetJson>('/api/assets/source')).body
    expect(source.checks).toEqual([expect.objectContaining({ name: 'gate', blocking: true, latest: expect.objectContaining({ passed: true, partition: '2026-01-20' }) })])
  })

  it('serves a partition with the lineage `lineage --partition --json` prints, and its rows as `show --json` does', async () => {
    const { body } = await get<PartitionJson>('/api/assets/rolling/partitions/2026-01-10')
    expect(body.status).toEqual({ asset: 'rolling', partition: '2026-01-10', state: 'materialized', reason: 'materialized, up to date' })
    expect(body.manifest?.dataVersion).toMatch(/^[0-9a-f]{64}$/)
    // One level of lineage: the upstream partitions and data versions the manifest records, each with its own upstream counted.
    const upstream = (body.manifest as unknown as { upstream: { asset: string; partition: string; dataVersion: string }[] }).upstream
    expect(body.lineage.children.map(({ asset, partition, dataVersion }) => ({ asset, partition, dataVersion }))).toEqual(upstream)
    expect(body.lineage.children.every((child) => child.upstream === 1)).toBe(true)
    expect(body.lineage.children.map((child) => child.partition)).toEqual(['2026-01-08', '2026-01-09', '2026-01-10'])
    const next = await get<PartitionJson['lineage']>('/api/assets/clean/partitions/2026-01-08/lineage')
    expect(next.body.children.map((child) => `${child.asset}@${child.partition}`)).toEqual(['source@2026-01-08'])
    const rows = await get<{ kind: string; document: unknown }>('/api/assets/rolling/partitions/2026-01-10/rows')
    expect(rows.body).toEqual({ kind: 'document', key: '2026-01-10', document: JSON.parse((await cli('show', 'rolling', '--partition', '2026-01-10')).out) })
  })

  it('refuses unknown assets, bad partitions and run ids, and paths that try to climb out', async () => {
    expect((await get('/api/assets/nope')).status).toBe(404)
    const bad = await get<{ error: { code: string; message: string; hint: string } }>('/api/assets/score/partitions/2026-02-30')
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('partition')
    expect(bad.body.error.message).toContain('2026-02-30')
    expect((await get('/api/assets/score/partitions/2025-12-01')).status).toBe(400)
    expect((await get('/api/assets/report/partitions/2026-01-10/rows')).status).toBe(404)
    expect((await get('/api/runs/..%2F..%2Fetc%2Fpasswd')).status).toBe(400)
    expect((await get('/api/runs/20260101T000000Z-abcdef')).status).toBe(404)
    expect((await get('/static/..%2F..%2Fpackage.json')).status).toBe(404)
    expect((await get('/assets/..%2F..%2Fetc')).status).toBe(404)
    const page = await get('/assets/%3Cscript%3E')
    expect(page.status).toBe(404)
    expect(page.text).not.toContain('<script>')
    // A page on another site whose name was rebound to 127.0.0.1 (DNS rebinding) sends its own Host.
    expect(await statusWithHost('/api/assets/score', 'evil.example')).toBe(421)
    expect(await statusWithHost('/api/assets/score', `localhost:${new URL(base).port}`)).toBe(200)
  })

  it('serves the pages and the client from itself, with a content security policy', async () => {
    for (const path of ['/', '/assets/score', '/assets/score/partitions/2026-01-05', '/runs', '/values']) {
      const response = await fetch(`${base}${path}`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'")
      const html = await response.text()
      expect(html).toContain('<script type="module" src="/static/app.js">')
      expect(html).not.toMatch(/https?:\/\//)
    }
    const script = await fetch(`${base}/static/app.js`)
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toContain('javascript')
  })

  it('refuses a POST without the token, with a wrong token, or without a JSON body', async () => {
    // One character off; a fixed last character would equal the token once in 64 servers.
    const wrongToken = `${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}`
    const request = { selection: '+report', from: '2026-01-05', to: '2026-01-20' }
    expect((await post('/api/runs', request, { 'content-type': 'application/json' })).status).toBe(403)
    expect((await post('/api/runs', request, { 'content-type': 'application/json', 'x-strata-token': wrongToken })).status).toBe(403)
    expect((await post('/api/runs', request, { 'content-type': 'text/plain', 'x-strata-token': token })).status).toBe(415)
    expect((await post<{ error: { message: string } }>('/api/plan', { from: '2026-01-05' })).body.error.message).toContain('"selection" is missing')
    expect((await post('/api/plan', { selection: 'nope' })).status).toBe(404)
    const runs = JSON.parse((await cli('runs', '--json')).out) as unknown[]
    expect(runs).toHaveLength(1)
  })

  it('plans as `materialize --dry-run --json`, then runs in the server and the health turns materialized', async () => {
    const request = { selection: '+report', from: '2026-01-05', to: '2026-01-20' }
    const { status, body: plan } = await post<PlanJson>('/api/plan', request)
    expect(status).toBe(200)
    const dry = JSON.parse((await cli('materialize', '+report', '--from', '2026-01-05', '--to', '2026-01-20', '--dry-run', '--json')).out) as { steps: { action: string }[] }
    expect(plan.counts.run).toBe(dry.steps.filter((step) => step.action === 'run').length)
    expect(plan.summary.find((row) => row.asset === 'report')?.reasons).toEqual({ missing: 16 })
    expect(plan.text).toContain('to run')

    const started = await post<{ runId: string }>('/api/runs', request)
    expect(started.status).toBe(202)
    let live: LiveRun | null = null
    let record: RunRecord | null = null
    for (let i = 0; i < 400; i++) {
      ;({ live, record } = (await get<{ live: LiveRun | null; record: RunRecord | null }>(`/api/runs/${started.body.runId}`)).body)
      if (live?.state !== 'running') break
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    expect(live).toEqual(expect.objectContaining({ state: 'finished', status: 'success', progress: { done: plan.counts.run, total: plan.counts.run, failed: 0 } }))
    expect(record?.command).toBe('materialize +report (ui)')
    const graph = (await get<GraphJson>('/api/graph')).body
    for (const asset of graph.assets) expect(Object.keys(asset.health.counts)).toEqual(['materialized'])
    const listed = (await get<{ runs: RunRecord[] }>('/api/runs')).body.runs
    expect(listed).toEqual(JSON.parse((await cli('runs', '--json', '--limit', '50')).out))
  })

  it('picks up a run the CLI made while it serves (incremental refresh from the run records)', async () => {
    expect((await cli('materialize', '+report', '--partition', '2026-01-21')).code).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const graph = (await get<GraphJson>('/api/graph')).body
    expect(graph.range.to).toBe('2026-01-21')
    expect(graph.assets.find((asset) => asset.key === 'report')?.health.counts).toEqual({ materialized: 17 })
  })

  it('serves a dashboard from the manifests’ metadata, one point per day', async () => {
    const { body } = await get<DashboardJson>('/api/dashboards/values')
    expect(body.days.map((d) => d.day)).toHaveLength(17)
    expect(body.charts[0]?.points).toHaveLength(17)
    expect(body.charts[0]?.bands).toEqual([{ label: 'alert', level: 'alert', from: 100 }])
    expect((await get('/api/dashboards/nope')).status).toBe(400)
  })

  it('never sends a secret from the environment', async () => {
    for (const path of ['/api/graph', '/api/assets/score', '/api/runs', '/api/freshness', '/']) expect((await get(path)).text).not.toContain(SECRET)
  })
})

describe('strata ui: its flags', () => {
  it('refuses a bad port or host, and a port in use, with exit 2 and a hint', async () => {
    const badPort = await cli('ui', '--port', '70000')
    expect(badPort.code).toBe(2)
    expect(badPort.err).toContain('--port "70000" is not a port number')
    const badHost = await cli('ui', '--host', 'a b')
    expect(badHost.code).toBe(2)
    const inUse = await cli('ui', '--port', new URL(base).port)
    expect(inUse.code).toBe(2)
    expect(inUse.err).toMatch(/port \d+ on 127.0.0.1 is in use\n {2}hint: Pick another with --port/)
  })
})
