import { fileURLToPath } from 'node:url'
import { startEcsEmulator } from '../../support/ecs-emulator.js'
import { executorContract } from './executor-contract.js'

const bin = fileURLToPath(new URL('../../../bin/strata.js', import.meta.url))
let endpoint = ''

executorContract({
  kind: 'fargate',
  get env() {
    return {
      AWS_ENDPOINT_URL_ECS: endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: endpoint,
      STRATA_FARGATE_CLUSTER: 'strata',
      STRATA_FARGATE_TASK_DEFINITION: 'strata:1',
      STRATA_FARGATE_SUBNETS: 'subnet-0a',
      STRATA_FARGATE_LAUNCHES_PER_SECOND: '50',
      STRATA_FARGATE_POLL_MIN_SECONDS: '0.1',
      STRATA_FARGATE_POLL_MAX_SECONDS: '0.4',
    }
  },
  async start({ s3, cwd }) {
    const ecs = await startEcsEmulator({ strata: { containerName: 'strata', entryPoint: [process.execPath, bin], cwd, environment: { ...s3.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, logGroup: '/strata/tasks', streamPrefix: 'cdi' } })
    endpoint = ecs.endpoint
    return () => ecs.stop()
  },
})
