import path from 'node:path'
import { StrataError } from '../../framework/errors/index.js'
import { addDays } from '../../framework/partitions/index.js'
import { FEATURE_GROUPS_FILE, FEATURE_VALUES_FILE } from './feature-stats.js'
import type { FeatureStatsPartition, TrainingWindow } from './segment-model-inputs.js'
import { readWeekStats, WEEK_STATS_DAYS, type WeekStatsPartition } from './week-stats.js'

/** Days of feature_stats groups per relation of the assignment pass, where no week_stats sums them. */
const DAYS_PER_RELATION = 7

/** Where the window's distinct vectors and value counts are read from. */
export interface WindowFiles {
  /**
   * Groups files (seven features, cdi, n), one list per relation of the assignment pass: a
   * week_stats partition's, or up to 7 days of feature_stats'. One statement per relation, so
   * that a statement started while the day's other steps hold cores does not keep them to itself
   * (resources/thread-share.ts gives them back between statements).
   */
  readonly groups: readonly (readonly string[])[]
  /** Values files (feature, value, n). */
  readonly values: readonly string[]
  /** The week_stats partitions used. */
  readonly weeks: number
}

/**
 * The window's files: each week_stats partition in place of the feature_stats days it sums, and
 * the days no week covers (the window's first 6 at 90 days, or the days before week_stats' first
 * week) from feature_stats. A week must sum exactly the window's feature_stats days of its 7, once
 * (a week_stats left over from other days would count them twice or not at all): else it fails.
 */
export function windowFiles(stats: readonly FeatureStatsPartition[], weeks: readonly WeekStatsPartition[], window: TrainingWindow): WindowFiles {
  const have = new Set(stats.map((s) => s.partition))
  const covered = new Set<string>()
  const groups: string[][] = []
  const values: string[] = []
  for (const week of [...weeks].sort((a, b) => (a.week < b.week ? -1 : 1))) {
    const days = readWeekStats(week).days
    const expected = Array.from({ length: WEEK_STATS_DAYS }, (_, i) => addDays(week.week, i - WEEK_STATS_DAYS)).filter((d) => have.has(d))
    if (days.join(',') !== expected.join(',') || days.some((d) => covered.has(d))) {
      throw new StrataError(
        'corrupt',
        `segment_model: week_stats(${week.week}) sums the days ${days.join(', ') || '(none)'}, not the window's feature_stats days of its week (${expected.join(', ') || 'none'} in ${window.from} .. ${window.to})`,
        `Rebuild it: strata materialize week_stats --partition ${week.week} --force, then segment_model.`,
      )
    }
    days.forEach((d) => covered.add(d))
    groups.push([path.join(week.dir, FEATURE_GROUPS_FILE)])
    values.push(path.join(week.dir, FEATURE_VALUES_FILE))
  }
  const rest = stats.filter((s) => !covered.has(s.partition))
  for (let i = 0; i < rest.length; i += DAYS_PER_RELATION) groups.push(rest.slice(i, i + DAYS_PER_RELATION).map((s) => path.join(s.dir, FEATURE_GROUPS_FILE)))
  values.push(...rest.map((s) => path.join(s.dir, FEATURE_VALUES_FILE)))
  return { groups, values, weeks: weeks.length }
}
