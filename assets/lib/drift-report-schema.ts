import { Ajv, type ErrorObject } from 'ajv'
import { StrataError } from '../../framework/errors/index.js'
import type { DriftReport } from './drift-report-types.js'
import { MODEL_FEATURES, SEGMENT_NAMES } from './segment-model-types.js'

const nullableShare = { type: ['number', 'null'], minimum: 0, maximum: 1 } as const
const nullableCount = { type: ['integer', 'null'], minimum: 0 } as const
const count = { type: 'integer', minimum: 0 } as const

/**
 * JSON Schema (draft-07) of the drift_report document, SPEC §8. Kept as a TS object rather than
 * a .json file because tsc does not copy .json files into dist/.
 */
export const driftReportSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://strata.local/schemas/drift-report.json',
  title: 'drift_report',
  type: 'object',
  additionalProperties: false,
  required: ['partition', 'warmup', 'cdi_psi', 'segment_churn', 'retrain_churn', 'cdi_mean', 'cdi_std', 'segment_sizes', 'features', 'status', 'notes', 'row_counts', 'metrics'],
  properties: {
    partition: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    warmup: { type: 'boolean' },
    cdi_psi: { type: ['number', 'null'], minimum: 0 },
    segment_churn: nullableShare,
    retrain_churn: nullableShare,
    cdi_mean: { type: ['number', 'null'], minimum: 0, maximum: 100 },
    cdi_std: { type: ['number', 'null'], minimum: 0 },
    segment_sizes: {
      type: 'object',
      additionalProperties: false,
      required: [...SEGMENT_NAMES],
      properties: Object.fromEntries(SEGMENT_NAMES.map((n) => [n, count])),
    },
    features: {
      type: 'object',
      additionalProperties: false,
      required: [...MODEL_FEATURES],
      properties: Object.fromEntries(
        MODEL_FEATURES.map((f) => [
          f,
          {
            type: 'object',
            additionalProperties: false,
            required: ['psi', 'ks'],
            properties: { psi: { type: ['number', 'null'], minimum: 0 }, ks: nullableShare },
          },
        ]),
      ),
    },
    status: { type: 'string', enum: ['ok', 'warn', 'alert'] },
    notes: { type: 'array', items: { type: 'string' } },
    row_counts: {
      type: 'object',
      additionalProperties: false,
      required: ['today', 'yesterday', 'both_days'],
      properties: { today: count, yesterday: nullableCount, both_days: nullableCount },
    },
    metrics: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'value', 'unit'],
        properties: {
          name: { type: 'string', enum: ['CDI_Mean', 'CDI_StdDev', 'Segment_Size', 'PSI_CDI', 'Segment_Churn', 'RunCompleted'] },
          value: { type: 'number' },
          unit: { type: 'string', enum: ['None', 'Count'] },
          dimensions: {
            type: 'object',
            additionalProperties: false,
            required: ['Segment'],
            properties: { Segment: { type: 'string', enum: [...SEGMENT_NAMES] } },
          },
        },
      },
    },
  },
} as const

// Ajv is built once per process; union types ('number' | 'null') are how the report spells nullable figures.
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true })
const validate = ajv.compile<DriftReport>(driftReportSchema)

/** Throws StrataError('check') listing every schema violation; otherwise narrows to DriftReport. */
export function validateDriftReport(report: unknown): asserts report is DriftReport {
  if (validate(report)) return
  const errors = (validate.errors ?? []).map(describeError)
  throw new StrataError(
    'check',
    `drift_report does not match its schema: ${errors.join('; ')}`,
    'This is a bug in the drift report builder or a hand-edited report; compare it with SPEC §8.',
  )
}

function describeError(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(root)' : e.instancePath
  const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : ''
  return `${where} ${e.message ?? e.keyword}${extra}`
}
