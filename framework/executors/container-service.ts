/**
 * What the Fargate executor needs from a container service (ECS and CloudWatch Logs), as an
 * interface the engine owns: `resources/ecs.ts` implements it over the AWS SDK, tests run it over
 * a mocked client or the ECS emulator. Service errors pass through as thrown; the executor tells
 * transient ones (throttling, 5xx) from the others by their `name` and `$metadata`.
 */
export interface ContainerService {
  /** Launch one task; a refusal (e.g. no capacity) is a value, not a throw. */
  runTask(request: ContainerTaskRequest): Promise<TaskLaunch>
  /** The task's state, undefined when the service does not (yet) know it. */
  describeTask(cluster: string, taskArn: string, containerName: string): Promise<ContainerTaskState | undefined>
  stopTask(cluster: string, taskArn: string, reason: string): Promise<void>
  /** Where a task definition's container sends its logs, undefined when it does not say. */
  logTarget(taskDefinition: string, containerName: string): Promise<LogTarget | undefined>
  /** The log stream a task's container writes to, given the target's stream prefix. */
  logStreamOf(streamPrefix: string, containerName: string, taskArn: string): string
  /** One page of a log stream, oldest first, from `nextToken` (the start when undefined). */
  readLogs(group: string, stream: string, nextToken?: string): Promise<LogPage>
}

/** One task to launch: the image's command and environment in the named container. */
export interface ContainerTaskRequest {
  readonly cluster: string
  /** Family, family:revision or ARN. */
  readonly taskDefinition: string
  readonly containerName: string
  readonly command: readonly string[]
  readonly environment: Readonly<Record<string, string>>
  readonly capacityProvider: string
  readonly platformVersion?: string
  readonly subnets: readonly string[]
  readonly securityGroups: readonly string[]
  readonly assignPublicIp: boolean
  /** Shown in the console; lets an operator find the tasks of one run. */
  readonly startedBy: string
  /** Idempotency: a retried call with the same token launches at most one task. */
  readonly clientToken: string
}

export type TaskLaunch = { readonly taskArn: string } | { readonly refused: string }

/** A task as DescribeTasks sees it, reduced to the named container. */
export interface ContainerTaskState {
  readonly taskArn: string
  /** PROVISIONING, PENDING, ACTIVATING, RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED. */
  readonly lastStatus: string
  readonly stopCode?: string
  readonly stoppedReason?: string
  readonly exitCode?: number
  /** The container's own reason, e.g. `OutOfMemoryError: Container killed due to memory usage`. */
  readonly containerReason?: string
}

export interface LogTarget {
  readonly group?: string
  readonly streamPrefix?: string
}

export interface LogPage {
  readonly events: readonly { readonly timestamp: number; readonly message: string }[]
  /** Pass it to the next call; the same token back means nothing new yet. */
  readonly nextToken?: string
}

/** Opens the container service, configured from `env` (region, endpoints, credentials chain). */
export type ContainerServiceOpener = (options: { readonly region?: string; readonly env: Readonly<Record<string, string | undefined>> }) => Promise<ContainerService>

/** `arn:aws:ecs:…:task/cluster/0123abcd` → `0123abcd`. */
export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1)
}
