import { StrataError } from '../../framework/errors/index.js'

/**
 * A double as SQL text that DuckDB parses back to the same double. A bare 0.1 would be DECIMAL;
 * a literal with an exponent is a DOUBLE, and JavaScript writes the shortest digits that read back
 * to the same double. `CAST('0.1' AS DOUBLE)` would do too, but DuckDB does not fold that cast into
 * a constant: it re-casts the string for every vector, which made the segment arithmetic ~1.5×
 * slower. -0 keeps its sign through the cast (a negated 0e+0 literal might be folded to +0).
 *
 * @example
 * doubleLiteral(0.1) // '1e-1'
 * doubleLiteral(-2.5) // '(-2.5e+0)'
 */
export function doubleLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new StrataError('compute', `cannot write ${value} as a SQL number`)
  if (Object.is(value, -0)) return `CAST('-0' AS DOUBLE)`
  const text = Math.abs(value).toExponential()
  return value < 0 ? `(-${text})` : text
}
