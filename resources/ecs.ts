import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs'

export { ECSClient } from '@aws-sdk/client-ecs'

/** An ECS client on the standard credential chain (env, profile, SSO, container/instance role). */
export function createEcsClient(options: { readonly region?: string } = {}): ECSClient {
  return new ECSClient(options.region ? { region: options.region } : {})
}

/** Where a task definition's container sends its logs (the `awslogs` driver), if it says. */
export interface AwsLogsTarget {
  readonly group?: string
  readonly streamPrefix?: string
}

/**
 * The awslogs group and stream prefix of one container of a task definition, read with
 * DescribeTaskDefinition; undefined when the container logs elsewhere.
 */
export async function awsLogsTargetOf(ecs: ECSClient, taskDefinition: string, containerName: string): Promise<AwsLogsTarget | undefined> {
  const response = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }))
  const container = response.taskDefinition?.containerDefinitions?.find((definition) => definition.name === containerName)
  const config = container?.logConfiguration
  if (!config || config.logDriver !== 'awslogs') return undefined
  const options = config.options ?? {}
  return { ...(options['awslogs-group'] ? { group: options['awslogs-group'] } : {}), ...(options['awslogs-stream-prefix'] ? { streamPrefix: options['awslogs-stream-prefix'] } : {}) }
}

/** The awslogs stream of a task's container: `<prefix>/<container>/<taskId>` (the driver's naming). */
export function awsLogsStreamName(prefix: string, containerName: string, taskArn: string): string {
  return `${prefix}/${containerName}/${taskIdOf(taskArn)}`
}

/** `arn:aws:ecs:…:task/cluster/0123abcd` → `0123abcd`. */
export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1)
}
