import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'

/** A container definition the emulator can run: the image is a command line on this machine. */
export interface EmulatedTaskDefinition {
  readonly containerName: string
  /** The image's entry point, e.g. `[process.execPath, 'bin/strata.js']`; the task's command is appended. */
  readonly entryPoint: readonly string[]
  readonly cwd: string
  /** The container definition's environment (what the task role and image give a real task). */
  readonly environment: Readonly<Record<string, string>>
  readonly logGroup: string
  readonly streamPrefix: string
}

/**
 * A failure ECS produces, injected into the next RunTask: `capacity` (RunTask answers with a
 * capacity failure), `never-starts` (the task stays PROVISIONING until stopped), `oom` (the
 * container is killed with exit 137 after its first step line, as an out-of-memory kill),
 * `spot` (the task is interrupted after its first step line, stopCode SpotInterruption).
 */
export type EcsFault = 'capacity' | 'never-starts' | 'oom' | 'spot'

/** What a test can see of one launched task. */
export interface EmulatedTask {
  readonly taskArn: string
  readonly command: readonly string[]
  readonly environment: Readonly<Record<string, string>>
  lastStatus: string
  stopCode?: string
  stoppedReason?: string
  exitCode?: number
  containerReason?: string
  readonly fault?: EcsFault
  readonly logStream: string
}

export interface EcsEmulator {
  readonly endpoint: string
  /** Point the ECS and CloudWatch Logs clients at the emulator. */
  readonly env: Readonly<Record<string, string>>
  /** Every RunTask request body, as received. */
  readonly runTaskRequests: Record<string, unknown>[]
  readonly tasks: EmulatedTask[]
  /** The next launch (RunTask call) gets this fault; faults queue up in order. */
  inject(fault: EcsFault): void
  /** Log lines of a stream, as GetLogEvents serves them. */
  logLines(stream: string): string[]
  stop(): Promise<void>
}

interface LogEvent {
  readonly timestamp: number
  readonly message: string
  readonly ingestionTime: number
}

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message)
  }
}

const ECS_TARGET = 'AmazonEC2ContainerServiceV20141113.'
const LOGS_TARGET = 'Logs_20140328.'

/**
 * An ECS (and CloudWatch Logs) emulator on 127.0.0.1, speaking the JSON 1.1 protocol the AWS SDK
 * uses (POST /, `X-Amz-Target: AmazonEC2ContainerServiceV20141113.RunTask`), reached with
 * `AWS_ENDPOINT_URL_ECS` / `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`. RunTask really runs the task: its
 * container command as a child process with the definition's environment under the request's
 * overrides, nothing of this process's environment but PATH; its stdout and stderr become the
 * task's awslogs stream. DescribeTasks, StopTask, DescribeTaskDefinition and GetLogEvents answer
 * as ECS and CloudWatch Logs do. Request signatures are not checked.
 */
