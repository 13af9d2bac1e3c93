export type { SqlEngine, SqlEngineOpener, SqlEngineOptions, SqlParams, SqlValue } from './sql-engine.js'
export { quoteIdent, readParquet, sqlString, sqlStringList } from './sql-text.js'
export { lazySqlEngine } from './lazy-sql-engine.js'
