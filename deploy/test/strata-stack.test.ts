import { readdirSync, readFileSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { App } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkConfig, STACK_OUTPUTS } from '../../framework/config/index.js'
import { dailySchedule } from '../../schedules/daily-schedule.js'
import { SEGMENT_NAMES } from '../../assets/lib/segment-model-types.js'
import { TABLE_NAMES } from '../../assets/lib/tables.js'
import { buildApp } from '../lib/build-app.js'
import { REPOSITORY_ROOT, type StrataStack } from '../lib/strata-stack.js'

type Json = Record<string, unknown>
const outdirs: string[] = []

/** Synthesize the app in process, as `cdk synth` does, with the given context; no Docker is run. */
function synth(context: Record<string, unknown> = {}): { stack: StrataStack; template: Template; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'strata-cdk-'))
  outdirs.push(outdir)
  const app = new App({ outdir, context })
  const stack = buildApp(app)
  return { stack, template: Template.fromStack(stack), outdir }
}

/** A CloudFormation value as text: Fn::Join flattened, references by name (a region for AWS::Region). */
function text(value: unknown): string {
  if (typeof value === 'string') return value
  const v = value as Json
  if ('Fn::Join' in v) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]]
    return parts.map(text).join(separator)
  }
  if ('Ref' in v) return v.Ref === 'AWS::Region' ? 'eu-west-1' : v.Ref === 'AWS::AccountId' ? '123456789012' : `ref-${String(v.Ref).toLowerCase()}`
  if ('Fn::GetAtt' in v) return `getatt-${(v['Fn::GetAtt'] as string[]).join('-').toLowerCase()}`
  return JSON.stringify(v)
}

const statementsOf = (template: Template, type: 'AWS::IAM::Policy' | 'AWS::IAM::ManagedPolicy'): Json[] =>
  Object.values(template.findResources(type)).flatMap((r) => ((r.Properties as Json).PolicyDocument as { Statement: Json[] }).Statement)
const policyNamed = (template: Template, prefix: string): Json[] => {
  const [, policy] = Object.entries({ ...template.findResources('AWS::IAM::Policy'), ...template.findResources('AWS::IAM::ManagedPolicy') }).find(([id]) => id.startsWith(prefix)) ?? []
  return ((policy?.Properties as Json).PolicyDocument as { Statement: Json[] }).Statement
}
const actionsOf = (statement: Json): string[] => [statement.Action].flat() as string[]

let stack: StrataStack
let template: Template
let outdir: string
beforeAll(() => {
  // Any attempt to run Docker during synth would fail loudly.
  process.env.CDK_DOCKER = '/nonexistent/docker'
  ;({ stack, template, outdir } = synth({ alarmEmail: 'ops@example.com' }))
})
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true })
})

describe('the Strata stack: data', () => {
  it('two buckets, KMS-encrypted with the stack key, public access blocked, versioned, superseded versions expired', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2)
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true })
    const buckets = Object.values(template.findResources('AWS::S3::Bucket'))
    for (const bucket of buckets) {
      expect(bucket.DeletionPolicy).toBe('Retain')
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] } } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: { Rules: [expect.objectContaining({ Id: 'ExpireSupersededVersions', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } })] },
      })
    }
  })

  it('TLS-only bucket policies: deny without SecureTransport and below TLS 1.2', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'))
    expect(policies).toHaveLength(2)
    for (const policy of policies) {
      const statements = ((policy.Properties as Json).PolicyDocument as { Statement: Json[] }).Statement
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }))
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }))
    }
  })

  it('a given KMS key instead of the stack key', () => {
    const arn = 'arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-1111-2222-333344445555'
    const given = synth({ kmsKeyArn: arn }).template
    given.resourceCountIs('AWS::KMS::Key', 0)
    given.hasResourceProperties('AWS::S3::Bucket', { BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arn } })] } })
    expect(policyNamed(given, 'TaskPolicy')).toContainEqual(expect.objectContaining({ Sid: 'DataKeyThroughS3', Resource: arn }))
  })

  it('the Glue database for Athena', () => {
    template.hasResourceProperties('AWS::Glue::Database', { CatalogId: { Ref: 'AWS::AccountId' }, DatabaseInput: Match.objectLike({ Name: 'cdi' }) })
    synth({ glueDatabase: 'cdi_prod' }).template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: 'cdi_prod' }) })
  })
})

