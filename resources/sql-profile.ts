import { writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

interface Entry {
  count: number
  ms: number
}

/**
 * Wall time per SQL statement shape, for finding what a run spends its time on
 * (`STRATA_PROFILE_SQL=<file>`). Statements are grouped by their text with string literals
 * and exponent number literals replaced by `'?'` / `?`, so the same query over different files or
 * models counts as one; nothing bound as a
 * parameter is ever recorded.
 */
export class SqlProfile {
  private readonly entries = new Map<string, Entry>()

  async time<T>(sql: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now()
    try {
      return await work()
    } finally {
      // Model constants are written as exponent literals (1.5e+0): they vary per model, not per shape.
      const key = sql.replace(/'(?:[^']|'')*'/g, "'?'").replace(/\b\d+(?:\.\d+)?e[+-]?\d+\b/gi, '?').replace(/\s+/g, ' ').trim().slice(0, 160)
      const entry = this.entries.get(key) ?? { count: 0, ms: 0 }
      entry.count++
      entry.ms += performance.now() - started
      this.entries.set(key, entry)
    }
  }

  /** A table, slowest total first: seconds, calls, ms per call, statement. */
  report(): string {
    const rows = [...this.entries].sort((a, b) => b[1].ms - a[1].ms)
    const total = rows.reduce((sum, [, e]) => sum + e.ms, 0)
    const lines = rows.map(([sql, e]) => `${(e.ms / 1000).toFixed(2).padStart(8)} s ${String(e.count).padStart(6)} × ${(e.ms / e.count).toFixed(1).padStart(7)} ms  ${sql}`)
    return `SQL time ${(total / 1000).toFixed(1)} s in ${rows.reduce((n, [, e]) => n + e.count, 0)} statements (concurrent statements overlap)\n${lines.join('\n')}\n`
  }
}

let shared: SqlProfile | undefined

/**
 * The process's profile when `STRATA_PROFILE_SQL` names a file (else undefined): one profile for
 * every database the process opens, written to that file when the process exits.
 */
export function sqlProfileFromEnv(env: Readonly<Record<string, string | undefined>>): SqlProfile | undefined {
  const file = env.STRATA_PROFILE_SQL
  if (!file) return undefined
  if (!shared) {
    const profile = (shared = new SqlProfile())
    process.once('exit', () => writeFileSync(file, profile.report()))
  }
  return shared
}
