import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Ajv } from 'ajv'
import { StrataError } from '../errors/index.js'
import type { JsonObject } from '../definitions/json.js'
import { serverSideEncryptionOf } from './s3-encryption.js'
import { layerConfig } from './stack-outputs.js'
import { didYouMean, formatSuggestions } from '../selection/did-you-mean.js'

/** Where the data is and how to run: from flags, then environment, then the config file, then defaults. */
export interface Settings {
  /** Landing root: a folder or `s3://bucket/prefix`. */
  readonly landing: string
  /** Storage root for assets, manifests and runs: a folder or `s3://bucket/prefix`. */
  readonly storage: string
  readonly concurrency: number
  /** A definitions module to load instead of the built-in pipeline (`--definitions`, STRATA_DEFINITIONS, `definitions`). */
  readonly definitions?: string
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  /** The validated config file, or the `STRATA_SETTINGS` document in its place (empty when there is neither). */
  readonly config: JsonObject
  /** Path of the config file read, or `STRATA_SETTINGS` when the settings document was used. */
  readonly configFile?: string
  /** Where each location came from, in words a user can act on (`--storage`, `STRATA_LANDING`, …). */
  readonly origins?: { readonly landing: string; readonly storage: string }
}

/** The environment variable that carries the whole settings document to another process (see settings-document.ts). */
export const SETTINGS_VARIABLE = 'STRATA_SETTINGS'

export interface SettingsFlags {
  readonly landing?: string
  readonly storage?: string
  readonly config?: string
  readonly concurrency?: string
  readonly definitions?: string
}

const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    landing: { type: 'string', minLength: 1 },
    storage: { type: 'string', minLength: 1 },
    concurrency: { type: 'integer', minimum: 1, maximum: 256 },
    /** A definitions module (.js, .mjs, .ts, .mts), relative to the working folder (flag --definitions, env STRATA_DEFINITIONS). */
    definitions: { type: 'string', minLength: 1 },
    start: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    hysteresisDelta: { type: 'number', minimum: 0 },
    quarantineThreshold: { type: 'number', minimum: 0, maximum: 1 },
    /** The segment model's method (env STRATA_SEGMENTATION): SPEC §5's, or the stable one beside it (issue 19). */
    segmentation: { enum: ['spec', 'stable'] },
    /** Partition lock timing (env STRATA_LOCK_TTL_MS / STRATA_LOCK_WAIT_MS win). */
    locks: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ttlMs: { type: 'integer', minimum: 1000, maximum: 86_400_000 },
        waitMs: { type: 'integer', minimum: 0, maximum: 86_400_000 },
      },
    },
    /** How many of the newest due partitions `strata freshness` judges per asset (default 7). */
    freshnessWindow: { type: 'integer', minimum: 1, maximum: 3660 },
    aws: {
      type: 'object',
      additionalProperties: false,
      properties: {
        region: { type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-\\d$' },
        /** Glue database the catalog registers tables in after each commit on S3 (env STRATA_GLUE_DATABASE). */
        glueDatabase: { type: 'string', pattern: '^[a-z0-9_]{1,255}$' },
        glueCatalogId: { type: 'string', pattern: '^\\d{12}$' },
        /** A deployed Strata stack whose outputs fill in the settings not given (flag --aws-stack, env STRATA_AWS_STACK). */
        stack: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9-]{0,127}$' },
      },
    },
    fargate: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cluster: { type: 'string', minLength: 1 },
        taskDefinition: { type: 'string', minLength: 1 },
        containerName: { type: 'string', minLength: 1 },
        subnets: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^subnet-[0-9a-f]+$' } },
        securityGroups: { type: 'array', items: { type: 'string', pattern: '^sg-[0-9a-f]+$' } },
        assignPublicIp: { type: 'boolean' },
        capacityProvider: { enum: ['FARGATE', 'FARGATE_SPOT'] },
        platformVersion: { type: 'string', minLength: 1 },
        launchesPerSecond: { type: 'number', exclusiveMinimum: 0, maximum: 50 },
        maxAttempts: { type: 'integer', minimum: 1, maximum: 10 },
        startTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 7200 },
        retryDelaySeconds: { type: 'number', minimum: 0.05, maximum: 60 },
        pollMinSeconds: { type: 'number', minimum: 0.05, maximum: 60 },
        pollMaxSeconds: { type: 'number', minimum: 0.05, maximum: 300 },
        /** How steps are grouped into tasks: one per step, per partition key's chain (default), or one for the run. */
        pack: { enum: ['step', 'partition', 'run'] },
        logStreamPrefix: { type: 'string', minLength: 1 },
      },
    },
    /** Server-side encryption of every S3 write (env STRATA_S3_SSE / STRATA_S3_KMS_KEY_ID win); see s3-encryption.ts. */
    s3: {
      type: 'object',
      additionalProperties: false,
      properties: {
        serverSideEncryption: { enum: ['AES256', 'aws:kms'] },
        kmsKeyId: { type: 'string', pattern: '^\\S{1,2048}$' },
      },
    },
    cloudwatch: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        namespace: { type: 'string', minLength: 1, maxLength: 255 },
        dimensions: { type: 'object', maxProperties: 20, additionalProperties: { type: 'string', minLength: 1, maxLength: 1024 } },
      },
    },
    schedules: { type: 'object' },
  },
} as const

