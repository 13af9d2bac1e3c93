/**
 * A value bound to a SQL parameter. An array binds as one list parameter, e.g.
 * `list_contains($1, col)` or `read_parquet($1)`. Binding values, never splicing them into the
 * text, is what keeps a customer name or a partition key from becoming SQL.
 *
 * @example
 * const since: SqlValue = new Date('2026-11-01T00:00:00Z')
 * await db.all('SELECT * FROM read_parquet($1) WHERE ordered_at >= $2', [files, since])
 */
export type SqlValue = string | number | bigint | boolean | null | Date | readonly (string | number)[]

/**
 * Positional (`$1`) or named (`$name`) parameters of a statement.
 *
 * @example
 * await db.all('SELECT * FROM read_parquet($1) WHERE amount > $2', [files, 10])
 * await db.all('SELECT * FROM read_parquet($files) WHERE customer = $customer', { files, customer: 'alice' })
 */
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>

/**
 * The SQL engine the engine and the assets query: DuckDB's dialect (`read_parquet`, `COPY`),
 * implemented in `resources/duckdb.ts`. Values are always bound parameters; identifiers and file
 * paths that must appear in SQL text go through `quoteIdent` / `sqlString` (./sql-text.ts).
 *
 * @example
 * const rows = await db.all<{ n: bigint }>('SELECT count(*) AS n FROM read_parquet($1)', [files])
 */
export interface SqlEngine {
  run(sql: string, params?: SqlParams): Promise<void>
  /** Rows as plain JS objects (BIGINT → bigint, DATE → Date, DOUBLE → number). */
  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>
  /** Rows as JSON-safe objects (BIGINT → string, DATE → 'YYYY-MM-DD'). */
  json<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>
  /** Column names and types of a query. */
  describe(sql: string, params?: SqlParams): Promise<{ name: string; type: string }[]>
  /** A fresh connection on the same database, e.g. to keep temp tables private to a step. */
  connect(): Promise<SqlEngine>
  close(): void
}

/**
 * How to open a SQL engine: embedded and in memory unless a path is given. Threads and memory
 * bound what one invocation takes from a shared machine or a Fargate task.
 *
 * @example
 * const sql = await openSqlEngine({ threads: 2, memoryLimit: '2GB', tempDirectory: '/tmp/strata-spill' })
 */
export interface SqlEngineOptions {
  /** Database file, or ':memory:' (default). */
  readonly path?: string
  readonly threads?: number
  readonly memoryLimit?: string
  /** Where the engine spills when a query exceeds memory. */
  readonly tempDirectory?: string
  /** The environment, for opt-in diagnostics such as `STRATA_PROFILE_SQL`. */
  readonly env?: Readonly<Record<string, string | undefined>>
}

/**
 * Opens a SQL engine; the composition root passes the DuckDB one (`resources/duckdb.ts`), and
 * `openResources` receives it, so a definitions module queries Parquet without depending on a
 * DuckDB driver of its own.
 *
 * @example
 * async openResources({ openSqlEngine }: { openSqlEngine: SqlEngineOpener }) {
 *   const sql = await openSqlEngine()
 *   return { resources: { sql }, async close() { sql.close() } }
 * }
 */
export type SqlEngineOpener = (options?: SqlEngineOptions) => Promise<SqlEngine>
