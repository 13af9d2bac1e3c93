import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { mulberry32 } from '../../assets/lib/mulberry32.js'

/** What the proxy can do to one request. */
export type FaultKind = 'pass' | 'error500' | 'error503' | 'slow' | 'resetBefore' | 'resetAfter' | 'truncate'

/** Probabilities of each fault per request (the rest pass); all default 0. */
export interface FaultRates {
  readonly error500?: number
  readonly error503?: number
  /** Delay the request by 50..`slowMs` ms, then pass it. */
  readonly slow?: number
  /** Drop the connection before the request reaches the server (the operation did not happen). */
  readonly resetBefore?: number
  /** Let the server do it, then drop the connection before the answer (the outcome is unknown to the client). */
  readonly resetAfter?: number
  /** Send the headers (with the full Content-Length) and half the body, then drop the connection. */
  readonly truncate?: number
}

export interface FaultProxyOptions {
  /** `http://127.0.0.1:<port>` of the real server. */
  readonly target: string
  readonly seed: number
  readonly rates: FaultRates
  readonly slowMs?: number
  /** After this many requests every request passes (bounds a soak); default unlimited. */
  readonly maxFaultyRequests?: number
  /**
   * Honour `If-None-Match: *` on PUT as real S3 does (s3rver ignores it): answer 412
   * PreconditionFailed when the key exists. Conditional PUTs of one key are serialised, so the
   * check and the write are atomic for concurrent requests. Default false.
   */
  readonly conditionalWrites?: boolean
  /** Sees every request as it arrives (method, path with query, headers), e.g. to assert the headers of each write. */
  readonly observe?: (request: { readonly method: string; readonly url: string; readonly headers: IncomingMessage['headers'] }) => void
}

/** A running fault-injecting proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point the S3 client here. */
  readonly endpoint: string
  /** Requests seen, faults injected by kind, and conditional PUTs refused with 412. */
  readonly stats: { requests: number; faults: Record<FaultKind, number>; preconditionFailed: number }
  /** Turn faults on or off (a "rerun" after an outage). */
  setEnabled(enabled: boolean): void
  stop(): Promise<void>
}

const KINDS: readonly Exclude<FaultKind, 'pass'>[] = ['error500', 'error503', 'slow', 'resetBefore', 'resetAfter', 'truncate']

function s3ErrorBody(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId></Error>`
}

/**
 * A plain node:http proxy on 127.0.0.1 in front of an S3-compatible server that injects faults
 * at random (seeded): 500 InternalError, 503 SlowDown, slow answers, connection resets before and
 * after the server acted, and truncated bodies. Headers pass untouched (the Host header is the
 * proxy's, which is what the client signed), so SigV4 still verifies at the server.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = mulberry32(options.seed)
  const target = new URL(options.target)
  const slowMs = options.slowMs ?? 400
  const stats = { requests: 0, faults: { pass: 0, error500: 0, error503: 0, slow: 0, resetBefore: 0, resetAfter: 0, truncate: 0 } as Record<FaultKind, number>, preconditionFailed: 0 }
  /** The tail of the conditional PUTs in flight per object path. */
  const conditionalTails = new Map<string, Promise<void>>()
  let enabled = true
  const sockets = new Set<Socket>()

  const pick = (): FaultKind => {
    const n = ++stats.requests
    if (!enabled || (options.maxFaultyRequests !== undefined && n > options.maxFaultyRequests)) return 'pass'
    let roll = random()
    for (const kind of KINDS) {
      const rate = options.rates[kind] ?? 0
      if (roll < rate) return kind
      roll -= rate
    }
    return 'pass'
  }

  /** Whether the object at `path` (`/bucket/key`, path style) exists: an unsigned HEAD, which s3rver allows. */
  const exists = (path: string): Promise<boolean> =>
    new Promise((resolve, reject) => {
      const head = httpRequest({ host: target.hostname, port: target.port, method: 'HEAD', path }, (answer) => {
        answer.resume()
        resolve(answer.statusCode === 200)
      })
      head.on('error', reject)
      head.end()
    })

  /** A conditional PUT: refused with 412 when the key exists, else forwarded; one at a time per key. */
  const conditionalPut = (req: IncomingMessage, res: ServerResponse, kind: FaultKind): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const previous = conditionalTails.get(path) ?? Promise.resolve()
    const turn = previous.then(async () => {
      if (await exists(path)) {
        stats.preconditionFailed++
        const body = s3ErrorBody('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold')
        req.resume()
        await new Promise<void>((resolve) => req.on('end', resolve))
        res.writeHead(412, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) })
        res.end(body)
        return
      }
      // The next conditional PUT of this key waits until this one's answer is complete (written).
      await new Promise<void>((resolve) => {
        res.on('close', resolve)
        forward(req, res, kind)
      })
    })
    const tail = turn.catch(() => {
      req.socket.destroy()
    })
    conditionalTails.set(path, tail)
    void tail.then(() => {
      if (conditionalTails.get(path) === tail) conditionalTails.delete(path)
    })
  }

  const forward = (req: IncomingMessage, res: ServerResponse, kind: FaultKind): void => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (kind === 'resetAfter') {
          answer.resume()
          answer.on('end', () => req.socket.destroy())
          return
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        if (kind !== 'truncate') {
          answer.pipe(res)
          return
        }
        const chunks: Buffer[] = []
        answer.on('data', (chunk: Buffer) => chunks.push(chunk))
        answer.on('end', () => {
          const body = Buffer.concat(chunks)
          if (body.length < 2) {
            // Nothing to cut: drop the connection instead.
            req.socket.destroy()
            return
          }
          res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => req.socket.destroy(), 5))
        })
      },
    )
    upstream.on('error', () => req.socket.destroy())
    req.pipe(upstream)
  }

  const server = createServer((req, res) => {
    options.observe?.({ method: req.method ?? '', url: req.url ?? '/', headers: req.headers })
    const kind = pick()
    stats.faults[kind]++
    switch (kind) {
      case 'error500':
      case 'error503': {
        // Drain the body first, so the client is not cut off while still sending.
        req.resume()
        req.on('end', () => {
          const body = kind === 'error500' ? s3ErrorBody('InternalError', 'We encountered an internal error. Please try again.') : s3ErrorBody('SlowDown', 'Please reduce your request rate.')
          res.writeHead(kind === 'error500' ? 500 : 503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) })
          res.end(body)
        })
        return
      }
      case 'resetBefore':
        req.socket.destroy()
        return
      case 'slow':
        setTimeout(() => forward(req, res, 'pass'), 50 + Math.floor(random() * slowMs))
        return
      default:
        if (options.conditionalWrites && req.method === 'PUT' && req.headers['if-none-match'] === '*') conditionalPut(req, res, kind)
        else forward(req, res, kind)
    }
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    setEnabled(value) {
      enabled = value
    },
    async stop() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
