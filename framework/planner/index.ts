export { plan, type PlanRequest } from './plan.js'
export { describeReason, stepId, type PlannedStep, type RunPlan, type StepInput, type StepReason } from './run-plan.js'
export { loadStoredState, storedStateOf, type PartitionState, type StoredState } from './stored-state.js'
export { summarisePlan, type PlanSummary } from './plan-summary.js'
