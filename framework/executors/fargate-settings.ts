import { StrataError } from '../errors/index.js'
import type { Settings } from '../config/index.js'
import { isJsonObject, type JsonObject } from '../definitions/json.js'

/** Where and how steps run on Fargate: config file `fargate.*`, overridden by env `STRATA_FARGATE_*`. */
export interface FargateSettings {
  readonly cluster: string
  /** Family, family:revision or ARN. */
  readonly taskDefinition: string
  /** The container the command override goes to (default `strata`). */
  readonly containerName: string
  readonly subnets: readonly string[]
  readonly securityGroups: readonly string[]
  readonly assignPublicIp: boolean
  readonly capacityProvider: 'FARGATE' | 'FARGATE_SPOT'
  readonly platformVersion?: string
  /** RunTask calls per second across the run (default 1: the account's sustained RunTask rate is low). */
  readonly launchesPerSecond: number
  /** Attempts per step for transient failures: capacity, throttling, ENI, a task that never starts (default 3). */
  readonly maxAttempts: number
  /** Pause before another attempt of a task that failed transiently: 1–2× this, doubling per attempt, at most 60 s (default 5 s). */
  readonly retryDelayMs: number
  /** A task still PROVISIONING/PENDING after this long is stopped and retried (default 10 min). */
  readonly startTimeoutMs: number
  /** DescribeTasks polling (and log following): first delay, doubling with jitter up to the max (default 2 s … 30 s). */
  readonly pollMinMs: number
  readonly pollMaxMs: number
  /** How steps are grouped into tasks (default `partition`); `--pack` overrides it. */
  readonly pack: string
  /** awslogs stream prefix; default: read from the task definition. */
  readonly logStreamPrefix?: string
  readonly region?: string
}

/**
 * Fargate settings from the config file (`fargate` object) and env (`STRATA_FARGATE_CLUSTER`,
 * `_TASK_DEFINITION`, `_CONTAINER`, `_SUBNETS`, `_SECURITY_GROUPS` (comma-separated),
 * `_ASSIGN_PUBLIC_IP`, `_CAPACITY_PROVIDER`, `_PLATFORM_VERSION`, `_LAUNCHES_PER_SECOND`,
 * `_MAX_ATTEMPTS`, `_START_TIMEOUT_SECONDS`, `_POLL_MIN_SECONDS`, `_POLL_MAX_SECONDS`,
 * `_RETRY_DELAY_SECONDS`, `_PACK`,
 * `_LOG_STREAM_PREFIX`); env wins. Missing or bad
 * values are StrataError('config') naming the key and the variable.
 */
