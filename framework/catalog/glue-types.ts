import { StrataError } from '../errors/index.js'

const SIMPLE: Readonly<Record<string, string>> = {
  VARCHAR: 'string',
  TEXT: 'string',
  STRING: 'string',
  UUID: 'string',
  BIGINT: 'bigint',
  INT8: 'bigint',
  LONG: 'bigint',
  INTEGER: 'int',
  INT4: 'int',
  INT: 'int',
  SMALLINT: 'smallint',
  INT2: 'smallint',
  TINYINT: 'tinyint',
  INT1: 'tinyint',
  DOUBLE: 'double',
  FLOAT8: 'double',
  FLOAT: 'float',
  FLOAT4: 'float',
  REAL: 'float',
  BOOLEAN: 'boolean',
  BOOL: 'boolean',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  DATETIME: 'timestamp',
  TIMESTAMP_MS: 'timestamp',
  TIMESTAMP_NS: 'timestamp',
  TIMESTAMP_S: 'timestamp',
  'TIMESTAMP WITH TIME ZONE': 'timestamp',
  TIMESTAMPTZ: 'timestamp',
  BLOB: 'binary',
  BYTEA: 'binary',
  // Unsigned and huge integers have no Hive type of their own: a decimal holds every value.
  UTINYINT: 'smallint',
  USMALLINT: 'int',
  UINTEGER: 'bigint',
  UBIGINT: 'decimal(20,0)',
  HUGEINT: 'decimal(38,0)',
}

/**
 * The Glue/Hive type (as Athena reads Parquet) of a DuckDB column type, e.g. `VARCHAR` →
 * `string`, `DECIMAL(18,3)` → `decimal(18,3)`, `VARCHAR[]` → `array<string>`,
 * `STRUCT(a INTEGER, b VARCHAR)` → `struct<a:int,b:string>`, `MAP(VARCHAR, DOUBLE)` →
 * `map<string,double>`. Throws StrataError('aws') naming the column for a type Glue cannot hold.
 */
export function glueTypeOf(duckdbType: string, column = '?'): string {
  const type = duckdbType.trim()
  const upper = type.toUpperCase()
  const simple = SIMPLE[upper]
  if (simple) return simple
  if (upper.endsWith('[]')) return `array<${glueTypeOf(type.slice(0, -2), column)}>`
  const fixedList = /^(.*)\[\d+\]$/.exec(type)
  if (fixedList) return `array<${glueTypeOf(fixedList[1] as string, column)}>`
  const decimal = /^(?:DECIMAL|NUMERIC)\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(upper)
  if (decimal) return `decimal(${decimal[1]},${decimal[2]})`
  if (upper === 'DECIMAL' || upper === 'NUMERIC') return 'decimal(18,3)' // DuckDB's default precision
  const inner = /^(STRUCT|MAP)\s*\((.*)\)$/is.exec(type)
  if (inner) {
    const parts = splitTopLevel(inner[2] as string)
    if ((inner[1] as string).toUpperCase() === 'MAP') {
      if (parts.length !== 2) throw unsupported(duckdbType, column)
      return `map<${glueTypeOf(parts[0] as string, column)},${glueTypeOf(parts[1] as string, column)}>`
    }
    const fields = parts.map((part) => {
      const field = /^\s*("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)\s+(.+)$/s.exec(part)
      if (!field) throw unsupported(duckdbType, column)
      const name = (field[1] as string).startsWith('"') ? (field[1] as string).slice(1, -1).replace(/""/g, '"') : (field[1] as string)
      return `${name.toLowerCase()}:${glueTypeOf(field[2] as string, column)}`
    })
    return `struct<${fields.join(',')}>`
  }
  throw unsupported(duckdbType, column)
}

function unsupported(type: string, column: string): StrataError {
  return new StrataError('aws', `column ${column} has type ${type.slice(0, 80)}, which the Glue catalog cannot describe`, 'Cast the column to a plain type (VARCHAR, BIGINT, DOUBLE, DECIMAL, DATE, TIMESTAMP, lists of these) in the asset.')
}

/** Split `a INTEGER, b DECIMAL(9,2), c STRUCT(x INT)` on the commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quoted = false
  let current = ''
  for (const char of text) {
    if (char === '"') quoted = !quoted
    if (!quoted && char === '(') depth++
    if (!quoted && char === ')') depth--
    if (!quoted && depth === 0 && char === ',') {
      parts.push(current.trim())
      current = ''
    } else current += char
  }
  if (current.trim()) parts.push(current.trim())
  return parts
}
