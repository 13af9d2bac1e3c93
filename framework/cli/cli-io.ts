/**
 * The CLI's streams and environment, passed in so tests drive it without spawning: a command
 * reads `env` and `cwd` from here, never from `process`.
 *
 * @example
 * let out = ''
 * const io: CliIo = { stdout: { write: (text: string) => (out += text) }, stderr: { write: () => true }, env: { STRATA_STORAGE: dataDir }, cwd: projectDir }
 * const code = await runCli(['status', '--json'], io, app)
 * JSON.parse(out)
 */
export interface CliIo {
  readonly stdout: CliStream
  readonly stderr: CliStream
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  /** Aborted on Ctrl-C / SIGTERM. */
  readonly signal?: AbortSignal
}

/** An output stream: text in; on a terminal its width. */
export interface CliStream {
  write(text: string): unknown
  readonly isTTY?: boolean
  readonly columns?: number
}

/**
 * The process's own io (what bin/strata.js passes), with both streams safe on a closed pipe.
 * Pass the signal of an AbortController that SIGINT/SIGTERM abort, so a run stops starting
 * new steps and lets the running ones finish.
 *
 * @example
 * const controller = new AbortController()
 * process.on('SIGINT', () => controller.abort())
 * process.exitCode = await runCli(process.argv.slice(2), processIo(controller.signal), app)
 */
export function processIo(signal?: AbortSignal): CliIo {
  return { stdout: pipeSafe(process.stdout), stderr: pipeSafe(process.stderr), env: process.env, cwd: process.cwd(), ...(signal ? { signal } : {}) }
}

/**
 * A stream that goes quiet when its reader goes away (`strata show … | head -2`): the EPIPE is
 * swallowed and later writes are dropped, as `git log | head` does, instead of an unhandled
 * 'error' event and a Node stack. The command itself finishes normally (a run is not cut short
 * because nobody reads its summary).
 */
export function pipeSafe(stream: NodeJS.EventEmitter & { write(text: string): boolean; readonly isTTY?: boolean; readonly columns?: number }): CliStream {
  let closed = false
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') closed = true
    else throw error
  })
  return {
    write: (text: string) => {
      if (closed) return false
      try {
        return stream.write(text)
      } catch (error) {
        // A synchronous EPIPE (a pipe closed between writes on some platforms).
        if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error
        closed = true
        return false
      }
    },
    get isTTY() {
      return stream.isTTY === true
    },
    get columns() {
      return stream.columns
    },
  }
}

/** An in-memory CliIo for tests: captured stdout/stderr text. */
export function captureIo(env: Record<string, string | undefined> = {}, cwd = process.cwd()): CliIo & { out(): string; err(): string } {
  let out = ''
  let err = ''
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env,
    cwd,
    out: () => out,
    err: () => err,
  }
}
