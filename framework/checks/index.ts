export { blocks, type AssetCheck, type CheckContext, type CheckResult } from './check.js'
export { notNull, uniqueKey, acceptedValues, valuesBetween, rowCountAtLeast, customSql } from './built-in/column-checks.js'
export { jsonSchema, reconciliation } from './built-in/json-schema-check.js'
export { failingRowsCheck, relationOf, type CheckOptions } from './built-in/sql-check.js'
