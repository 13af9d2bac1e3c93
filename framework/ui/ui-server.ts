import { randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { StrataError } from '../errors/index.js'
import { DEFAULT_FRESHNESS_WINDOW, type AssetFreshness } from '../freshness/index.js'
import { isRunId, RunStore } from '../runs/index.js'
import { redactSecrets } from '../cli/redact.js'
import type { CommandKit } from '../cli/command-kit.js'
import { freshnessReport } from '../cli/commands/freshness-command.js'
import { showPartition } from '../cli/commands/show-command.js'
import { assetJson, dashboardJson, graphJson, lineageLevel, partitionJson } from './ui-api.js'
import { UiModel } from './ui-model.js'
import { RunLauncher, parseRunRequest } from './run-launcher.js'

/** What `strata ui` starts. */
export interface UiServer {
  readonly url: string
  /** The per-server token a POST must carry (it is in every page). */
  readonly token: string
  readonly model: UiModel
  readonly launcher: RunLauncher
  close(): Promise<void>
}

export interface UiServerOptions {
  readonly host: string
  readonly port: number
  /** Where the bundled client is; by default the build output next to this file. */
  readonly clientDir?: string
}

/** Paths a dashboard cannot take: the pages and folders of the app itself. */
const RESERVED = new Set(['', 'assets', 'runs', 'api', 'static', 'favicon.ico'])
const PREVIEW_ROWS = 50
/** How long the landing listing (for the status range and freshness) is reused. */
const SOURCE_TTL_MS = 15_000
const MAX_BODY = 64 * 1024

/**
 * Start the web UI over the storage and definitions the CLI resolved. Read-only except for POST
 * /api/runs (materialize), which needs the per-server token; everything it serves comes from
 * this process (no CDN), and JSON goes through the same secret redaction as the CLI's output.
 */
export async function startUiServer(kit: CommandKit, options: UiServerOptions): Promise<UiServer> {
  const definitions = await kit.definitions()
  const storage = await kit.storage()
  for (const dashboard of definitions.dashboards ?? []) {
    if (!/^[a-z0-9-]+$/.test(dashboard.name) || RESERVED.has(dashboard.name)) throw new StrataError('definition', `dashboard name "${dashboard.name}" cannot be a page path`, 'Use lower-case letters, digits and dashes, not assets, runs, api or static.')
    definitions.graph.asset(dashboard.asset)
  }
  const sourceDays = cached(SOURCE_TTL_MS, async () => (definitions.sourceFreshness ? await definitions.sourceFreshness.listDays(kit.settings()) : []))
  const model = await UiModel.open(definitions, storage, { newestSourceDay: async () => [...(await sourceDays())].sort().at(-1) })
  const launcher = new RunLauncher(kit, model)
  const token = randomBytes(24).toString('base64url')
  const clientDir = options.clientDir ?? findClientDir()
  const freshness = async (): Promise<readonly AssetFreshness[]> => (await freshnessReport(kit, new Date(), DEFAULT_FRESHNESS_WINDOW, model.state)).assets
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(options.host)

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => sendError(response, error))
  })

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // A page on another site that rebinds its DNS name to 127.0.0.1 sends its own Host: refusing
    // it keeps that page from reading the token out of ours.
    if (loopback && !isLoopbackHost(request.headers.host)) return sendJson(response, 421, { error: { code: 'usage', message: 'this server answers only to localhost names', hint: `Open http://127.0.0.1:${port()}/` } })
    const url = new URL(request.url ?? '/', 'http://localhost')
    const parts = url.pathname.split('/').slice(1).map(decodeSegment)
    const method = request.method ?? 'GET'
    if (parts[0] === 'api') {
      if (method === 'POST') return post(request, response, parts.slice(1))
      if (method !== 'GET' && method !== 'HEAD') return sendJson(response, 405, { error: { code: 'usage', message: `${method} is not allowed here` } })
      return sendJson(response, 200, await api(parts.slice(1), url.searchParams))
    }
    if (method !== 'GET' && method !== 'HEAD') return sendJson(response, 405, { error: { code: 'usage', message: `${method} is not allowed here` } })
    if (parts[0] === 'static' && parts.length === 2) return sendStatic(response, parts[1] as string)
    if (parts[0] === 'favicon.ico') return send(response, 204, '', 'text/plain')
    validatePage(parts)
    return send(response, 200, shell(token, definitions.dashboards ?? []), 'text/html; charset=utf-8')
  }

  async function api(parts: string[], query: URLSearchParams): Promise<unknown> {
    const [head, a, b, c, d] = parts
    if (head === 'graph' && parts.length === 1) return graphJson(model)
    if (head === 'assets' && a !== undefined && parts.length === 2) return assetJson(model, assetKey(a), freshness)
    if (head === 'assets' && a !== undefined && b === 'partitions' && c !== undefined && (parts.length === 4 || (parts.length === 5 && (d === 'rows' || d === 'lineage')))) {
      const asset = assetKey(a)
      const partition = model.graph.asset(asset).partitions.validateKey(c, asset)
      if (parts.length === 4) return partitionJson(model, asset, partition)
      if (d === 'lineage') {
        await model.refresh()
        return lineageLevel(model, asset, partition)
      }
      const table = query.get('table') ?? undefined
      const shown = await showPartition(model.graph, storage, kit.platform.openSqlEngine, asset, partition, table, PREVIEW_ROWS)
      if (shown.kind === 'document') return shown
      // The rows as `show --json` prints them (one object per row), with the column order kept.
      return { kind: 'rows', columns: shown.columns, rows: shown.rows.map((row) => Object.fromEntries(shown.columns.map((column, i) => [column, row[i]]))) }
    }
    if (head === 'runs' && parts.length === 1) {
      const limit = Number(query.get('limit') ?? '50')
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new StrataError('usage', `limit "${String(query.get('limit')).slice(0, 20)}" is not a whole number from 1 to 1000`, 'e.g. ?limit=20')
      return { runs: await new RunStore(storage).list({ limit }), live: launcher.liveRuns() }
    }
    if (head === 'runs' && a !== undefined && parts.length === 2) {
      if (!isRunId(a)) throw new StrataError('usage', `"${a.slice(0, 40)}" is not a run id`, 'Run ids look like 20260301T020000Z-a1b2c3; list them at /runs.')
      const live = launcher.live(a)
      const record = await new RunStore(storage).read(a).catch((error: unknown) => {
        if (live) return null
        throw error
      })
      return { record, live: live ?? null }
    }
    if (head === 'freshness' && parts.length === 1) return freshnessReport(kit, new Date(), DEFAULT_FRESHNESS_WINDOW, model.state)
    if (head === 'dashboards' && a !== undefined && parts.length === 2) {
      const dashboard = (definitions.dashboards ?? []).find((entry) => entry.name === a)
      if (!dashboard) throw new StrataError('usage', `no dashboard "${a.slice(0, 40)}"`, 'The dashboards are listed on the graph page.')
      await model.refresh()
      return dashboardJson(model, dashboard)
    }
    throw new NotFound(`no API at /api/${parts.join('/').slice(0, 80)}`)
  }

  async function post(request: IncomingMessage, response: ServerResponse, parts: string[]): Promise<void> {
    // The token is in the page, so only a page this server served can send it; a cross-site form
    // cannot set the header, and the JSON content type makes a browser ask (CORS) first.
    const given = request.headers['x-strata-token']
    if (typeof given !== 'string' || !sameSecret(given, token)) return sendJson(response, 403, { error: { code: 'usage', message: 'missing or wrong token', hint: 'Use the Materialize button of a page this server served.' } })
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(response, 415, { error: { code: 'usage', message: 'POST a JSON body (content-type application/json)' } })
    const body = parseRunRequest(await readBody(request))
    if (parts.length === 1 && parts[0] === 'plan') return sendJson(response, 200, await launcher.plan(body))
    if (parts.length === 1 && parts[0] === 'runs') return sendJson(response, 202, await launcher.launch(body))
    throw new NotFound(`no POST at /api/${parts.join('/').slice(0, 80)}`)
  }

  function validatePage(parts: string[]): void {
    const [head, a, b, c] = parts
    if (parts.length === 1 && head === '') return
    if (head === 'assets' && a !== undefined && parts.length === 2) return void assetKey(a)
    if (head === 'assets' && a !== undefined && b === 'partitions' && c !== undefined && parts.length === 4) return void model.graph.asset(assetKey(a)).partitions.validateKey(c, a)
    if (head === 'runs' && parts.length === 1) return
    if (head === 'runs' && a !== undefined && parts.length === 2 && isRunId(a)) return
    if (parts.length === 1 && (definitions.dashboards ?? []).some((dashboard) => dashboard.name === head)) return
    throw new NotFound(`no page at /${parts.join('/').slice(0, 80)}`)
  }

  function assetKey(key: string): string {
    model.graph.asset(key)
    return key
  }

  async function sendStatic(response: ServerResponse, name: string): Promise<void> {
    const type = /^[A-Za-z0-9_-]+\.js$/.test(name) ? 'text/javascript; charset=utf-8' : /^[A-Za-z0-9_-]+\.css$/.test(name) ? 'text/css; charset=utf-8' : undefined
    if (!type) throw new NotFound(`no file /static/${name.slice(0, 80)}`)
    const body = await readFile(fileURLToPath(new URL(name, clientDir))).catch(() => undefined)
    if (body === undefined) throw new NotFound(`no file /static/${name}`, 'The client is built by `npm install` (npm run build); run it once.')
    send(response, 200, body, type)
  }

  function sendJson(response: ServerResponse, status: number, value: unknown): void {
    send(response, status, redactSecrets(JSON.stringify(value), kit.io.env), 'application/json; charset=utf-8')
  }

  function sendError(response: ServerResponse, error: unknown): void {
    if (response.headersSent) return void response.end()
    const known = error instanceof StrataError || error instanceof NotFound
    if (!known) kit.log.error(`ui: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    const status = error instanceof NotFound ? 404 : error instanceof StrataError ? statusOf(error) : 500
    const body = error instanceof StrataError || error instanceof NotFound ? { code: error instanceof NotFound ? 'not-found' : error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } : { code: 'internal', message: 'internal error (see the server log)' }
    const wantsHtml = !(response.req.url ?? '').startsWith('/api/')
    if (wantsHtml) return send(response, status, errorPage(status, redactSecrets(body.message, kit.io.env), body.hint), 'text/html; charset=utf-8')
    sendJson(response, status, { error: body })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new StrataError('usage', `port ${options.port} on ${options.host} is in use`, 'Pick another with --port, e.g. --port 3001.') : new StrataError('usage', `cannot listen on ${options.host}:${options.port}: ${error.message}`, 'Check --host and --port.')),
    )
    server.listen(options.port, options.host, () => resolve())
  })
  const port = () => (server.address() as AddressInfo).port
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `http://${shownHost}:${port()}/`,
    token,
    model,
    launcher,
    async close() {
      await launcher.settled()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

class NotFound extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message)
  }
}

