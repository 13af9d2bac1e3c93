import { executorContract } from './executor-contract.js'

executorContract({ kind: 'local', env: {} })
