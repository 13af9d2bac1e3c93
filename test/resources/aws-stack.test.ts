import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockClient } from 'aws-sdk-client-mock'
import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../framework/cli/index.js'
import { STACK_OUTPUTS, type Settings } from '../../framework/config/index.js'
import { resolveFargateSettings } from '../../framework/executors/fargate-launcher.js'
import { settingsDocument } from '../../framework/config/settings-document.js'
import { toyDefinitions } from '../fixtures/toy-definitions.js'
import { platform } from '../../resources/platform.js'
import { STACK_OUTPUT_VALUES } from '../fixtures/stack-outputs.js'

const cloudformation = mockClient(CloudFormationClient)
const OUTPUTS: Record<string, string> = {
  ...STACK_OUTPUT_VALUES,
  AlarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:Strata-Alarms',
}
const asOutputs = (outputs: Record<string, string>): Output[] => Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }))

let dir: string
let loaded: Settings | undefined
const app: StrataApp = {
  name: 'strata',
  version: '0.0.0-test',
  platform,
  load: async (settings) => {
    loaded = settings
    return toyDefinitions()
  },
}
async function cli(env: Record<string, string>, ...argv: string[]) {
  loaded = undefined
  const io = captureIo({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', ...env }, dir)
  const code = await runCli(argv, io, app)
  return { code, out: io.out(), err: io.err() }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-stack-'))
})
afterAll(async () => rm(dir, { recursive: true, force: true }))
beforeEach(() => {
  cloudformation.reset()
  cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Strata', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: asOutputs(OUTPUTS) }] })
})

describe('--aws-stack: settings from a deployed stack', () => {
  it("reads the stack's outputs with DescribeStacks in AWS_REGION and uses them as landing, storage, aws.* and fargate.*", async () => {
    const { code, err } = await cli({ AWS_REGION: 'eu-west-1' }, 'assets', '--aws-stack', 'Strata')
    expect(err).toBe('')
    expect(code).toBe(0)
    const calls = cloudformation.commandCalls(DescribeStacksCommand)
    expect(calls.map((call) => call.args[0].input)).toEqual([{ StackName: 'Strata' }])
    expect(loaded?.landing).toBe('s3://strata-landing-abc123/landing')
    expect(loaded?.storage).toBe('s3://strata-storage-abc123/strata')
    expect(loaded?.config.aws).toEqual({ region: 'eu-west-1', glueDatabase: 'cdi' })
    expect(loaded?.config.cloudwatch).toEqual({ enabled: true })
    expect(resolveFargateSettings(loaded as Settings)).toMatchObject({ cluster: 'Strata-Cluster-1A2B', taskDefinition: 'strata', containerName: 'strata', subnets: ['subnet-0aa11', 'subnet-0bb22'], securityGroups: ['sg-0cc33'], assignPublicIp: true, region: 'eu-west-1' })
  })

  it('asks in the region of the config file when AWS_REGION is unset; STRATA_AWS_STACK and aws.stack name the stack too', async () => {
    await writeFile(join(dir, 'by-key.json'), JSON.stringify({ aws: { stack: 'FromConfig', region: 'us-east-2' } }))
    expect((await cli({}, 'assets', '--config', 'by-key.json')).code).toBe(0)
    expect(cloudformation.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({ StackName: 'FromConfig' })
    // The client was built for the config file's region.
    expect(await cloudformation.commandCalls(DescribeStacksCommand)[0]?.thisValue.config.region()).toBe('us-east-2')
    // The config file's own aws.region stays: only what the file leaves out comes from the stack.
    expect(loaded?.config.aws).toEqual({ stack: 'FromConfig', region: 'us-east-2', glueDatabase: 'cdi' })

    expect((await cli({ STRATA_AWS_STACK: 'FromEnv', AWS_REGION: 'eu-west-1' }, 'assets')).code).toBe(0)
    expect(cloudformation.commandCalls(DescribeStacksCommand).at(-1)?.args[0].input).toEqual({ StackName: 'FromEnv' })
  })

  it('flags, environment and the config file win over the stack', async () => {
    await writeFile(join(dir, 'own.json'), JSON.stringify({ landing: 's3://my-landing/in', fargate: { cluster: 'mine', subnets: ['subnet-0ff'] } }))
    const { code } = await cli({ AWS_REGION: 'eu-west-1', STRATA_FARGATE_SECURITY_GROUPS: 'sg-0ee' }, 'assets', '--aws-stack', 'Strata', '--config', 'own.json', '--storage', 's3://my-storage/out')
    expect(code).toBe(0)
    expect(loaded?.landing).toBe('s3://my-landing/in')
    expect(loaded?.storage).toBe('s3://my-storage/out')
    expect(resolveFargateSettings(loaded as Settings)).toMatchObject({ cluster: 'mine', taskDefinition: 'strata', subnets: ['subnet-0ff'], securityGroups: ['sg-0ee'] })
  })

  it('a stack that does not exist is exit 2 naming it and the region, with a hint', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }))
    const { code, err } = await cli({ AWS_REGION: 'eu-west-1' }, 'status', '--aws-stack', 'Nope')
    expect(code).toBe(2)
    expect(err).toContain('stack Nope does not exist in eu-west-1')
    expect(err).toContain('hint: Deploy it first (cd deploy && npx cdk deploy)')
    expect(loaded).toBeUndefined()
  })

  it('a stack without the Strata outputs is exit 2 naming the missing ones', async () => {
    const { [STACK_OUTPUTS.subnets]: _subnets, [STACK_OUTPUTS.cluster]: _cluster, ...partial } = OUTPUTS
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Other', CreationTime: new Date(), StackStatus: 'ROLLBACK_COMPLETE', Outputs: asOutputs(partial) }] })
    const { code, err } = await cli({ AWS_REGION: 'eu-west-1' }, 'status', '--aws-stack', 'Other')
    expect(code).toBe(2)
    expect(err).toContain('stack Other has no outputs ClusterName, Subnets')
    expect(err).toContain('hint: Is Other the Strata stack')
  })

  it('an output the config schema refuses is exit 2 naming the stack', async () => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Strata', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: asOutputs({ ...OUTPUTS, [STACK_OUTPUTS.subnets]: 'not-a-subnet' }) }] })
    const { code, err } = await cli({ AWS_REGION: 'eu-west-1' }, 'status', '--aws-stack', 'Strata')
    expect(code).toBe(2)
    expect(err).toContain('the outputs of stack Strata is invalid: /fargate/subnets/0')
  })

  it('denied access is an aws error (exit 1) with the IAM hint; a bad stack name is exit 2 before any call', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(Object.assign(new Error('User is not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' }))
    const denied = await cli({ AWS_REGION: 'eu-west-1' }, 'status', '--aws-stack', 'Strata')
    expect(denied.code).toBe(1)
    expect(denied.err).toContain('hint: The caller needs cloudformation:DescribeStacks')
    cloudformation.reset()
    const bad = await cli({}, 'status', '--aws-stack', 'no_underscores')
    expect(bad.code).toBe(2)
    expect(bad.err).toContain('--aws-stack "no_underscores" is not a CloudFormation stack name')
    expect(cloudformation.commandCalls(DescribeStacksCommand)).toHaveLength(0)
  })

  it('the Fargate launcher does not pass the stack name on to the step tasks (they get the resolved settings)', () => {
    const settings = { landing: 's3://l-bucket/x', storage: 's3://s-bucket/y', concurrency: 2, cwd: '/', env: {}, config: { aws: { stack: 'Strata', glueDatabase: 'cdi' } } } as unknown as Settings
    expect(settingsDocument(settings).aws).toEqual({ glueDatabase: 'cdi' })
  })

  it('no stack named: no CloudFormation call', async () => {
    expect((await cli({}, 'assets')).code).toBe(0)
    expect(cloudformation.commandCalls(DescribeStacksCommand)).toHaveLength(0)
  })
})