const validateConfig = new Ajv({ allErrors: true }).compile(configSchema)

/**
 * Steps run at once unless configured: one more than the cores. A step spends part of its time
 * waiting on the disk (input reads, the fsyncs of its commit) or on JavaScript, and the extra
 * step keeps the cores busy meanwhile: on 2 cores a 90-day backfill at 100,000 customers took
 * 67 s at 2 and 56–61 s at 3 (4 was slower again).
 */
export function defaultConcurrency(cores: number): number {
  return Math.max(1, cores) + 1
}

/**
 * Resolve settings; a bad config file or flag is StrataError('config') naming it. `under` is a
 * config layer beneath the file (the outputs of a deployed stack, see stack-outputs.ts).
 */
export function resolveSettings(flags: SettingsFlags, env: Readonly<Record<string, string | undefined>>, cwd: string, defaultConcurrency: number, under: JsonObject = {}): Settings {
  // The settings document a launcher sent takes the place of the config file.
  const document = env[SETTINGS_VARIABLE]
  const configPath = document ? undefined : (flags.config ?? env.STRATA_CONFIG ?? (existsSync(resolve(cwd, 'strata.config.json')) ? 'strata.config.json' : undefined))
  // `under` (a deployed stack's outputs) fills in only what the config file or document leaves out.
  const config = layerConfig(under, document ? readSettingsDocument(document) : configPath ? readConfig(resolve(cwd, configPath)) : {})
  const configFile = document ? SETTINGS_VARIABLE : configPath ? resolve(cwd, configPath) : undefined
  const pick = (flag: string | undefined, envName: string, key: string, fallback: string): [string, string] => {
    if (flag !== undefined) return [flag, `--${key}`]
    const fromEnv = env[envName]
    if (fromEnv !== undefined) return [fromEnv, envName]
    if (typeof config[key] === 'string') return [config[key] as string, `"${key}" in ${configFile ?? 'the outputs of the stack named by --aws-stack'}`]
    return [fallback, `the default (${fallback}, relative to ${cwd})`]
  }
  const [landing, landingOrigin] = pick(flags.landing, 'STRATA_LANDING', 'landing', './data/landing')
  const [storage, storageOrigin] = pick(flags.storage, 'STRATA_STORAGE', 'storage', './data/storage')
  const definitionsPath = flags.definitions ?? env.STRATA_DEFINITIONS ?? (typeof config.definitions === 'string' ? config.definitions : undefined)
  // A bad encryption setting fails here, before any work, not at the first write.
  serverSideEncryptionOf(config, env)
  const concurrencyText = flags.concurrency ?? env.STRATA_CONCURRENCY
  const concurrency = concurrencyText === undefined ? (typeof config.concurrency === 'number' ? config.concurrency : defaultConcurrency) : parseConcurrency(concurrencyText, flags.concurrency !== undefined ? '--concurrency' : 'STRATA_CONCURRENCY')
  return {
    landing: normaliseLocation(landing, cwd, '--landing / STRATA_LANDING'),
    storage: normaliseLocation(storage, cwd, '--storage / STRATA_STORAGE'),
    concurrency,
    ...(definitionsPath !== undefined ? { definitions: resolve(cwd, definitionsPath) } : {}),
    cwd,
    env,
    config,
    ...(configFile ? { configFile } : {}),
    origins: { landing: landingOrigin, storage: storageOrigin },
  }
}

