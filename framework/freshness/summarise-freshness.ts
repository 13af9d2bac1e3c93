import type { FreshnessReport } from './evaluate-freshness.js'

/** One log line for a report, e.g. "freshness at …: 5 fresh, 1 warn, 2 late (score: 2026-01-10, 2026-01-12)". */
export function summariseFreshness(report: FreshnessReport): string {
  const count = (state: string) => report.assets.filter((asset) => asset.state === state).length
  const bad = report.assets.filter((asset) => asset.state === 'late' || asset.state === 'missing')
  const detail = bad.map((asset) => `${asset.asset}: ${asset.state === 'missing' ? 'missing' : asset.late.map((p) => p.partition).join(', ')}`).join('; ')
  return `freshness at ${report.at}: ${count('fresh')} fresh, ${count('warn')} warn, ${count('late')} late, ${count('missing')} missing${detail ? ` (${detail})` : ''}`
}
