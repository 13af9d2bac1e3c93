import { DuckDBInstance, listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api'
import type { SqlEngine, SqlEngineOptions, SqlParams, SqlValue } from '../framework/sql/index.js'
import { sqlProfileFromEnv, type SqlProfile } from './sql-profile.js'

/** What `openDuckDb` takes: the engine's options, and a profile (by default from `STRATA_PROFILE_SQL` in `env`). */
export interface DuckDbOptions extends SqlEngineOptions {
  /** Records the time of every statement run through this database (see sql-profile.ts). */
  readonly profile?: SqlProfile | undefined
}

/** Open an embedded DuckDB. The only place a DuckDB instance is created. */
export async function openDuckDb(options: DuckDbOptions = {}): Promise<SqlEngine> {
  const config: Record<string, string> = {}
  if (options.threads) config.threads = String(options.threads)
  if (options.memoryLimit) config.memory_limit = options.memoryLimit
  if (options.tempDirectory) config.temp_directory = options.tempDirectory
  const instance = await DuckDBInstance.create(options.path ?? ':memory:', config)
  return wrap(instance, await instance.connect(), options.profile ?? (options.env ? sqlProfileFromEnv(options.env) : undefined))
}

/** The connection behind each wrapper, for helpers that need the driver (see `appendRows`). */
const connections = new WeakMap<SqlEngine, DuckDBConnection>()

/** Arrays bind as DuckDB lists; everything else as it is. */
function bind(params: SqlParams | undefined): DuckDBValue[] | Record<string, DuckDBValue> | undefined {
  if (params === undefined) return undefined
  const value = (v: SqlValue): DuckDBValue => (Array.isArray(v) ? listValue([...(v as readonly (string | number)[])]) : (v as DuckDBValue))
  return Array.isArray(params) ? (params as readonly SqlValue[]).map(value) : Object.fromEntries(Object.entries(params).map(([k, v]) => [k, value(v as SqlValue)]))
}

function wrap(instance: DuckDBInstance, connection: DuckDBConnection, profile: SqlProfile | undefined): SqlEngine {
  const timed = <T>(sql: string, work: () => Promise<T>): Promise<T> => (profile ? profile.time(sql, work) : work())
  const db: SqlEngine = {
    async run(sql, params) {
      await timed(sql, () => connection.run(sql, bind(params)))
    },
    async all<T>(sql: string, params?: SqlParams) {
      const reader = await timed(sql, () => connection.runAndReadAll(sql, bind(params)))
      return reader.getRowObjectsJS() as T[]
    },
    async json<T>(sql: string, params?: SqlParams) {
      const reader = await timed(sql, () => connection.runAndReadAll(sql, bind(params)))
      return reader.getRowObjectsJson() as T[]
    },
    async describe(sql, params) {
      const reader = await connection.runAndReadAll(`DESCRIBE ${sql}`, bind(params))
      return (reader.getRowObjectsJS() as { column_name: string; column_type: string }[]).map((r) => ({ name: r.column_name, type: r.column_type }))
    },
    async connect() {
      return wrap(instance, await instance.connect(), profile)
    },
    close() {
      connection.closeSync()
    },
  }
  connections.set(db, connection)
  return db
}

/** A value for `appendRows`: strings, whole numbers (BIGINT), other numbers (DOUBLE), or NULL. */
export type AppendValue = string | number | bigint | null

/**
 * Bulk-load rows into an existing table (temp tables included) through DuckDB's appender, which is
 * far faster than INSERTs. `rows` is either rows, or an async source of row batches (e.g. one
 * batch per chunk of a file). Each row holds one value per table column, in column order; DuckDB casts
 * each value to its column's type. A function rather than a `SqlEngine` method, so implementations of
 * the interface elsewhere need not change.
 *
 * @example
 * await db.run('CREATE TEMP TABLE t (line BIGINT, v VARCHAR)')
 * await appendRows(db, 't', [[1, 'a'], [2, null]])
 */
export async function appendRows(
  db: SqlEngine,
  table: string,
  rows: Iterable<readonly AppendValue[]> | AsyncIterable<Iterable<readonly AppendValue[]>>,
): Promise<number> {
  const connection = connections.get(db)
  if (!connection) throw new Error('appendRows needs a SqlEngine opened by openDuckDb()')
  const appender = await connection.createAppender(table)
  let count = 0
  try {
    // One appender for the whole load: flushing often (e.g. per file chunk) costs more than the
    // appends. An async source yields batches, so there is one await per batch, not per row.
    const batches: Iterable<Iterable<readonly AppendValue[]>> | AsyncIterable<Iterable<readonly AppendValue[]>> =
      Symbol.asyncIterator in rows ? rows : [rows]
    for await (const batch of batches) {
      for (const row of batch) {
        for (const value of row) {
          if (value === null) appender.appendNull()
          else if (typeof value === 'string') appender.appendVarchar(value)
          else if (typeof value === 'bigint') appender.appendBigInt(value)
          else if (Number.isSafeInteger(value)) appender.appendBigInt(BigInt(value))
          else appender.appendDouble(value)
        }
        appender.endRow()
        count++
      }
    }
    appender.flushSync()
  } finally {
    appender.closeSync()
  }
  return count
}
