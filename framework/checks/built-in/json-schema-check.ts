import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Ajv, type AnySchema } from 'ajv'
import type { AssetCheck } from '../check.js'
import type { CheckOptions } from './sql-check.js'

/**
 * A JSON document of the partition (e.g. `report.json`) conforms to a JSON Schema (ajv,
 * compiled once at load, so a bad schema fails when the definitions load). A missing or
 * unparseable document fails the check with a message saying which; up to five schema errors
 * are reported with their paths.
 *
 * @example
 * checks: [
 *   jsonSchema('report.json', {
 *     type: 'object',
 *     required: ['status', 'cdi_psi'],
 *     properties: { status: { enum: ['ok', 'warn', 'alert'] }, cdi_psi: { type: 'number', minimum: 0 } },
 *   }),
 * ]
 */
export function jsonSchema(file: string, schema: AnySchema, options: CheckOptions = {}): AssetCheck {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema)
  return {
    name: `json_schema_${file.replace(/[^a-z0-9]+/gi, '_')}`,
    description: `${file} conforms to its JSON Schema`,
    severity: options.severity ?? 'error',
    blocking: options.blocking ?? true,
    async run({ dir }) {
      // A missing or unparseable document is a failed check with a clear message, not a crash of the check.
      let document: unknown
      try {
        document = JSON.parse(await readFile(join(dir, file), 'utf8'))
      } catch (error) {
        const missing = typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT'
        return { passed: false, failingCount: 1, message: missing ? `${file} is missing from the partition` : `${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}` }
      }
      if (validate(document)) return { passed: true, message: `${file} conforms to its schema` }
      const errors = validate.errors ?? []
      return { passed: false, failingCount: errors.length, message: `${file}: ${errors.slice(0, 5).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`).join('; ')}`, sample: errors.slice(0, 5).map((e) => ({ path: e.instancePath, message: e.message ?? '' })) }
    },
  }
}

/**
 * Metadata counts reconcile: `total` = the sum of `parts` (e.g. rows_read = curated +
 * quarantined + duplicates), so no row is lost or counted twice between steps without a failed
 * check saying where. `read` turns the partition's metadata into the labelled sums to compare.
 *
 * @example
 * reconciliation('rows_reconcile', (metadata) => [
 *   { label: 'orders', total: Number(metadata.rows_read), parts: [Number(metadata.kept), Number(metadata.dropped)] },
 * ])
 */
export function reconciliation(name: string, read: (metadata: Record<string, unknown>) => { label: string; total: number; parts: number[] }[], options: CheckOptions = {}): AssetCheck {
  return {
    name,
    description: 'metadata counts reconcile',
    severity: options.severity ?? 'error',
    blocking: options.blocking ?? true,
    async run({ metadata }) {
      const broken = read(metadata).filter((entry) => entry.total !== entry.parts.reduce((a, b) => a + b, 0))
      return broken.length === 0
        ? { passed: true, message: 'every count reconciles' }
        : { passed: false, failingCount: broken.length, message: `does not reconcile: ${broken.map((b) => `${b.label} ${b.total} ≠ ${b.parts.join(' + ')}`).join('; ')}` }
    },
  }
}
