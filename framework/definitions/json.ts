/**
 * A JSON value: what metadata, manifests and run records hold. Typing metadata this way keeps
 * `bigint`, `Date` and `undefined` out of what is written to a manifest, where JSON.stringify
 * would throw on them or drop them silently.
 *
 * @example
 * const [row] = await resources.sql.all<{ n: bigint }>('SELECT count(*) AS n FROM orders')
 * const rows: JsonValue = Number(row?.n ?? 0) // a bigint is not a JsonValue: convert it
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
/**
 * A JSON object: the metadata an asset returns in `MaterializeResult`, and what a check reads
 * back from the manifest.
 *
 * @example
 * const metadata: JsonObject = { rows_read: 5, per_customer: { alice: 2, bob: 2, carol: 1 } }
 * return { metadata }
 */
export type JsonObject = { [key: string]: JsonValue }

/**
 * True for a plain object (not null, not an array): what a JSON document's objects are once
 * parsed.
 *
 * @example
 * const aws = isJsonObject(config.aws) ? config.aws : {}
 */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