export function resolveFargateSettings(settings: Pick<Settings, 'config' | 'env'>): FargateSettings {
  const file: JsonObject = isJsonObject(settings.config.fargate) ? settings.config.fargate : {}
  const aws: JsonObject = isJsonObject(settings.config.aws) ? settings.config.aws : {}
  const env = settings.env
  const text = (key: string, envName: string): string | undefined => {
    const fromEnv = env[envName]
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv
    const value = file[key]
    return typeof value === 'string' && value !== '' ? value : undefined
  }
  const list = (key: string, envName: string): string[] => {
    const fromEnv = env[envName]
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv.split(',').map((item) => item.trim()).filter(Boolean)
    const value = file[key]
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
  }
  const number = (key: string, envName: string, fallback: number, min: number, max: number): number => {
    const raw = env[envName] ?? file[key]
    if (raw === undefined || raw === '') return fallback
    const value = Number(raw)
    if (!Number.isFinite(value) || value < min || value > max) throw new StrataError('config', `fargate.${key} / ${envName} "${String(raw).slice(0, 20)}" is not a number from ${min} to ${max}`, `Set e.g. ${envName}=${fallback}.`)
    return value
  }
  const need = (key: string, envName: string): string => {
    const value = text(key, envName)
    if (!value) throw new StrataError('config', `the Fargate executor needs fargate.${key} (or ${envName})`, `Set it in the config file's "fargate" object or the environment; see the README, "On AWS".`)
    return value
  }
  const cluster = need('cluster', 'STRATA_FARGATE_CLUSTER')
  const taskDefinition = need('taskDefinition', 'STRATA_FARGATE_TASK_DEFINITION')
  const subnets = list('subnets', 'STRATA_FARGATE_SUBNETS')
  if (subnets.length === 0) throw new StrataError('config', 'the Fargate executor needs at least one subnet: fargate.subnets (or STRATA_FARGATE_SUBNETS=subnet-a,subnet-b)', 'Use private subnets with a NAT gateway or VPC endpoints for S3, ECR, Logs and Glue; see the README, "On AWS".')
  const capacityProvider = text('capacityProvider', 'STRATA_FARGATE_CAPACITY_PROVIDER') ?? 'FARGATE'
  if (capacityProvider !== 'FARGATE' && capacityProvider !== 'FARGATE_SPOT') throw new StrataError('config', `fargate.capacityProvider / STRATA_FARGATE_CAPACITY_PROVIDER "${capacityProvider.slice(0, 20)}" is not FARGATE or FARGATE_SPOT`, 'Use FARGATE, or FARGATE_SPOT for cheaper, interruptible tasks (interrupted steps are retried).')
  const publicIpRaw = env.STRATA_FARGATE_ASSIGN_PUBLIC_IP ?? file.assignPublicIp
  const assignPublicIp = publicIpRaw === true || (typeof publicIpRaw === 'string' && /^(1|true|yes|enabled)$/i.test(publicIpRaw))
  const platformVersion = text('platformVersion', 'STRATA_FARGATE_PLATFORM_VERSION')
  const logStreamPrefix = text('logStreamPrefix', 'STRATA_FARGATE_LOG_STREAM_PREFIX')
  const pollMin = number('pollMinSeconds', 'STRATA_FARGATE_POLL_MIN_SECONDS', 2, 0.05, 60)
  const pollMax = number('pollMaxSeconds', 'STRATA_FARGATE_POLL_MAX_SECONDS', 30, 0.05, 300)
  const region = env.AWS_REGION ?? (typeof aws.region === 'string' ? aws.region : undefined)
  return {
    cluster,
    taskDefinition,
    containerName: text('containerName', 'STRATA_FARGATE_CONTAINER') ?? 'strata',
    subnets,
    securityGroups: list('securityGroups', 'STRATA_FARGATE_SECURITY_GROUPS'),
    assignPublicIp,
    capacityProvider,
    ...(platformVersion ? { platformVersion } : {}),
    launchesPerSecond: number('launchesPerSecond', 'STRATA_FARGATE_LAUNCHES_PER_SECOND', 1, 0.01, 50),
    maxAttempts: Math.floor(number('maxAttempts', 'STRATA_FARGATE_MAX_ATTEMPTS', 3, 1, 10)),
    startTimeoutMs: number('startTimeoutSeconds', 'STRATA_FARGATE_START_TIMEOUT_SECONDS', 600, 1, 7200) * 1000,
    retryDelayMs: number('retryDelaySeconds', 'STRATA_FARGATE_RETRY_DELAY_SECONDS', 5, 0.05, 60) * 1000,
    pollMinMs: pollMin * 1000,
    pollMaxMs: Math.max(pollMin, pollMax) * 1000,
    pack: text('pack', 'STRATA_FARGATE_PACK') ?? 'partition',
    ...(logStreamPrefix ? { logStreamPrefix } : {}),
    ...(region ? { region } : {}),
  }
}

/** The Fargate executor's tasks cannot see local folders: storage and landing must both be s3://. */
export function assertS3Locations(locations: { readonly storage: string; readonly landing: string }): void {
  for (const [what, location] of [['--storage / STRATA_STORAGE', locations.storage], ['--landing / STRATA_LANDING', locations.landing]] as const) {
    if (!location.startsWith('s3://')) {
      throw new StrataError('config', `the Fargate executor needs S3 storage and landing, but ${what} is ${location.slice(0, 120)}`, `Tasks cannot see this machine's folders: pass --storage s3://bucket/prefix and --landing s3://bucket/prefix (or STRATA_STORAGE / STRATA_LANDING).`)
    }
  }
}
