export { newRunId, isRunId, countSteps, type RunRecord, type StepRecord, type RunCounts } from './run-record.js'
export { RunStore } from './run-store.js'