export async function startEcsEmulator(definitions: Readonly<Record<string, EmulatedTaskDefinition>>): Promise<EcsEmulator> {
  const tasks = new Map<string, EmulatedTask & { child?: ChildProcess }>()
  const logs = new Map<string, LogEvent[]>()
  const faults: EcsFault[] = []
  const runTaskRequests: Record<string, unknown>[] = []
  const tokens = new Map<string, string>()

  const definitionOf = (name: unknown): EmulatedTaskDefinition => {
    const family = String(name).replace(/^arn:aws:ecs:[^:]*:\d+:task-definition\//, '').replace(/:\d+$/, '')
    const definition = definitions[family]
    if (!definition) throw new AwsError('ClientException', `Unable to describe task definition ${String(name)}.`)
    return definition
  }
  const append = (stream: string, message: string) => {
    const events = logs.get(stream) ?? []
    events.push({ timestamp: Date.now(), message, ingestionTime: Date.now() })
    logs.set(stream, events)
  }

  const runTask = (body: Record<string, unknown>) => {
    runTaskRequests.push(body)
    const definition = definitionOf(body.taskDefinition)
    const cluster = String(body.cluster ?? 'default')
    const token = typeof body.clientToken === 'string' ? body.clientToken : undefined
    // Idempotency: the same token (a retried call) gets the task the first call launched.
    const launched = token ? tasks.get(tokens.get(token) ?? '') : undefined
    if (launched) return { tasks: [describe(launched)], failures: [] }
    const fault = faults.shift()
    if (fault === 'capacity') return { tasks: [], failures: [{ reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone' }] }
    const overrides = (body.overrides as { containerOverrides?: { name?: string; command?: string[]; environment?: { name: string; value: string }[] }[] } | undefined)?.containerOverrides?.find((override) => override.name === definition.containerName)
    const command = overrides?.command ?? []
    const environment: Record<string, string> = { ...definition.environment }
    for (const variable of overrides?.environment ?? []) environment[variable.name] = variable.value
    const taskId = randomBytes(16).toString('hex')
    const taskArn = `arn:aws:ecs:us-east-1:123456789012:task/${cluster}/${taskId}`
    const logStream = `${definition.streamPrefix}/${definition.containerName}/${taskId}`
    const task: EmulatedTask & { child?: ChildProcess } = { taskArn, command, environment, lastStatus: 'PROVISIONING', logStream, ...(fault ? { fault } : {}) }
    tasks.set(taskArn, task)
    if (token) tokens.set(token, taskArn)
    if (fault !== 'never-starts') setImmediate(() => start(task, definition))
    return { tasks: [describe(task)], failures: [] }
  }

  const start = (task: EmulatedTask & { child?: ChildProcess }, definition: EmulatedTaskDefinition) => {
    if (task.lastStatus !== 'PROVISIONING') return
    const [program, ...args] = [...definition.entryPoint, ...task.command]
    const child = spawn(program as string, args, { cwd: definition.cwd, env: { PATH: process.env.PATH ?? '', ...task.environment }, stdio: ['ignore', 'pipe', 'pipe'] })
    task.child = child
    task.lastStatus = 'RUNNING'
    let stepLines = 0
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        append(task.logStream, line)
        // A fault that strikes mid-task: after the first step's outcome line.
        if (stream === child.stdout && /"status":/.test(line) && ++stepLines === 1 && (task.fault === 'oom' || task.fault === 'spot')) {
          if (task.fault === 'oom') {
            task.containerReason = 'OutOfMemoryError: Container killed due to memory usage'
            child.kill('SIGKILL')
          } else {
            task.stopCode = 'SpotInterruption'
            task.stoppedReason = 'Your Spot Task was interrupted.'
            child.kill('SIGKILL')
          }
        }
      })
    }
    child.on('close', (code, signal) => {
      task.exitCode = code ?? (signal === 'SIGKILL' ? 137 : signal === 'SIGTERM' ? 143 : 1)
      task.stopCode ??= 'EssentialContainerExited'
      task.stoppedReason ??= 'Essential container in task exited'
      task.lastStatus = 'STOPPED'
    })
  }

  const describe = (task: EmulatedTask) => ({
    taskArn: task.taskArn,
    lastStatus: task.lastStatus,
    desiredStatus: task.lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
    launchType: 'FARGATE',
    ...(task.stopCode ? { stopCode: task.stopCode } : {}),
    ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
    containers: [{ name: Object.values(definitions)[0]?.containerName ?? 'strata', lastStatus: task.lastStatus, ...(task.exitCode !== undefined ? { exitCode: task.exitCode } : {}), ...(task.containerReason ? { reason: task.containerReason } : {}) }],
  })

  const stopTask = (body: Record<string, unknown>) => {
    const task = tasks.get(String(body.task))
    if (!task) throw new AwsError('InvalidParameterException', 'The referenced task was not found.')
    task.stopCode ??= 'UserInitiated'
    task.stoppedReason ??= typeof body.reason === 'string' ? body.reason : 'Task stopped by user'
    if (task.child && task.lastStatus !== 'STOPPED') {
      // ECS sends SIGTERM, then SIGKILL after the stop timeout (30 s; 2 s here).
      task.child.kill('SIGTERM')
      const child = task.child
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 2000).unref()
    } else if (task.lastStatus !== 'STOPPED') task.lastStatus = 'STOPPED'
    return { task: describe(task) }
  }

  const getLogEvents = (body: Record<string, unknown>) => {
    const stream = String(body.logStreamName)
    const events = logs.get(stream)
    if (!events) throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.')
    const from = typeof body.nextToken === 'string' ? Number(body.nextToken.replace(/^f\//, '')) : 0
    const page = events.slice(from, from + 100)
    return { events: page, nextForwardToken: `f/${from + page.length}`, nextBackwardToken: `b/${from}` }
  }

  const handle = (target: string, body: Record<string, unknown>): unknown => {
    switch (target) {
      case `${ECS_TARGET}RunTask`:
        return runTask(body)
      case `${ECS_TARGET}DescribeTasks`: {
        const wanted = Array.isArray(body.tasks) ? body.tasks.map(String) : []
        return { tasks: wanted.flatMap((arn) => (tasks.has(arn) ? [describe(tasks.get(arn) as EmulatedTask)] : [])), failures: wanted.filter((arn) => !tasks.has(arn)).map((arn) => ({ arn, reason: 'MISSING' })) }
      }
      case `${ECS_TARGET}StopTask`:
        return stopTask(body)
      case `${ECS_TARGET}DescribeTaskDefinition`: {
        const definition = definitionOf(body.taskDefinition)
        return { taskDefinition: { family: String(body.taskDefinition).replace(/:\d+$/, ''), revision: 1, containerDefinitions: [{ name: definition.containerName, logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': definition.logGroup, 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': definition.streamPrefix } } }] } }
      }
      case `${LOGS_TARGET}GetLogEvents`:
        return getLogEvents(body)
      default:
        throw new AwsError('UnknownOperationException', `the emulator does not implement ${target}`)
    }
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '')
      let status = 200
      let payload: unknown
      try {
        payload = handle(target, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>)
      } catch (error) {
        status = 400
        payload = error instanceof AwsError ? { __type: error.type, message: error.message } : { __type: 'ServerException', message: String(error) }
        if (!(error instanceof AwsError)) status = 500
      }
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomBytes(8).toString('hex') })
      response.end(JSON.stringify(payload))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    endpoint,
    env: { AWS_ENDPOINT_URL_ECS: endpoint, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: endpoint },
    runTaskRequests,
    get tasks() {
      return [...tasks.values()]
    },
    inject: (fault) => void faults.push(fault),
    logLines: (stream) => (logs.get(stream) ?? []).map((event) => event.message),
    async stop() {
      for (const task of tasks.values()) if (task.child && task.child.exitCode === null) task.child.kill('SIGKILL')
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
