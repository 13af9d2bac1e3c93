import type { AssetCheck } from '../check.js'
import { failingRowsCheck, quoteIdent, relationOf, type CheckOptions } from './sql-check.js'

/**
 * Every row has a value in `column`. A failure counts the null rows and keeps five of them.
 *
 * @example
 * checks: [notNull('order_id'), notNull('customer', { severity: 'warn', blocking: false })]
 */
export function notNull(column: string, options: CheckOptions = {}): AssetCheck {
  const c = quoteIdent(column)
  return failingRowsCheck(`not_null_${column}`, `${column} is never null`, options, (rel) => ({ sql: `SELECT * FROM ${rel} WHERE ${c} IS NULL` }), `${column} is never null`, (n) => `${n} rows have a null ${column}`)
}

/**
 * No two rows share the key (one or more columns). A failure counts the key values that occur
 * more than once and shows them with their number of copies.
 *
 * A one-column key whose values strictly increase in file order is unique without grouping: that
 * is checked first, in one ordered pass (a third of the grouping's CPU on a million ids, and
 * assets that write in key order are the usual case); otherwise the grouping decides.
 *
 * @example
 * checks: [uniqueKey('customer_id')]
 * checks: [uniqueKey(['customer_id', 'ts', 'channel'], { file: 'trades.parquet' })]
 */
export function uniqueKey(columns: string | readonly string[], options: CheckOptions = {}): AssetCheck {
  const list = typeof columns === 'string' ? [columns] : [...columns]
  const cols = list.map(quoteIdent).join(', ')
  const passMessage = `(${list.join(', ')}) is unique`
  const grouped = failingRowsCheck(`unique_${list.join('_')}`, passMessage, options, (rel) => ({ sql: `SELECT ${cols}, count(*) AS copies FROM ${rel} GROUP BY ALL HAVING count(*) > 1` }), passMessage, (n) => `${n} key values occur more than once`)
  if (list.length !== 1) return grouped
  return {
    ...grouped,
    async run(context) {
      const [row] = await context.duckdb.all<{ n: bigint }>(
        `SELECT count(*) FILTER (WHERE ${cols} IS NULL OR ${cols} <= previous) AS n FROM (SELECT ${cols}, lag(${cols}) OVER () AS previous FROM ${relationOf(context, options.file)})`,
      )
      return row?.n === 0n ? { passed: true, message: passMessage } : grouped.run(context)
    },
  }
}

/**
 * Every non-null value of `column` is one of `values`. Numbers are compared as numbers (so a
 * DOUBLE 1.0 matches 1), anything else as text; DuckDB's `list_contains` needs one element type.
 * The values are bound as one list parameter, never spliced into the SQL.
 *
 * @example
 * checks: [acceptedValues('segment', ['digital_native', 'digital_adopter', 'hybrid', 'traditional'])]
 * checks: [acceptedValues('rating', [1, 2, 3, 4, 5])]
 */
export function acceptedValues(column: string, values: readonly (string | number)[], options: CheckOptions = {}): AssetCheck {
  const c = quoteIdent(column)
  const numeric = values.length > 0 && values.every((value) => typeof value === 'number')
  const probe = numeric ? `list_contains($1::DOUBLE[], TRY_CAST(${c} AS DOUBLE))` : `list_contains($1::VARCHAR[], CAST(${c} AS VARCHAR))`
  return failingRowsCheck(
    `accepted_values_${column}`,
    `${column} is one of ${values.join(', ')}`,
    options,
    (rel) => ({ sql: `SELECT ${c}, count(*) AS row_count FROM ${rel} WHERE ${c} IS NOT NULL AND NOT coalesce(${probe}, false) GROUP BY ALL`, params: [numeric ? values : values.map(String)] }),
    `${column} only holds accepted values`,
    (n) => `${n} distinct values of ${column} are not accepted`,
  )
}

/**
 * Every non-null value of `column` lies in [min, max], both inclusive; the bounds are bound
 * parameters.
 *
 * @example
 * // cdi_scores: the CDI is a score from 0 to 100 (SPEC §4)
 * checks: [uniqueKey('customer_id'), notNull('cdi'), valuesBetween('cdi', 0, 100)]
 */
export function valuesBetween(column: string, min: number, max: number, options: CheckOptions = {}): AssetCheck {
  const c = quoteIdent(column)
  return failingRowsCheck(
    `values_between_${column}`,
    `${column} is between ${min} and ${max}`,
    options,
    (rel) => ({ sql: `SELECT * FROM ${rel} WHERE ${c} < $1 OR ${c} > $2`, params: [min, max] }),
    `${column} lies in [${min}, ${max}]`,
    (n) => `${n} rows have ${column} outside [${min}, ${max}]`,
  )
}

/**
 * At least `min` rows: catches the empty day that every other check would pass. With `file`,
 * counts the rows of that one Parquet file of a multi-table partition.
 *
 * @example
 * checks: [rowCountAtLeast(1), notNull('order_id')]
 * checks: [rowCountAtLeast(1000, { file: 'trades.parquet', severity: 'warn' })]
 */
export function rowCountAtLeast(min: number, options: CheckOptions = {}): AssetCheck {
  return {
    name: `row_count_at_least_${min}`,
    description: `at least ${min} rows`,
    severity: options.severity ?? 'error',
    blocking: options.blocking ?? true,
    async run(context) {
      const files = options.file ? context.parquetFiles.filter((path) => path.endsWith(`/${options.file}`)) : context.parquetFiles
      const [row] = files.length === 0 ? [{ n: 0n }] : await context.duckdb.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet($1, union_by_name = true)`, [files])
      const n = Number(row?.n ?? 0)
      return n >= min ? { passed: true, message: `${n} rows (≥ ${min})` } : { passed: false, failingCount: min - n, message: `only ${n} rows, fewer than ${min}` }
    },
  }
}

/**
 * A custom SQL check: `sql(relation)` selects the failing rows of the partition, where
 * `relation` is a `read_parquet(...)` over its files. The engine counts them and keeps five
 * as the sample, so a rule no built-in check covers is one SELECT.
 *
 * @example
 * customSql('amount_positive', 'every order has a positive amount', (orders) => `SELECT * FROM ${orders} WHERE amount <= 0`)
 */
export function customSql(name: string, description: string, sql: (relation: string) => string, options: CheckOptions = {}): AssetCheck {
  return failingRowsCheck(name, description, options, (rel) => ({ sql: sql(rel) }), description, (n) => `${n} rows fail: ${description}`)
}
