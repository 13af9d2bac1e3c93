import { MAX_CUSTOMERS } from './task-size.js'

/**
 * The stack's parameters, given as CDK context: `npx cdk deploy -c customers=1000000 -c
 * alarmEmail=ops@example.com` or in cdk.json. Sizes are decided at synth time (Fargate takes
 * fixed CPU/memory pairs), so they are context values rather than CloudFormation parameters.
 */
export interface StrataStackParameters {
  /** Customers of the daily pipeline: sizes the task (task-size.ts). Default 1,000,000. */
  readonly customers: number
  /** Where the alarms go; none: the topic has no subscription (add one later). */
  readonly alarmEmail?: string
  /** The Glue database for Athena. Default `cdi`. */
  readonly glueDatabase: string
  readonly landingPrefix: string
  readonly storagePrefix: string
  readonly logGroupName: string
  readonly logRetentionDays: number
  /** Superseded object versions are deleted after this many days. Default 30. */
  readonly noncurrentVersionDays: number
  /** Encrypt with this KMS key instead of a key of the stack's own. */
  readonly kmsKeyArn?: string
  /** Run in this VPC (looked up; needs the stack's account and region) instead of a new one. */
  readonly vpcId?: string
  /** Task definition family. Default `strata`. */
  readonly family: string
  /** Use this ECR image (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>` or `<repo>:<tag>` in the stack's account) instead of building the Dockerfile. */
  readonly image?: string
  /** Pipeline settings sent in STRATA_SETTINGS (defaults: the pipeline's own). */
  readonly start?: string
  readonly hysteresisDelta?: number
  readonly quarantineThreshold?: number
  /** `spec` (the SPEC's mini-batch k-means) or `stable` (one row per customer, full k-means). */
  readonly segmentation?: 'spec' | 'stable'
}

/** CloudWatch Logs' allowed retention periods, in days. */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]

type Context = (key: string) => unknown

/** Read and check the parameters; a bad one throws naming the context key and what it takes. */
export function stackParameters(context: Context): StrataStackParameters {
  const text = (key: string, pattern: RegExp, what: string): string | undefined => {
    const value = context(key)
    if (value === undefined || value === '') return undefined
    if (typeof value !== 'string' || !pattern.test(value)) throw new Error(`context ${key}="${String(value).slice(0, 80)}" is not ${what}`)
    return value
  }
  const number = (key: string, min: number, max: number, integer: boolean): number | undefined => {
    const raw = context(key)
    if (raw === undefined || raw === '') return undefined
    const value = typeof raw === 'number' ? raw : Number(raw)
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) throw new Error(`context ${key}="${String(raw).slice(0, 40)}" is not ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`)
    return value
  }
  const logRetentionDays = number('logRetentionDays', 1, 3653, true) ?? 90
  if (!RETENTION_DAYS.includes(logRetentionDays)) throw new Error(`context logRetentionDays=${logRetentionDays} is not a CloudWatch Logs retention (${RETENTION_DAYS.join(', ')})`)
  const optional = <K extends keyof StrataStackParameters>(key: K, value: StrataStackParameters[K] | undefined) => (value === undefined ? {} : { [key]: value })
  // Plain segments only: no `.` or `..` (strata refuses those in an S3 location too).
  const prefix = /^(?!(.*\/)?\.{1,2}(\/|$))[A-Za-z0-9_.=-]+(\/[A-Za-z0-9_.=-]+)*$/
  return {
    customers: number('customers', 1, MAX_CUSTOMERS, true) ?? 1_000_000,
    glueDatabase: text('glueDatabase', /^[a-z0-9_]{1,255}$/, 'a Glue database name (lower-case letters, digits, _)') ?? 'cdi',
    landingPrefix: text('landingPrefix', prefix, 'an S3 prefix (letters, digits, _ . = - and /)') ?? 'landing',
    storagePrefix: text('storagePrefix', prefix, 'an S3 prefix (letters, digits, _ . = - and /)') ?? 'strata',
    logGroupName: text('logGroupName', /^[A-Za-z0-9_\-/.#]{1,512}$/, 'a log group name') ?? '/strata',
    logRetentionDays,
    noncurrentVersionDays: number('noncurrentVersionDays', 1, 3650, true) ?? 30,
    family: text('family', /^[A-Za-z0-9_-]{1,255}$/, 'a task definition family (letters, digits, _ and -)') ?? 'strata',
    ...optional('alarmEmail', text('alarmEmail', /^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'an email address')),
    ...optional('kmsKeyArn', text('kmsKeyArn', /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/, 'a KMS key ARN')),
    ...optional('vpcId', text('vpcId', /^vpc-[0-9a-f]+$/, 'a VPC id')),
    ...optional('image', text('image', /^([0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/)?[a-z0-9._/-]+:[A-Za-z0-9_.-]+$/, 'an ECR image (<repository>:<tag>)')),
    ...optional('start', text('start', /^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')),
    ...optional('hysteresisDelta', number('hysteresisDelta', 0, 100, false)),
    ...optional('quarantineThreshold', number('quarantineThreshold', 0, 1, false)),
    ...optional('segmentation', text('segmentation', /^(spec|stable)$/, 'spec or stable') as 'spec' | 'stable' | undefined),
  }
}
