// The public face of partitions: other folders import from here only.
export {
  addDays,
  dateKeyOf,
  dateRange,
  daysBetween,
  firstMondayAfter,
  fromEpochDay,
  isDateKey,
  isoWeekday,
  mondayOf,
  parseDateKey,
  printable,
  toEpochDay,
  type DateKey,
} from './date-key.js'
export { UNPARTITIONED_KEY, type PartitionKey, type PartitionsDefinition } from './partitions-definition.js'
export type { PartitionMapping, UpstreamPartitions } from './mappings/partition-mapping.js'
export { daily, type DailyOptions } from './daily.js'
export { weekly, type WeeklyOptions } from './weekly.js'
export { unpartitioned } from './unpartitioned.js'
export { sameDay } from './mappings/same-day.js'
export { lookback, type LookbackMapping } from './mappings/lookback.js'
export { previous } from './mappings/previous.js'
export { weekOf } from './mappings/week-of.js'
export { previousWeekOnMonday } from './mappings/previous-week-on-monday.js'
export { daysBeforeWeek, type DaysBeforeWeekMapping } from './mappings/days-before-week.js'
export { weeksEndingOn, type WeeksEndingOnMapping } from './mappings/weeks-ending-on.js'
export { allPartitions } from './mappings/all-partitions.js'
