import { DuckDBInstance, listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api'
import type { SqlProfile } from './sql-profile.js'

export type SqlParams = DuckDBValue[] | Record<string, DuckDBValue>

/**
 * The narrow DuckDB surface assets and the engine use. Values are always bound parameters;
 * identifiers and file paths that must appear in SQL text go through `quoteIdent` / `sqlString`.
 */
export interface DuckDb {
  run(sql: string, params?: SqlParams): Promise<void>
  /** Rows as plain JS objects (BIGINT → bigint, DATE → Date, DOUBLE → number). */
  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>
  /** Rows as JSON-safe objects (BIGINT → string, DATE → 'YYYY-MM-DD'). */
  json<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>
  /** Column names and DuckDB types of a query. */
  describe(sql: string, params?: SqlParams): Promise<{ name: string; type: string }[]>
  /** A fresh connection on the same database, e.g. to keep temp tables private to a step. */
  connect(): Promise<DuckDb>
  close(): void
}

export interface DuckDbOptions {
  /** Database file, or ':memory:' (default). */
  path?: string
  threads?: number
  memoryLimit?: string
  /** Where DuckDB spills when a query exceeds memory. */
  tempDirectory?: string
  /** Records the time of every statement run through this database (see sql-profile.ts). */
  profile?: SqlProfile
}

/** Open an embedded DuckDB. The only place a DuckDB instance is created. */
export async function openDuckDb(options: DuckDbOptions = {}): Promise<DuckDb> {
  const config: Record<string, string> = {}
  if (options.threads) config.threads = String(options.threads)
  if (options.memoryLimit) config.memory_limit = options.memoryLimit
  if (options.tempDirectory) config.temp_directory = options.tempDirectory
  const instance = await DuckDBInstance.create(options.path ?? ':memory:', config)
  return wrap(instance, await instance.connect(), options.profile)
}

/** The connection behind each wrapper, for helpers that need the driver (see `appendRows`). */
const connections = new WeakMap<DuckDb, DuckDBConnection>()

function wrap(instance: DuckDBInstance, connection: DuckDBConnection, profile: SqlProfile | undefined): DuckDb {
  const timed = <T>(sql: string, work: () => Promise<T>): Promise<T> => (profile ? profile.time(sql, work) : work())
  const db: DuckDb = {
    async run(sql, params) {
      await timed(sql, () => connection.run(sql, params))
    },
    async all<T>(sql: string, params?: SqlParams) {
      const reader = await timed(sql, () => connection.runAndReadAll(sql, params))
      return reader.getRowObjectsJS() as T[]
    },
    async json<T>(sql: string, params?: SqlParams) {
      const reader = await timed(sql, () => connection.runAndReadAll(sql, params))
      return reader.getRowObjectsJson() as T[]
    },
    async describe(sql, params) {
      const reader = await connection.runAndReadAll(`DESCRIBE ${sql}`, params)
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
 * each value to its column's type. A function rather than a `DuckDb` method, so implementations of
 * the interface elsewhere need not change.
 *
 * @example
 * await db.run('CREATE TEMP TABLE t (line BIGINT, v VARCHAR)')
 * await appendRows(db, 't', [[1, 'a'], [2, null]])
 */
export async function appendRows(
  db: DuckDb,
  table: string,
  rows: Iterable<readonly AppendValue[]> | AsyncIterable<Iterable<readonly AppendValue[]>>,
): Promise<number> {
  const connection = connections.get(db)
  if (!connection) throw new Error('appendRows needs a DuckDb opened by openDuckDb()')
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

/** Quote an identifier for DuckDB SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** A SQL string literal, for the few places DuckDB takes no parameter (file paths in COPY / read_*). */
export function sqlString(value: string): string {
  if (value.includes('\0')) throw new Error('NUL byte in SQL string literal')
  return `'${value.replace(/'/g, "''")}'`
}

/** A SQL list of string literals, e.g. for `read_parquet([...])`. */
export function sqlStringList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`
}

/** A list bound as one parameter, e.g. `list_contains($1, col)` or `read_parquet($1)`. */
export function listParam(values: readonly (string | number)[]): DuckDBValue {
  return listValue([...values])
}

/** A DuckDb that opens on first use: checks and measurements that never query cost nothing. */
export function lazyDuckDb(open: () => Promise<DuckDb>): DuckDb {
  let db: Promise<DuckDb> | undefined
  const get = () => (db ??= open())
  return {
    run: async (sql, params) => (await get()).run(sql, params),
    all: async <T>(sql: string, params?: SqlParams) => (await get()).all<T>(sql, params),
    json: async <T>(sql: string, params?: SqlParams) => (await get()).json<T>(sql, params),
    describe: async (sql, params) => (await get()).describe(sql, params),
    connect: async () => (await get()).connect(),
    close: () => {
      if (db) void db.then((opened) => opened.close())
    },
  }
}

/**
 * `read_parquet([...])` over our own files. Hive partitioning is off: the `dt=` folder is the
 * partition, not a column of its rows.
 */
export function readParquet(files: readonly string[]): string {
  return `read_parquet(${sqlStringList(files)}, hive_partitioning = false, union_by_name = true)`
}
