import { defineSchedule, type CatchUpPolicy, type ScheduleDefinition } from '../framework/schedules/index.js'
import { addDays, dateKeyOf } from '../framework/partitions/index.js'

/**
 * The daily partition schedule: at 02:00 UTC, materialize the whole graph for the day that
 * just ended. Missed ticks are caught up, oldest first, at most 7.
 */
export function dailySchedule(options: { cron?: string; timezone?: string; catchUp?: CatchUpPolicy } = {}): ScheduleDefinition {
  return defineSchedule({
    name: 'daily',
    description: "materialize every asset for the day that just ended",
    cron: options.cron ?? '0 2 * * *',
    timezone: options.timezone ?? 'UTC',
    selection: '*',
    catchUp: options.catchUp ?? { policy: 'all', max: 7 },
    partitionsFor(tick) {
      const day = addDays(dateKeyOf(tick), -1)
      return { from: day, to: day }
    },
  })
}
