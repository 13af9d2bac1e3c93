import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation'
import { StrataError } from '../framework/errors/index.js'
import type { StackOutputsReader } from '../framework/config/index.js'
import { awsClientConfig } from './aws-client-config.js'

export { CloudFormationClient } from '@aws-sdk/client-cloudformation'

/** A CloudFormation client on the standard credential chain (AWS_ENDPOINT_URL_CLOUDFORMATION is honoured by the SDK). */
export function createCloudFormationClient(options: { readonly region?: string } = {}): CloudFormationClient {
  return new CloudFormationClient(awsClientConfig(process.env, options.region))
}

/**
 * The outputs (key → value) of one stack, read with DescribeStacks. A stack that does not exist
 * is StrataError('config') naming it and the region; other failures are StrataError('aws').
 */
export async function describeStackOutputs(client: CloudFormationClient, stackName: string): Promise<Record<string, string>> {
  const region = await client.config.region().catch(() => undefined)
  const where = region ? ` in ${region}` : ''
  let response
  try {
    response = await client.send(new DescribeStacksCommand({ StackName: stackName }))
  } catch (error) {
    const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : 'error'
    const message = error instanceof Error ? error.message : String(error)
    // CloudFormation answers a missing stack with a ValidationError "Stack with id X does not exist".
    if (/does not exist/i.test(message)) {
      throw new StrataError('config', `stack ${stackName} does not exist${where}`, 'Deploy it first (cd deploy && npx cdk deploy), or check the name (--aws-stack / STRATA_AWS_STACK / aws.stack) and the region (AWS_REGION).', { cause: error })
    }
    throw new StrataError('aws', `CloudFormation DescribeStacks of ${stackName}${where} failed: ${name}: ${message}`, 'The caller needs cloudformation:DescribeStacks on the stack; check the credentials, the network and AWS_REGION.', { cause: error })
  }
  const stack = response.Stacks?.[0]
  if (!stack) throw new StrataError('config', `stack ${stackName} does not exist${where}`, 'Deploy it first (cd deploy && npx cdk deploy), or check the name and AWS_REGION.')
  const outputs: Record<string, string> = {}
  for (const output of stack.Outputs ?? []) if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue
  return outputs
}

/** The reader `strata --aws-stack` uses: one client per call, in the given region (else the SDK's chain). */
export const readStackOutputs: StackOutputsReader = (stackName, region) => describeStackOutputs(createCloudFormationClient(region ? { region } : {}), stackName)
