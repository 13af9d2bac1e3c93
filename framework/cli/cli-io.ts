/** The CLI's streams and environment, passed in so tests drive it without spawning. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean }
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean }
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  /** Aborted on Ctrl-C / SIGTERM. */
  readonly signal?: AbortSignal
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
