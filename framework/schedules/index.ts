export { defineSchedule, type CatchUpPolicy, type ScheduleDefinition } from './schedule-definition.js'
