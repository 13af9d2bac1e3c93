import { StrataError } from '../errors/index.js'
import { isJsonObject, type JsonObject } from '../definitions/json.js'

/**
 * The outputs of a deployed Strata stack (deploy/, `npx cdk deploy`) that stand for settings.
 * The CDK app names its outputs from this table, so the two cannot drift apart.
 */
export const STACK_OUTPUTS = {
  landing: 'LandingUrl',
  storage: 'StorageUrl',
  region: 'Region',
  glueDatabase: 'GlueDatabase',
  cluster: 'ClusterName',
  taskDefinition: 'TaskDefinitionFamily',
  containerName: 'ContainerName',
  subnets: 'Subnets',
  securityGroups: 'SecurityGroups',
  assignPublicIp: 'AssignPublicIp',
} as const

/** Reads a CloudFormation stack's outputs (key → value); implemented in resources/, wired in bin/. */
export type StackOutputsReader = (stackName: string, region: string | undefined) => Promise<Readonly<Record<string, string>>>

/** CloudFormation's own rule for stack names. */
export const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/

/** The stack named by `--aws-stack`, then STRATA_AWS_STACK, then the config key `aws.stack`; undefined when none. */
export function stackNameOf(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, config: JsonObject): string | undefined {
  const aws = (typeof config.aws === 'object' && config.aws !== null && !Array.isArray(config.aws) ? config.aws : {}) as { stack?: unknown }
  const [name, what] = flag !== undefined ? [flag, '--aws-stack'] : env.STRATA_AWS_STACK ? [env.STRATA_AWS_STACK, 'STRATA_AWS_STACK'] : typeof aws.stack === 'string' ? [aws.stack, 'aws.stack'] : [undefined, '']
  if (name === undefined) return undefined
  if (!STACK_NAME.test(name)) throw new StrataError('config', `${what} "${name.slice(0, 40)}" is not a CloudFormation stack name`, 'Stack names start with a letter and hold letters, digits and hyphens, e.g. --aws-stack Strata.')
  return name
}

/**
 * The settings a deployed stack provides, as a config-file fragment (landing, storage, aws.region,
 * aws.glueDatabase, fargate.*, cloudwatch.enabled). Every output the stack defines must be there:
 * a missing one means the stack is not Strata's, or is still being created or rolled back.
 */
export function settingsFromStackOutputs(stackName: string, outputs: Readonly<Record<string, string>>): JsonObject {
  const missing = Object.values(STACK_OUTPUTS).filter((key) => outputs[key] === undefined)
  if (missing.length > 0) {
    throw new StrataError('config', `stack ${stackName} has no output${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, `Is ${stackName} the Strata stack (deploy/, npx cdk deploy) and is its deployment complete? aws cloudformation describe-stacks --stack-name ${stackName} lists its outputs.`)
  }
  const get = (key: keyof typeof STACK_OUTPUTS): string => outputs[STACK_OUTPUTS[key]] as string
  const list = (key: keyof typeof STACK_OUTPUTS): string[] => get(key).split(',').map((item) => item.trim()).filter(Boolean)
  return {
    landing: get('landing'),
    storage: get('storage'),
    aws: { region: get('region'), glueDatabase: get('glueDatabase') },
    fargate: {
      cluster: get('cluster'),
      taskDefinition: get('taskDefinition'),
      containerName: get('containerName'),
      subnets: list('subnets'),
      securityGroups: list('securityGroups'),
      assignPublicIp: get('assignPublicIp') === 'true',
    },
    // The stack's alarms and dashboard read the CDI metrics: runs against it publish them (as its
    // task does) unless the config file says cloudwatch.enabled: false.
    cloudwatch: { enabled: true },
  }
}

/** `base` under `over`: objects (aws, fargate, cloudwatch) merge key by key, anything else in `over` wins. */
export function layerConfig(base: JsonObject, over: JsonObject): JsonObject {
  const merged: JsonObject = { ...base }
  for (const [key, value] of Object.entries(over)) {
    const below = merged[key]
    merged[key] = isJsonObject(below) && isJsonObject(value) ? { ...below, ...value } : value
  }
  return merged
}
