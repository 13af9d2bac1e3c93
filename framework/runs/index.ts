export { newRunId, isRunId, countSteps, describeCounts, describeStepStatus, finalRunStatus, type RunRecord, type StepRecord, type StepStatus, type RunCounts } from './run-record.js'
export { RunStore } from './run-store.js'
