import type { App } from 'aws-cdk-lib'
import { stackParameters } from './stack-parameters.js'
import { StrataStack } from './strata-stack.js'

/**
 * The app's one stack: named by context `stackName` (default Strata), in the account and region
 * of the CLI's credentials (CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION), which a VPC lookup needs.
 */
export function buildApp(app: App): StrataStack {
  const context = (key: string): unknown => app.node.tryGetContext(key)
  const stackName = (context('stackName') as string | undefined) ?? 'Strata'
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) throw new Error(`context stackName="${String(stackName).slice(0, 40)}" is not a CloudFormation stack name`)
  const account = process.env.CDK_DEFAULT_ACCOUNT
  const region = process.env.CDK_DEFAULT_REGION
  return new StrataStack(app, stackName, {
    stackName,
    description: "Strata: the daily CDI pipeline (buckets, Fargate task, daily schedule, Glue database, alarms, dashboard)",
    ...(account && region ? { env: { account, region } } : {}),
    parameters: stackParameters(context),
  })
}
