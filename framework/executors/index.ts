export type { Executor, ExecuteOptions, RunProgress } from './executor.js'
export { localExecutor, type StepLauncher } from './local-executor.js'
export { runStep, type StepEnvironment } from './step-runner.js'
