/** How the Fargate launcher reads a container service's errors: by name and HTTP status, as the AWS SDK throws them. */

const TRANSIENT_ERRORS = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'ServerException', 'ServiceUnavailableException', 'InternalFailure', 'LimitExceededException'])

export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' ? error.name : undefined
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Throttling and server-side errors: worth another call after a pause. */
export function isTransient(error: unknown): boolean {
  const name = errorName(error) ?? ''
  const status = typeof error === 'object' && error !== null && '$metadata' in error ? (error.$metadata as { httpStatusCode?: number }).httpStatusCode : undefined
  return TRANSIENT_ERRORS.has(name) || /throttl/i.test(name) || (status !== undefined && status >= 500)
}

export function awsHint(error: unknown): string {
  const name = errorName(error)
  if (name === 'AccessDeniedException') return 'Give the launching identity the actions of resources/iam-policy.json ("launcher"): ecs:RunTask, ecs:DescribeTasks, ecs:StopTask, iam:PassRole.'
  if (name === 'ClusterNotFoundException') return 'Check fargate.cluster / STRATA_FARGATE_CLUSTER and the AWS region.'
  if (name === 'InvalidParameterException') return 'Check the task definition, container name, subnets and security groups in fargate.* (README, "On AWS").'
  return 'Check the AWS region and credentials (standard chain) and the fargate.* settings (README, "On AWS").'
}
