import { DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient, RunTaskCommand, StopTaskCommand, type ECSClientConfig, type RunTaskCommandInput } from '@aws-sdk/client-ecs'
import type { ContainerService, ContainerServiceOpener, ContainerTaskRequest, ContainerTaskState, LogTarget } from '../framework/executors/container-service.js'
import { taskIdOf } from '../framework/executors/container-service.js'
import { awsClientConfig } from './aws-client-config.js'
import { endpointAndCredentials } from './aws-endpoint.js'
import { createLogsClient, readLogPage, type CloudWatchLogsClient } from './cloudwatch-logs.js'

export { ECSClient } from '@aws-sdk/client-ecs'

type Env = Readonly<Record<string, string | undefined>>

/**
 * An ECS client on the standard credential chain (env, profile, SSO, container/instance role);
 * the endpoint from `AWS_ENDPOINT_URL_ECS` / `AWS_ENDPOINT_URL` of `env` (an emulator in tests).
 */
export function createEcsClient(options: { readonly region?: string; readonly env?: Env } = {}): ECSClient {
  const env = options.env ?? {}
  const config: ECSClientConfig = { ...awsClientConfig(env, options.region), ...endpointAndCredentials(env, 'AWS_ENDPOINT_URL_ECS') }
  return new ECSClient(config)
}

/** The Platform's `openContainerService`: ECS and CloudWatch Logs clients built from one configuration. */
export const openContainerService: ContainerServiceOpener = async ({ region, env }) => ecsContainerService(createEcsClient({ ...(region ? { region } : {}), env }), createLogsClient({ ...(region ? { region } : {}), env }))

/** The engine's {@link ContainerService} over ECS (RunTask, DescribeTasks, StopTask, DescribeTaskDefinition) and CloudWatch Logs (GetLogEvents). */
export function ecsContainerService(ecs: ECSClient, logs?: CloudWatchLogsClient): ContainerService {
  return {
    async runTask(request) {
      const response = await ecs.send(new RunTaskCommand(runTaskInput(request)))
      const failure = response.failures?.[0]
      const taskArn = response.tasks?.[0]?.taskArn
      if (failure || !taskArn) return { refused: `${failure?.reason ?? 'no task returned'}${failure?.detail ? ` (${failure.detail})` : ''}` }
      return { taskArn }
    },
    async describeTask(cluster, taskArn, containerName): Promise<ContainerTaskState | undefined> {
      const response = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }))
      const task = response.tasks?.find((candidate) => candidate.taskArn === taskArn)
      if (!task) return undefined
      const container = task.containers?.find((candidate) => candidate.name === containerName) ?? task.containers?.[0]
      return {
        taskArn,
        lastStatus: task.lastStatus ?? 'PROVISIONING',
        ...(task.stopCode ? { stopCode: task.stopCode } : {}),
        ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
        ...(container?.exitCode !== undefined ? { exitCode: container.exitCode } : {}),
        ...(container?.reason ? { containerReason: container.reason } : {}),
      }
    },
    async stopTask(cluster, taskArn, reason) {
      await ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason: reason.slice(0, 255) }))
    },
    async logTarget(taskDefinition, containerName): Promise<LogTarget | undefined> {
      const response = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }))
      const container = response.taskDefinition?.containerDefinitions?.find((definition) => definition.name === containerName)
      const config = container?.logConfiguration
      if (!config || config.logDriver !== 'awslogs') return undefined
      const options = config.options ?? {}
      return { ...(options['awslogs-group'] ? { group: options['awslogs-group'] } : {}), ...(options['awslogs-stream-prefix'] ? { streamPrefix: options['awslogs-stream-prefix'] } : {}) }
    },
    // The awslogs driver's naming: `<prefix>/<container>/<taskId>`.
    logStreamOf: (prefix, containerName, taskArn) => `${prefix}/${containerName}/${taskIdOf(taskArn)}`,
    async readLogs(group, stream, nextToken) {
      if (!logs) return { events: [], ...(nextToken ? { nextToken } : {}) }
      return readLogPage(logs, group, stream, nextToken)
    },
  }
}

/** The RunTask request: one task, the command and environment as the container's overrides. */
function runTaskInput(request: ContainerTaskRequest): RunTaskCommandInput {
  return {
    cluster: request.cluster,
    taskDefinition: request.taskDefinition,
    count: 1,
    capacityProviderStrategy: [{ capacityProvider: request.capacityProvider, weight: 1 }],
    ...(request.platformVersion ? { platformVersion: request.platformVersion } : {}),
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: [...request.subnets],
        ...(request.securityGroups.length > 0 ? { securityGroups: [...request.securityGroups] } : {}),
        assignPublicIp: request.assignPublicIp ? 'ENABLED' : 'DISABLED',
      },
    },
    overrides: {
      containerOverrides: [
        {
          name: request.containerName,
          command: [...request.command],
          environment: Object.entries(request.environment)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, value]) => ({ name, value })),
        },
      ],
    },
    startedBy: request.startedBy,
    clientToken: request.clientToken,
  }
}