function statusOf(error: StrataError): number {
  if (error.code === 'selection') return 404
  if (error.code === 'locked') return 409
  if (error.exitCode === 2) return /is not materialized|^no run /.test(error.message) ? 404 : 400
  return 500
}

function send(response: ServerResponse, status: number, body: string | Buffer, type: string): void {
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // Everything comes from here; Plot writes style attributes, hence unsafe-inline for styles only.
    'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  })
  response.end(response.req.method === 'HEAD' ? undefined : body)
}

function shell(token: string, dashboards: readonly { readonly name: string; readonly title: string }[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="strata-token" content="${token}">
<title>Strata</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<header><a class="brand" href="/">Strata</a><nav><a href="/">Graph</a><a href="/runs">Runs</a>${dashboards.map((d) => `<a href="/${d.name}">${escapeHtml(d.title)}</a>`).join('')}</nav></header>
<main id="app"><p class="muted">Loading…</p></main>
<script type="module" src="/static/app.js"></script>
</body>
</html>
`
}

function errorPage(status: number, message: string, hint?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strata: ${status}</title><link rel="stylesheet" href="/static/app.css"></head><body><header><a class="brand" href="/">Strata</a></header><main><h1>${status}</h1><p class="error">${escapeHtml(message)}</p>${hint ? `<p class="muted">${escapeHtml(hint)}</p>` : ''}</main></body></html>`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new StrataError('usage', `"${segment.slice(0, 40)}" is not a valid path segment`, 'Percent-encode paths as a browser does.')
  }
}

function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '')
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]'
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) throw new StrataError('usage', 'request body too large', `At most ${MAX_BODY} bytes.`)
    chunks.push(chunk as Buffer)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch {
    throw new StrataError('usage', 'the request body is not JSON', 'Send e.g. {"selection": "+segments", "from": "2026-03-01", "to": "2026-03-07"}.')
  }
}

/** The bundled client: dist/ui-client next to dist/framework (or from the sources, the repository's dist/). */
function findClientDir(): URL {
  const candidates = [new URL('../../ui-client/', import.meta.url), new URL('../../dist/ui-client/', import.meta.url)]
  return candidates.find((candidate) => existsSync(fileURLToPath(new URL('app.js', candidate)))) ?? (candidates[0] as URL)
}

/** `load` at most once per `ttlMs`. */
function cached<T>(ttlMs: number, load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined
  let at = 0
  return () => {
    if (!value || Date.now() - at > ttlMs) {
      at = Date.now()
      value = load().catch((error: unknown) => {
        value = undefined
        throw error
      })
    }
    return value
  }
}
