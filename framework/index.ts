/**
 * Strata's public API: what a definitions module imports to declare assets, partitions and their
 * mappings, checks, resources and schedules, and what a composition root needs to run the CLI.
 * Anything not exported here is the engine's own and may change.
 *
 * @example
 * import { daily, defineAsset, defineDefinitions, sameDay } from 'strata'
 *
 * export default defineDefinitions({
 *   assets: [
 *     defineAsset({ key: 'orders', description: 'the day’s orders', partitions: daily({ start: '2026-11-01' }), codeVersion: '1', materialize: loadOrders }),
 *     defineAsset({ key: 'totals', description: 'totals per day', partitions: daily({ start: '2026-11-01' }), deps: { orders: sameDay() }, codeVersion: '1', materialize: sumOrders }),
 *   ],
 * })
 *
 * @packageDocumentation
 */

// Assets and the definitions that hold them
export { defineAsset } from './definitions/define-asset.js'
export { defineDefinitions } from './definitions/definitions.js'
export type { AssetContext, AssetDefinition, AssetDependency, AssetSpec, FreshnessPolicy, InputPartition, MaterializeResult, ShowRequest, ShowSource } from './definitions/asset-definition.js'
export type { CommandContext, CommandDefinition, Definitions, DefinitionsSpec, ResourceScope, ResourcesContext } from './definitions/definitions.js'
export type { JsonObject, JsonValue } from './definitions/json.js'
export type { Logger } from './definitions/logger.js'

// Partitions and how a partition maps to its upstream partitions
export { daily, type DailyOptions } from './partitions/daily.js'
export { weekly, type WeeklyOptions } from './partitions/weekly.js'
export { unpartitioned } from './partitions/unpartitioned.js'
export type { DateKey } from './partitions/date-key.js'
export type { PartitionKey, PartitionsDefinition } from './partitions/partitions-definition.js'
export type { PartitionMapping } from './partitions/mappings/partition-mapping.js'
export { sameDay } from './partitions/mappings/same-day.js'
export { lookback } from './partitions/mappings/lookback.js'
export { previous } from './partitions/mappings/previous.js'
export { weekOf } from './partitions/mappings/week-of.js'
export { previousWeekOnMonday } from './partitions/mappings/previous-week-on-monday.js'
export { daysBeforeWeek } from './partitions/mappings/days-before-week.js'
export { allPartitions } from './partitions/mappings/all-partitions.js'

// Checks that run after each materialization (failed blocking ones stop the downstream steps)
export type { AssetCheck, CheckContext, CheckResult } from './checks/check.js'
export { acceptedValues, customSql, notNull, rowCountAtLeast, uniqueKey, valuesBetween } from './checks/built-in/column-checks.js'
export { jsonSchema, reconciliation } from './checks/built-in/json-schema-check.js'
export type { CheckOptions } from './checks/built-in/sql-check.js'

// Schedules and observed sources
export { defineSchedule, type CatchUpPolicy, type ScheduleDefinition } from './schedules/schedule-definition.js'
export type { ObservedSource, SourceFile } from './sources/observed-source.js'

// SQL: the engine's SQL interface and the text helpers for what cannot be a bound parameter
export type { SqlEngine, SqlEngineOpener, SqlEngineOptions, SqlParams, SqlValue } from './sql/sql-engine.js'
export { quoteIdent, readParquet, sqlString } from './sql/sql-text.js'

// Errors
export { StrataError, type ErrorCode } from './errors/strata-error.js'

// The composition root: run the CLI over your definitions and a platform
export { runCli } from './cli/run-cli.js'
export { processIo, type CliIo } from './cli/cli-io.js'
export type { StrataApp } from './cli/command-kit.js'
export type { Platform } from './platform/platform.js'
export type { ObjectStore } from './storage/object-store.js'