/** Check a settings object against the config schema; the problems in words, or undefined when valid. */
export function configProblems(value: unknown): string | undefined {
  if (validateConfig(value)) return undefined
  return (validateConfig.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`).join('; ')
}

function readSettingsDocument(text: string): JsonObject {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new StrataError('config', `${SETTINGS_VARIABLE} is not a settings document: ${describeConfigError(error)}`, `${SETTINGS_VARIABLE} holds the resolved settings as one JSON object (the strata.config.json keys); unset it to use the config file.`)
  }
  const problems = configProblems(parsed)
  if (problems !== undefined) throw new StrataError('config', `${SETTINGS_VARIABLE} is invalid: ${problems}`, 'It takes the keys of strata.config.json; see the README section "Configuration".')
  return parsed as JsonObject
}

function parseConcurrency(text: string, what: string): number {
  if (!/^\d{1,3}$/.test(text) || Number(text) < 1) throw new StrataError('config', `${what} "${text.slice(0, 20)}" is not a whole number from 1 to 256`, 'Use e.g. --concurrency 4.')
  return Math.min(Number(text), 256)
}

function normaliseLocation(location: string, cwd: string, what: string): string {
  if (location.includes('\0')) throw new StrataError('config', `${what} contains a NUL byte`, 'Give a folder path or s3://bucket/prefix.')
  if (/^s3:\/\//.test(location)) {
    if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9_.=/-]*)?$/.test(location) || location.includes('/../') || location.endsWith('/..')) {
      throw new StrataError('config', `${what} "${location.slice(0, 80)}" is not a valid S3 location`, 'Use s3://bucket/prefix with a valid bucket name and a plain prefix (letters, digits, _ . = / -).')
    }
    return location.replace(/\/+$/, '')
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) throw new StrataError('config', `${what} "${location.slice(0, 80)}" uses an unsupported scheme`, 'Give a local folder or s3://bucket/prefix.')
  return resolve(cwd, location)
}

/**
 * Why the config file could not be read, without its content: V8's JSON.parse message quotes the
 * text around the error, and a config file may hold a secret a user pasted by mistake.
 */
function describeConfigError(error: unknown): string {
  if (error instanceof SyntaxError) {
    const position = /position (\d+)/.exec(error.message)?.[1]
    return `it is not valid JSON${position === undefined ? '' : ` (at character ${position})`}`
  }
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message
}

function readConfig(path: string): JsonObject {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new StrataError('config', `cannot read config file ${path}: ${describeConfigError(error)}`, 'Fix the JSON, or point --config / STRATA_CONFIG at the right file.')
  }
  return checkConfig(parsed, `config file ${path}`)
}

/** `document` against the config schema; StrataError('config') naming `source`, every bad key, and a did-you-mean for unknown keys. */
export function checkConfig(document: unknown, source: string): JsonObject {
  if (!validateConfig(document)) {
    const errors = validateConfig.errors ?? []
    const problems = errors.map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`).join('; ')
    const suggestions = errors.flatMap((e) => {
      if (!e.params || !('additionalProperty' in e.params)) return []
      const key = String(e.params.additionalProperty)
      const question = formatSuggestions(didYouMean(key, keysAt(e.instancePath)))
      return question ? [`"${key}": ${question}`] : []
    })
    throw new StrataError('config', `${source} is invalid: ${problems}`, `${suggestions.length > 0 ? `${suggestions.join('; ')} ` : ''}See the README section "Configuration" for the keys and their types.`)
  }
  return document as JsonObject
}

/** The keys the schema allows at a JSON pointer such as `/aws` (the root for ''). */
function keysAt(pointer: string): string[] {
  let node: { properties?: Record<string, unknown> } = configSchema
  for (const segment of pointer.split('/').filter(Boolean)) {
    const next = node.properties?.[segment] as { properties?: Record<string, unknown> } | undefined
    if (!next) return []
    node = next
  }
  return Object.keys(node.properties ?? {}).filter((key) => key !== '$schema')
}
