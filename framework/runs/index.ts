export { newRunId, isRunId, countSteps, describeCounts, describeStepStatus, finalRunStatus, type RunCrash, type RunRecord, type StepRecord, type StepStatus, type RunCounts, type TaskAttempt } from './run-record.js'
export { RunStore } from './run-store.js'
export { HEARTBEAT_MS, STALE_AFTER_MS, judgeRun, type RunLivenessOptions } from './run-liveness.js'
