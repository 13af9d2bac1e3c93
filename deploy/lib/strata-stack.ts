import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets'
import * as ecr from 'aws-cdk-lib/aws-ecr'
import * as ecs from 'aws-cdk-lib/aws-ecs'
import * as events from 'aws-cdk-lib/aws-events'
import * as targets from 'aws-cdk-lib/aws-events-targets'
import { CfnDatabase } from 'aws-cdk-lib/aws-glue'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as kms from 'aws-cdk-lib/aws-kms'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as s3 from 'aws-cdk-lib/aws-s3'
import * as sns from 'aws-cdk-lib/aws-sns'
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions'
import type { Construct } from 'constructs'
import { STACK_OUTPUTS } from '../../framework/config/stack-outputs.js'
import { dailySchedule } from '../../schedules/daily-schedule.js'
import { SEGMENT_NAMES } from '../../assets/lib/segment-model-types.js'
import { TABLE_NAMES } from '../../assets/lib/tables.js'
import { eventBridgeCron } from './eventbridge-cron.js'
import type { StrataStackParameters } from './stack-parameters.js'
import { taskSizeFor, type TaskSize } from './task-size.js'

/** The repository root: the Docker build context, and where resources/iam-policy.json lives. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The one container of the task definition; the launcher's and the schedule's command overrides name it. */
export const CONTAINER_NAME = 'strata'
/** The namespace the pipeline publishes to (SPEC §7; resources/cloudwatch.ts). */
export const NAMESPACE = 'CDI'
/** drift_report's freshness: partition D is due by 03:00 UTC on D+1 (assets/drift-report.ts). */
export const RUN_DEADLINE_HOUR_UTC = 3

export interface StrataStackProps extends StackProps {
  readonly parameters: StrataStackParameters
}

type PolicyJson = { Statement: Record<string, unknown>[] }

/**
 * Strata's daily CDI pipeline on AWS: KMS-encrypted landing and storage buckets, the image, an
 * ECS cluster with the Fargate task definition, the daily `strata schedule tick` from
 * EventBridge, the Glue database, alarms to an SNS topic and a dashboard of the CDI figures.
 * Its outputs are what `strata --aws-stack NAME` reads (framework/config/stack-outputs.ts).
 */
export class StrataStack extends Stack {
  readonly size: TaskSize

