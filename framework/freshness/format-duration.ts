/** A duration for people, coarse on purpose: `2d 3h`, `4h 05m`, `12m`, `0m`. */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000)
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  const rest = minutes % 60
  if (days > 0) return `${days}d ${hours}h`
  if (hours > 0) return `${hours}h ${String(rest).padStart(2, '0')}m`
  return `${rest}m`
}