describe('the Strata stack: the task', () => {
  it('an ECS cluster, and a Fargate task definition sized for 1M customers: 2 vCPU, 4 GiB, 21 GiB disk', () => {
    template.resourceCountIs('AWS::ECS::Cluster', 1)
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'strata',
      Cpu: '2048',
      Memory: '4096',
      EphemeralStorage: { SizeInGiB: 21 },
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
      TaskRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TaskRole'), 'Arn'] },
      ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ExecutionRole'), 'Arn'] },
    })
    expect(stack.size).toEqual({ cpu: 2048, memoryMiB: 4096, ephemeralStorageGiB: 21, expectedPeakMiB: 1540 })
    synth({ customers: 100000 }).template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '1024', Memory: '2048' })
  })

  it('the container: the image asset, logs to the log group with retention, STRATA_SETTINGS as one document', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/strata', RetentionInDays: 90 })
    const definition = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]?.Properties as { ContainerDefinitions: Json[] }
    expect(definition.ContainerDefinitions).toHaveLength(1)
    const container = definition.ContainerDefinitions[0] as { Name: string; Image: unknown; LogConfiguration: Json; Environment: { Name: string; Value: unknown }[] }
    expect(container.Name).toBe('strata')
    expect(text(container.Image)).toContain('container-assets')
    expect(container.LogConfiguration).toEqual({ LogDriver: 'awslogs', Options: { 'awslogs-group': { Ref: expect.stringMatching(/^Logs/) }, 'awslogs-stream-prefix': 'strata', 'awslogs-region': { Ref: 'AWS::Region' } } })
    // Only the settings document: no other STRATA_* variable, nothing secret.
    expect(container.Environment.map((e) => e.Name)).toEqual(['STRATA_SETTINGS'])
    const document = checkConfig(JSON.parse(text(container.Environment[0]?.Value)), 'STRATA_SETTINGS')
    expect(document).toEqual({
      landing: expect.stringMatching(/^s3:\/\/ref-landing[0-9a-z]+\/landing$/),
      storage: expect.stringMatching(/^s3:\/\/ref-storage[0-9a-z]+\/strata$/),
      concurrency: 3,
      aws: { region: 'eu-west-1', glueDatabase: 'cdi' },
      cloudwatch: { enabled: true, namespace: 'CDI' },
    })
    const tuned = synth({ hysteresisDelta: '12', quarantineThreshold: 0.02, start: '2026-01-01', segmentation: 'stable' }).template
    const env = (Object.values(tuned.findResources('AWS::ECS::TaskDefinition'))[0]?.Properties as { ContainerDefinitions: { Environment: { Value: unknown }[] }[] }).ContainerDefinitions[0]?.Environment[0]
    expect(checkConfig(JSON.parse(text(env?.Value)), 'STRATA_SETTINGS')).toMatchObject({ start: '2026-01-01', hysteresisDelta: 12, quarantineThreshold: 0.02, segmentation: 'stable' })
  })

  it('the image asset is staged from the Dockerfile\'s folder without running Docker; data/, node_modules/, deploy/ stay out of the context', () => {
    const assets = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.assets.json`), 'utf8')) as { dockerImages: Record<string, { source: { directory: string; platform?: string } }> }
    const images = Object.values(assets.dockerImages)
    expect(images).toHaveLength(1)
    const context = join(outdir, images[0]?.source.directory as string)
    const names = readdirSync(context)
    expect(names).toEqual(expect.arrayContaining(['Dockerfile', 'package.json', 'package-lock.json', 'framework', 'assets', 'resources', 'schedules', 'bin']))
    for (const excluded of ['node_modules', 'data', 'deploy', '.git', 'test', 'bench', 'dist', '.bench-cache']) expect(names).not.toContain(excluded)
    expect(images[0]?.source.platform).toBe('linux/amd64')
    expect(REPOSITORY_ROOT.endsWith('/')).toBe(true)
  })

  it('an existing ECR image instead of the build', () => {
    const { template: given, outdir: dir, stack: s } = synth({ image: 'strata:v7' })
    const container = (Object.values(given.findResources('AWS::ECS::TaskDefinition'))[0]?.Properties as { ContainerDefinitions: { Image: unknown }[] }).ContainerDefinitions[0]
    expect(text(container?.Image)).toMatch(/\.dkr\.ecr\..*\/strata:v7$/)
    const assets = JSON.parse(readFileSync(join(dir, `${s.artifactId}.assets.json`), 'utf8')) as { dockerImages: Json }
    expect(assets.dockerImages).toEqual({})
  })
})

describe('the Strata stack: least privilege', () => {
  const policy = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'resources/iam-policy.json'), 'utf8')) as { task: { Statement: Json[] }; launcher: { Statement: Json[] } }

  it("the task role holds resources/iam-policy.json's task statements for the stack's buckets, database and log group, plus KMS through S3", () => {
    const statements = policyNamed(template, 'TaskPolicy')
    expect(statements.map((s) => [s.Sid, actionsOf(s)])).toEqual([...policy.task.Statement.map((s) => [s.Sid, actionsOf(s)]), ['DataKeyThroughS3', ['kms:Decrypt', 'kms:GenerateDataKey']]])
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]))
    expect(text(bySid.ReadWriteStorage?.Resource)).toMatch(/^arn:aws:s3:::ref-storage[0-9a-z]+\/strata\/\*$/)
    expect(text(bySid.ReadWriteLanding?.Resource)).toMatch(/^arn:aws:s3:::ref-landing[0-9a-z]+\/landing\/\*$/)
    expect((bySid.GlueTheOneDatabase?.Resource as unknown[]).map(text)).toEqual(['arn:aws:glue:eu-west-1:123456789012:catalog', 'arn:aws:glue:eu-west-1:123456789012:database/cdi', 'arn:aws:glue:eu-west-1:123456789012:table/cdi/*'])
    expect(bySid.DriftMetricsInNamespaceCDI?.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'CDI' } })
    expect(text(bySid.OwnLogGroup?.Resource)).toBe('arn:aws:logs:eu-west-1:123456789012:log-group:/strata:*')
    expect(bySid.DataKeyThroughS3).toMatchObject({ Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] } })
    expect(text((bySid.DataKeyThroughS3?.Condition as { StringEquals: Json }).StringEquals['kms:ViaService'])).toBe('s3.eu-west-1.amazonaws.com')
  })

  it('no policy of the stack has a wildcard action; "*" resources only where the API has no resource (metrics, ECR token, task definitions)', () => {
    const all = [...statementsOf(template, 'AWS::IAM::Policy'), ...statementsOf(template, 'AWS::IAM::ManagedPolicy')]
    expect(all.length).toBeGreaterThan(15)
    for (const statement of all) {
      for (const action of actionsOf(statement)) expect(action).not.toContain('*')
      if (statement.Resource === '*') expect(actionsOf(statement)).toEqual(expect.arrayContaining([expect.stringMatching(/^(cloudwatch:PutMetricData|ecr:GetAuthorizationToken|ecs:DescribeTaskDefinition)$/)]))
      if (statement.Resource === '*') expect(actionsOf(statement)).toHaveLength(1)
      expect(statement.Effect).toBe('Allow')
    }
  })

  it('the execution role pulls the image and writes the logs, nothing else', () => {
    const statements = policyNamed(template, 'ExecutionRoleDefaultPolicy')
    expect(statements.flatMap(actionsOf).sort()).toEqual(['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetAuthorizationToken', 'ecr:GetDownloadUrlForLayer', 'logs:CreateLogStream', 'logs:PutLogEvents'])
  })

  it("the launcher policy is the file's launcher statements for this cluster, family and roles, plus KMS and DescribeStacks", () => {
    const statements = policyNamed(template, 'LauncherPolicy')
    expect(statements.map((s) => s.Sid)).toEqual([...policy.launcher.Statement.map((s) => s.Sid), 'DataKeyThroughS3', 'ReadTheStackOutputs'])
    const pass = statements.find((s) => s.Sid === 'PassTheTwoRoles')
    expect((pass?.Resource as unknown[]).map(text)).toEqual([expect.stringMatching(/^getatt-taskrole.*-arn$/), expect.stringMatching(/^getatt-executionrole.*-arn$/)])
    expect(text(statements.find((s) => s.Sid === 'RunTheStrataTaskDefinition')?.Resource)).toBe('arn:aws:ecs:eu-west-1:123456789012:task-definition/strata:*')
  })
})

describe('the Strata stack: the daily schedule', () => {
  it("an EventBridge rule at the daily schedule's cron in UTC runs `strata schedule tick` as a Fargate task", () => {
    expect(dailySchedule().cron).toBe('0 2 * * *')
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Cluster'), 'Arn'] },
          Input: JSON.stringify({ containerOverrides: [{ name: 'strata', command: ['schedule', 'tick'] }] }),
          EcsParameters: Match.objectLike({
            LaunchType: 'FARGATE',
            TaskCount: 1,
            TaskDefinitionArn: { Ref: Match.stringLikeRegexp('^TaskDefinition') },
            NetworkConfiguration: { AwsVpcConfiguration: { AssignPublicIp: 'ENABLED', SecurityGroups: [Match.anyValue()], Subnets: [Match.anyValue(), Match.anyValue()] } },
          }),
          RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 3 },
        }),
      ],
    })
    // EventBridge's role may run only this task definition on this cluster.
    expect(statementsOf(template, 'AWS::IAM::Policy')).toContainEqual(expect.objectContaining({ Action: 'ecs:RunTask', Resource: { Ref: expect.stringMatching(/^TaskDefinition/) }, Condition: { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/^Cluster/), 'Arn'] } } } }))
  })
})

describe('the Strata stack: alarms and dashboard', () => {
  const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties as Json)
  const alarmOn = (metric: string) => alarms().find((a) => a.MetricName === metric) as Json

  it('an SNS topic with the email subscription, every alarm sending to it', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Endpoint: 'ops@example.com', Protocol: 'email', TopicArn: { Ref: Match.stringLikeRegexp('^Alarms') } })
    expect(alarms()).toHaveLength(4)
    for (const alarm of alarms()) expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }])
    synth().template.resourceCountIs('AWS::SNS::Subscription', 0)
  })

  it('RunCompleted missing by the 03:00 UTC deadline: missing data breaching, looking back over 50 hourly periods', () => {
    expect(alarmOn('RunCompleted')).toMatchObject({ Namespace: 'CDI', Statistic: 'Sum', Period: 3600, EvaluationPeriods: 50, DatapointsToAlarm: 50, Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' })
    expect(alarmOn('RunCompleted').Dimensions).toBeUndefined()
    expect(alarmOn('RunCompleted').OKActions).toHaveLength(1)
  })

  it('a drift report in alert, a failed step, the tick task failing to launch', () => {
    expect(alarmOn('Drift_Status')).toMatchObject({ Namespace: 'CDI', Statistic: 'Maximum', Threshold: 2, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching', EvaluationPeriods: 48, DatapointsToAlarm: 1 })
    expect(alarmOn('Steps_Failed')).toMatchObject({ Namespace: 'CDI', Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' })
    expect(alarmOn('FailedInvocations')).toMatchObject({ Namespace: 'AWS/Events', Dimensions: [{ Name: 'RuleName', Value: { Ref: expect.stringMatching(/^DailyTick/) } }], Threshold: 1 })
  })

  it('ECS task-stopped events reach the topic: tasks that failed to start, tick tasks that exited non-zero', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).map((r) => r.Properties as { EventPattern?: { detail: Json }; Targets: Json[] }).filter((r) => r.EventPattern)
    expect(rules.map((r) => r.EventPattern?.detail)).toEqual([
      { clusterArn: [{ 'Fn::GetAtt': [expect.stringMatching(/^Cluster/), 'Arn'] }], lastStatus: ['STOPPED'], group: ['family:strata'], stopCode: ['TaskFailedToStart'] },
      { clusterArn: [{ 'Fn::GetAtt': [expect.stringMatching(/^Cluster/), 'Arn'] }], lastStatus: ['STOPPED'], group: ['family:strata'], startedBy: [{ prefix: 'events-rule/' }], containers: { name: ['strata'], exitCode: [{ 'anything-but': 0 }] } },
    ])
    for (const rule of rules) expect(rule.Targets[0]?.Arn).toEqual({ Ref: expect.stringMatching(/^Alarms/) })
  })

  it('a dashboard of the CDI namespace: mean and std, PSI, churn, segment sizes, quarantine rate', () => {
    const body = text(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties?.DashboardBody)
    const metrics = (JSON.parse(body) as { widgets: { properties: { metrics: unknown[][] } }[] }).widgets.flatMap((w) => w.properties.metrics)
    const named = (name: string) => metrics.filter((m) => m[0] === 'CDI' && m[1] === name)
    for (const name of ['CDI_Mean', 'CDI_StdDev', 'PSI_CDI', 'Segment_Churn', 'RunCompleted', 'Drift_Status', 'Steps_Failed']) expect(named(name)).toHaveLength(1)
    expect(named('Segment_Size').map((m) => m.slice(2, 4))).toEqual(SEGMENT_NAMES.map((s) => ['Segment', s]))
    expect(named('Quarantine_Rate').map((m) => m.slice(2, 4))).toEqual(TABLE_NAMES.map((t) => ['Table', t]))
  })
})

describe('the Strata stack: outputs and parameters', () => {
  it('outputs every setting strata --aws-stack reads', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>
    for (const key of Object.values(STACK_OUTPUTS)) expect(outputs[key], key).toBeDefined()
    expect(text(outputs.LandingUrl?.Value)).toMatch(/^s3:\/\/ref-landing[0-9a-z]+\/landing$/)
    expect(text(outputs.Subnets?.Value)).toMatch(/^ref-vpcpublicsubnet1\w+,ref-vpcpublicsubnet2\w+$/)
    expect(outputs.AssignPublicIp?.Value).toBe('true')
    expect(outputs.TaskDefinitionFamily?.Value).toBe('strata')
    expect(outputs.Region?.Value).toEqual({ Ref: 'AWS::Region' })
  })

  it("a given VPC: its private subnets, no public IP", () => {
    process.env.CDK_DEFAULT_ACCOUNT = '123456789012'
    process.env.CDK_DEFAULT_REGION = 'eu-west-1'
    try {
      // What `cdk synth` caches in cdk.context.json after looking the VPC up.
      const subnet = (id: string, zone: string) => ({ subnetId: id, cidr: '10.0.0.0/24', availabilityZone: zone, routeTableId: `rtb-${id.slice(7)}` })
      const lookup = {
        vpcId: 'vpc-0abc1234',
        vpcCidrBlock: '10.0.0.0/16',
        availabilityZones: [],
        subnetGroups: [
          { name: 'Private', type: 'Private', subnets: [subnet('subnet-0a1a1a1a', 'eu-west-1a'), subnet('subnet-0b2b2b2b', 'eu-west-1b')] },
          { name: 'Public', type: 'Public', subnets: [subnet('subnet-0c3c3c3c', 'eu-west-1a'), subnet('subnet-0d4d4d4d', 'eu-west-1b')] },
        ],
      }
      const { template: own } = synth({ vpcId: 'vpc-0abc1234', 'vpc-provider:account=123456789012:filter.vpc-id=vpc-0abc1234:region=eu-west-1:returnAsymmetricSubnets=true': lookup })
      own.resourceCountIs('AWS::EC2::VPC', 0)
      own.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0abc1234' })
      const outputs = own.toJSON().Outputs as Record<string, { Value: unknown }>
      expect(outputs.AssignPublicIp?.Value).toBe('false')
      expect(text(outputs.Subnets?.Value)).toBe('subnet-0a1a1a1a,subnet-0b2b2b2b')
      own.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ EcsParameters: Match.objectLike({ NetworkConfiguration: { AwsVpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) } }) })] })
    } finally {
      delete process.env.CDK_DEFAULT_ACCOUNT
      delete process.env.CDK_DEFAULT_REGION
    }
  })

  it('a bad parameter names the context key', () => {
    expect(() => synth({ customers: 'many' })).toThrow('context customers="many" is not a whole number from 1 to 45000000')
    expect(() => synth({ logRetentionDays: 10 })).toThrow('context logRetentionDays=10 is not a CloudWatch Logs retention')
    expect(() => synth({ alarmEmail: 'nobody' })).toThrow('context alarmEmail="nobody" is not an email address')
    expect(() => synth({ stackName: 'bad_name' })).toThrow('context stackName="bad_name" is not a CloudFormation stack name')
  })
})
