/**
 * An EventBridge schedule expression for a five-field cron (minute hour day-of-month month
 * day-of-week), which EventBridge evaluates in UTC: `0 2 * * *` → `cron(0 2 * * ? *)`.
 * EventBridge wants `?` in one of the two day fields and numbers Sunday 1 … Saturday 7 (cron: 0 … 6, 7).
 */
export function eventBridgeCron(cron: string, timezone: string): string {
  if (timezone !== 'UTC' && timezone !== 'Etc/UTC') throw new Error(`schedule timezone ${timezone}: EventBridge rules run in UTC; give the schedule a UTC cron`)
  const fields = cron.trim().split(/\s+/)
  if (fields.length !== 5) throw new Error(`cron "${cron}" does not have five fields`)
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [string, string, string, string, string]
  if (dayOfWeek === '*' || dayOfWeek === '?') return `cron(${minute} ${hour} ${dayOfMonth} ${month} ? *)`
  if (dayOfMonth !== '*' && dayOfMonth !== '?') throw new Error(`cron "${cron}" restricts both the day of month and the day of week, which EventBridge cannot express`)
  const weekday = dayOfWeek
    .split(',')
    .map((part) => {
      const [range, step] = part.split('/') as [string, string | undefined]
      const mapped = range === '*' ? '*' : range.replace(/\d+/g, (n) => String((Number(n) % 7) + 1))
      return step === undefined ? mapped : `${mapped}/${step}`
    })
    .join(',')
  return `cron(${minute} ${hour} ? ${month} ${weekday} *)`
}
