export {
  evaluateFreshness,
  describePolicy,
  DEFAULT_FRESHNESS_WINDOW,
  type AssetFreshness,
  type FreshnessInput,
  type FreshnessReport,
  type FreshnessState,
  type PartitionFreshness,
  type SourceFreshnessInput,
} from './evaluate-freshness.js'
export { parseTimeOfDay } from './time-of-day.js'
export { parseInstant } from './parse-instant.js'
export { formatDuration } from './format-duration.js'
export { summariseFreshness } from './summarise-freshness.js'
