import type { SqlEngine, SqlParams } from './sql-engine.js'

/** A SQL engine that opens on first use: checks and measurements that never query cost nothing. */
export function lazySqlEngine(open: () => Promise<SqlEngine>): SqlEngine {
  let db: Promise<SqlEngine> | undefined
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
