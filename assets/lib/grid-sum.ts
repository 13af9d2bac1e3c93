/**
 * Sums of doubles that do not depend on row order or DuckDB's thread scheduling. `sum` and even
 * `fsum` (Kahan-Babuska) over doubles combine per-thread partial sums in whatever order the
 * threads finish, so the last bits of a sum vary between runs. Each value is instead rounded to
 * a fixed grid of 2^-40 (about 1e-12) and the integers are summed exactly in HUGEINT: the same
 * multiset of values always gives the same bits. Values the grid cannot carry fall back to fsum
 * for their group: too large (|x| ≥ 2^60, where 2^100 per value keeps even 2^26 of them inside
 * HUGEINT), or non-zero and below 2^-10, where the grid would keep fewer than 31 bits of the
 * value and one below 2^-41 would become 0 (a customer's mean notional of 0 reads as "no
 * trades"). Money amounts that small do not occur in practice; when they do, they are summed in
 * full precision, and only their groups' last bits may then vary between runs.
 */
/** The grid step's inverse, 2^40, as SQL. */
export const GRID = '1099511627776.0'
/** Values at or above this (2^60) fall back to fsum, as SQL. */
export const LIMIT = '1152921504606846976.0'
/** Non-zero values below this (2^-10) fall back to fsum, as SQL. */
export const TINY = '0.0009765625'

/** An aggregate SQL expression: the order-free sum of the DOUBLE expression `x` (NULLs ignored, NULL for no rows). */
export function gridSumSql(x: string): string {
  const onGrid = onGridSql(x)
  return `(CASE WHEN count(${onGrid}) = count(${x}) THEN CAST(sum(${onGrid}) AS DOUBLE) / ${GRID} ELSE fsum(${x}) END)`
}

/** The grid integer of the DOUBLE expression `x` as HUGEINT, or NULL when the grid cannot carry it. */
export function onGridSql(x: string): string {
  return `CASE WHEN abs(${x}) < ${LIMIT} AND (${x} = 0 OR abs(${x}) >= ${TINY}) THEN CAST(round(${x} * ${GRID}) AS HUGEINT) END`
}