  constructor(scope: Construct, id: string, props: StrataStackProps) {
    super(scope, id, props)
    const p = props.parameters
    this.size = taskSizeFor(p.customers)

    // Data: one key for both buckets (the stack's, with rotation, or a given one).
    const key = p.kmsKeyArn
      ? kms.Key.fromKeyArn(this, 'DataKey', p.kmsKeyArn)
      : new kms.Key(this, 'DataKey', { description: 'Strata: landing and storage buckets', enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN })
    const landing = this.dataBucket('Landing', key, p)
    const storage = this.dataBucket('Storage', key, p)
    const landingUrl = `s3://${landing.bucketName}/${p.landingPrefix}`
    const storageUrl = `s3://${storage.bucketName}/${p.storagePrefix}`

    // Network: a VPC of public subnets with an S3 gateway endpoint and no NAT (tasks get a
    // public IP and no inbound rule), or the given VPC's private subnets.
    const vpc = p.vpcId ? ec2.Vpc.fromLookup(this, 'Vpc', { vpcId: p.vpcId }) : new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }], gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } } })
    const assignPublicIp = p.vpcId === undefined
    const subnetSelection: ec2.SubnetSelection = { subnetType: assignPublicIp ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS }
    const securityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', { vpc, allowAllOutbound: true, description: 'Strata tasks: outbound only (S3, ECR, CloudWatch, Glue)' })

    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, enableFargateCapacityProviders: true })
    const logGroup = new logs.LogGroup(this, 'Logs', { logGroupName: p.logGroupName, retention: p.logRetentionDays as logs.RetentionDays, removalPolicy: RemovalPolicy.RETAIN })
    const database = new CfnDatabase(this, 'Catalog', { catalogId: Aws.ACCOUNT_ID, databaseInput: { name: p.glueDatabase, description: 'Strata: one table per asset, partitions registered after each commit' } })

    // Roles: the task role is resources/iam-policy.json's `task` policy for these resources,
    // plus the data key through S3; the execution role gets CDK's image pull and log grants.
    const placeholders: Record<string, string> = {
      ACCOUNT_ID: Aws.ACCOUNT_ID,
      AWS_REGION: Aws.REGION,
      DATA_BUCKET: storage.bucketName,
      DATA_PREFIX: p.storagePrefix,
      LANDING_BUCKET: landing.bucketName,
      LANDING_PREFIX: p.landingPrefix,
      GLUE_DATABASE: p.glueDatabase,
      CLUSTER: cluster.clusterName,
    }
    const policies = JSON.parse(readFileSync(`${REPOSITORY_ROOT}resources/iam-policy.json`, 'utf8')) as { task: PolicyJson; launcher: PolicyJson }
    const kmsThroughS3 = new iam.PolicyStatement({ sid: 'DataKeyThroughS3', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn], conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } } })

    const taskRole = new iam.Role(this, 'TaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), description: 'Strata steps: the two prefixes, the Glue database, metrics in namespace CDI, its log group' })
    const taskPolicy = this.policyFrom(policies.task, placeholders, p)
    taskPolicy.addStatements(kmsThroughS3)
    new iam.Policy(this, 'TaskPolicy', { document: taskPolicy, roles: [taskRole] })
    const executionRole = new iam.Role(this, 'ExecutionRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), description: 'Strata tasks: pull the image, deliver the logs' })

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: p.family,
      cpu: this.size.cpu,
      memoryLimitMiB: this.size.memoryMiB,
      ephemeralStorageGiB: this.size.ephemeralStorageGiB,
      runtimePlatform: { operatingSystemFamily: ecs.OperatingSystemFamily.LINUX, cpuArchitecture: ecs.CpuArchitecture.X86_64 },
      taskRole,
      executionRole,
    })
    taskDefinition.addContainer(CONTAINER_NAME, {
      containerName: CONTAINER_NAME,
      image: this.image(p),
      command: ['--help'],
      essential: true,
      stopTimeout: Duration.seconds(60),
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'strata' }),
      // The settings document (notes: settings contract): the strata.config.json schema, filled in.
      environment: { STRATA_SETTINGS: this.toJsonString(this.settingsDocument(p, landingUrl, storageUrl)) },
    })

    // The daily tick, at the daily schedule's own cron (UTC). A tick is idempotent, so the
    // retries EventBridge makes cannot run a day twice.
    const daily = dailySchedule()
    const tick = new events.Rule(this, 'DailyTick', { description: `strata schedule tick: the ${daily.name} schedule (${daily.cron} ${daily.timezone})`, schedule: events.Schedule.expression(eventBridgeCron(daily.cron, daily.timezone)) })
    tick.addTarget(
      new targets.EcsTask({
        cluster,
        taskDefinition,
        launchType: ecs.LaunchType.FARGATE,
        platformVersion: ecs.FargatePlatformVersion.LATEST,
        subnetSelection,
        securityGroups: [securityGroup],
        assignPublicIp,
        containerOverrides: [{ containerName: CONTAINER_NAME, command: ['schedule', 'tick'] }],
        retryAttempts: 3,
        maxEventAge: Duration.hours(2),
      }),
    )

    // Whoever runs `strata backfill --executor fargate` against this stack: attach this policy.
    const launcherPolicy = new iam.ManagedPolicy(this, 'LauncherPolicy', { description: 'Strata: run backfills on this stack (strata --aws-stack ... backfill --executor fargate)', document: this.policyFrom(policies.launcher, placeholders, p, { taskRole, executionRole }) })
    launcherPolicy.addStatements(kmsThroughS3, new iam.PolicyStatement({ sid: 'ReadTheStackOutputs', actions: ['cloudformation:DescribeStacks'], resources: [this.stackId] }))

    const topic = new sns.Topic(this, 'Alarms', { displayName: 'Strata alarms', enforceSSL: true })
    if (p.alarmEmail) topic.addSubscription(new EmailSubscription(p.alarmEmail))
    this.alarms(topic, tick, cluster, p)
    const dashboard = this.dashboard()

    const outputs: Record<keyof typeof STACK_OUTPUTS, string> = {
      landing: landingUrl,
      storage: storageUrl,
      region: Aws.REGION,
      glueDatabase: database.ref,
      cluster: cluster.clusterName,
      taskDefinition: p.family,
      containerName: CONTAINER_NAME,
      subnets: Fn.join(',', vpc.selectSubnets(subnetSelection).subnetIds),
      securityGroups: securityGroup.securityGroupId,
      assignPublicIp: String(assignPublicIp),
    }
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, STACK_OUTPUTS[name as keyof typeof STACK_OUTPUTS], { value })
    new CfnOutput(this, 'AlarmTopicArn', { value: topic.topicArn })
    new CfnOutput(this, 'LogGroupName', { value: logGroup.logGroupName })
    new CfnOutput(this, 'LauncherPolicyArn', { value: launcherPolicy.managedPolicyArn })
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboardName })
    new CfnOutput(this, 'TaskSize', { value: `${this.size.cpu / 1024} vCPU, ${this.size.memoryMiB} MiB, ${this.size.ephemeralStorageGiB} GiB disk for ${p.customers} customers` })
  }

  private dataBucket(id: 'Landing' | 'Storage', key: kms.IKey, p: StrataStackParameters): s3.Bucket {
    return new s3.Bucket(this, id, {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      // Strata deletes superseded `v=` folders itself after an hour; versioning keeps deleted and
      // overwritten objects recoverable for a while, then this rule removes them for good.
      lifecycleRules: [{ id: 'ExpireSupersededVersions', noncurrentVersionExpiration: Duration.days(p.noncurrentVersionDays), expiredObjectDeleteMarker: true, abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN,
    })
  }

  /** The Dockerfile at the repository root (built and pushed by `cdk deploy`), or a given ECR image. */
  private image(p: StrataStackParameters): ecs.ContainerImage {
    if (p.image) {
      const [repository, tag] = p.image.replace(/^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\//, '').split(':') as [string, string]
      return ecs.ContainerImage.fromEcrRepository(ecr.Repository.fromRepositoryName(this, 'Repository', repository), tag)
    }
    // .dockerignore keeps data/, node_modules/, deploy/ and the bench cache out of the context.
    return ecs.ContainerImage.fromDockerImageAsset(new DockerImageAsset(this, 'Image', { directory: REPOSITORY_ROOT, platform: Platform.LINUX_AMD64 }))
  }

  /** STRATA_SETTINGS: every setting the task's `strata` reads, in the strata.config.json schema. */
  private settingsDocument(p: StrataStackParameters, landing: string, storage: string): Record<string, unknown> {
    return {
      landing,
      storage,
      concurrency: this.size.cpu / 1024 + 1,
      ...(p.start ? { start: p.start } : {}),
      ...(p.hysteresisDelta !== undefined ? { hysteresisDelta: p.hysteresisDelta } : {}),
      ...(p.quarantineThreshold !== undefined ? { quarantineThreshold: p.quarantineThreshold } : {}),
      ...(p.segmentation ? { segmentation: p.segmentation } : {}),
      aws: { region: Aws.REGION, glueDatabase: p.glueDatabase },
      cloudwatch: { enabled: true, namespace: NAMESPACE },
    }
  }

  /** A policy of resources/iam-policy.json with its placeholders filled in for this stack. */
  private policyFrom(policy: PolicyJson, placeholders: Record<string, string>, p: StrataStackParameters, roles?: { taskRole: iam.IRole; executionRole: iam.IRole }): iam.PolicyDocument {
    let text = JSON.stringify({ Version: '2012-10-17', Statement: policy.Statement })
    // The file's fixed names: the log group, the task definition family and the two roles.
    text = text.replaceAll('log-group:/strata:', `log-group:${p.logGroupName}:`).replaceAll('task-definition/strata:', `task-definition/${p.family}:`)
    if (roles) text = text.replaceAll('arn:aws:iam::${ACCOUNT_ID}:role/strata-task-execution', roles.executionRole.roleArn).replaceAll('arn:aws:iam::${ACCOUNT_ID}:role/strata-task', roles.taskRole.roleArn)
    text = text.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
      const value = placeholders[name]
      if (value === undefined) throw new Error(`resources/iam-policy.json: unknown placeholder \${${name}}`)
      return value
    })
    return iam.PolicyDocument.fromJson(JSON.parse(text))
  }

  private metric(metricName: string, statistic: string, period: Duration, dimensionsMap?: Record<string, string>): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: NAMESPACE, metricName, statistic, period, ...(dimensionsMap ? { dimensionsMap } : {}) })
  }

  private alarms(topic: sns.ITopic, tick: events.Rule, cluster: ecs.ICluster, p: StrataStackParameters): void {
    const action = new SnsAction(topic)
    const hour = Duration.hours(1)
    // RunCompleted is stamped with its partition's day (D 00:00 UTC) and arrives on D+1 after the
    // tick. An hourly alarm that looks back 47 + deadline hours sees D-1's data point until the
    // deadline on D+1 and D's from then on: with every period missing (missing = breaching) it
    // fires exactly when D's has not arrived by the deadline — and until the first run completes.
    const lookback = 47 + RUN_DEADLINE_HOUR_UTC
    const runMissing = new cloudwatch.Alarm(this, 'RunCompletedMissing', {
      alarmDescription: `The daily run did not complete: no RunCompleted for yesterday by ${String(RUN_DEADLINE_HOUR_UTC).padStart(2, '0')}:00 UTC. Look at the runs (strata runs --aws-stack ${this.stackName}) and the log group ${p.logGroupName}.`,
      metric: this.metric('RunCompleted', 'Sum', hour),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: lookback,
      datapointsToAlarm: lookback,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    })
    const driftAlert = new cloudwatch.Alarm(this, 'DriftAlert', {
      alarmDescription: 'A drift report is in alert (Drift_Status = 2): CDI PSI > 0.2, segment churn > 0.25 or a feature PSI > 0.25 (SPEC §7). strata show drift_report --partition D says which.',
      metric: this.metric('Drift_Status', 'Maximum', hour),
      threshold: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Stamped D 00:00 and published a day later: look back two days for it.
      evaluationPeriods: 48,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    })
    const stepFailed = new cloudwatch.Alarm(this, 'StepFailed', {
      alarmDescription: 'A run had a failed step (Steps_Failed ≥ 1). strata runs --limit 1 names it with its error and log stream.',
      metric: this.metric('Steps_Failed', 'Sum', hour),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    })
    const tickNotLaunched = new cloudwatch.Alarm(this, 'TickNotLaunched', {
      alarmDescription: 'EventBridge could not launch the daily tick task (FailedInvocations): RunTask was refused (role, subnets, capacity, task definition).',
      metric: new cloudwatch.Metric({ namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensionsMap: { RuleName: tick.ruleName }, statistic: 'Sum', period: hour }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    })
    for (const alarm of [runMissing, driftAlert, stepFailed, tickNotLaunched]) alarm.addAlarmAction(action)
    runMissing.addOkAction(action)

    // Tasks that were launched but never ran (image pull, secrets, ENI, capacity) and tick tasks
    // that exited non-zero, straight from ECS's task state events.
    const stopped = { clusterArn: [cluster.clusterArn], lastStatus: ['STOPPED'], group: [`family:${p.family}`] }
    new events.Rule(this, 'TaskFailedToStart', {
      description: 'Strata: a task of the family stopped before it started',
      eventPattern: { source: ['aws.ecs'], detailType: ['ECS Task State Change'], detail: { ...stopped, stopCode: ['TaskFailedToStart'] } },
      targets: [new targets.SnsTopic(topic, { message: events.RuleTargetInput.fromText(`Strata task ${events.EventField.fromPath('$.detail.taskArn')} failed to start: ${events.EventField.fromPath('$.detail.stoppedReason')}`) })],
    })
    new events.Rule(this, 'TickTaskFailed', {
      description: 'Strata: the scheduled tick task exited non-zero',
      eventPattern: { source: ['aws.ecs'], detailType: ['ECS Task State Change'], detail: { ...stopped, startedBy: [{ prefix: 'events-rule/' }], containers: { name: [CONTAINER_NAME], exitCode: [{ 'anything-but': 0 }] } } },
      targets: [new targets.SnsTopic(topic, { message: events.RuleTargetInput.fromText(`Strata's daily tick ${events.EventField.fromPath('$.detail.taskArn')} exited non-zero (1: a run failed, 2: configuration): ${events.EventField.fromPath('$.detail.stoppedReason')}`) })],
    })
  }

  private dashboard(): cloudwatch.Dashboard {
    const day = Duration.days(1)
    const daily = (name: string, statistic = 'Average', label?: string, dimensions?: Record<string, string>) => {
      const metric = this.metric(name, statistic, day, dimensions)
      return label ? metric.with({ label }) : metric
    }
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `${this.stackName}-CDI`, defaultInterval: Duration.days(30) })
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'CDI mean and standard deviation', left: [daily('CDI_Mean', 'Average', 'mean')], right: [daily('CDI_StdDev', 'Average', 'std')], width: 12 }),
      new cloudwatch.GraphWidget({ title: 'PSI of CDI (day over day)', left: [daily('PSI_CDI')], leftAnnotations: [{ value: 0.1, label: 'warn', color: '#ff7f0e' }, { value: 0.2, label: 'alert', color: '#d62728' }], width: 12 }),
    )
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Segment churn', left: [daily('Segment_Churn')], leftAnnotations: [{ value: 0.25, label: 'alert', color: '#d62728' }], width: 12 }),
      new cloudwatch.GraphWidget({ title: 'Segment sizes', left: SEGMENT_NAMES.map((segment) => daily('Segment_Size', 'Average', segment, { Segment: segment })), stacked: true, width: 12 }),
    )
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Quarantine rate per landing table', left: TABLE_NAMES.map((table) => daily('Quarantine_Rate', 'Maximum', table, { Table: table })), leftAnnotations: [{ value: 0.05, label: 'blocking threshold (default)', color: '#d62728' }], width: 12 }),
      new cloudwatch.GraphWidget({ title: 'Runs: completed days, drift status (2 = alert), failed steps', left: [daily('RunCompleted', 'Sum', 'run completed'), daily('Drift_Status', 'Maximum', 'drift status')], right: [daily('Steps_Failed', 'Sum', 'failed steps')], width: 12 }),
    )
    return dashboard
  }
}
