import { writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

interface Entry {
  count: number
  ms: number
}

/**
 * Characters of a statement's shape that group it: a model's segments or drift query differs
 * further on by the model (its clusters, its bins), and is still one statement to read.
 */
const SHAPE_CHARS = 160

/**
 * A statement's shape: string literals as `'?'` and number literals as `?` (files, days and model
 * constants vary per call, not per shape), a 32-hex-digit suffix of a name (a table made per call,
 * e.g. raw's quarantine) as `_…`, whitespace collapsed.
 */
export function statementShape(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, "'?'")
    .replace(/_[0-9a-f]{32}\b/g, '_…')
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '?')
    .replace(/\s+/g, ' ')
    .trim()
}

/**
 * Wall time per SQL statement shape (statementShape, its first SHAPE_CHARS characters), for
 * finding what a run spends its time on (`STRATA_PROFILE_SQL=<file>`): the same query over
 * different files, days or models counts as one; nothing bound as a parameter is ever recorded.
 */
export class SqlProfile {
  private readonly entries = new Map<string, Entry>()

  async time<T>(sql: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now()
    try {
      return await work()
    } finally {
      const key = statementShape(sql).slice(0, SHAPE_CHARS)
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
