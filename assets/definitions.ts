import { defineDefinitions, type Definitions } from '../framework/definitions/index.js'
import type { Settings } from '../framework/config/index.js'
import type { RunRecord } from '../framework/runs/index.js'
import { ThreadShare } from '../resources/thread-share.js'
import { openMetricsPublisher, resolveCloudWatchSettings } from '../resources/cloudwatch.js'
import type { JsonObject } from '../framework/definitions/json.js'
import type { Landing } from './landing/index.js'
import { openLanding } from './landing/index.js'
import { dailySchedule } from '../schedules/daily-schedule.js'
import { runMetrics } from './lib/operational-metrics.js'
import { resolveCdiConfig, type CdiConfig } from './cdi-config.js'
import type { CdiResources } from './cdi-resources.js'
import { rawAsset } from './raw.js'
import { curatedAsset } from './curated.js'
import { customerActivityAsset } from './customer-activity.js'
import { activityWindowAsset } from './activity-window.js'
import { featuresAsset } from './features.js'
import { featureStatsAsset } from './feature-stats.js'
import { cdiScoresAsset } from './cdi-scores.js'
import { weekStatsAsset } from './week-stats.js'
import { segmentModelAsset } from './segment-model.js'
import { segmentsAsset } from './segments.js'
import { driftReportAsset } from './drift-report.js'
import { generateSampleCommand } from './commands/generate-sample-command.js'
import { demoCommand } from './commands/demo-command.js'
import { driftDashboard } from './drift-dashboard.js'

/**
 * Every setting the CDI assets and resources read, resolved (environment, then the config file,
 * then defaults), as config keys: the pipeline's part of the settings document. The first day is
 * pinned even when it came from the landing listing, so a task computes the same partitions.
 */
export function cdiSettingsDocument(settings: Settings, config: CdiConfig): JsonObject {
  const cloudwatch = resolveCloudWatchSettings(settings)
  return {
    ...(config.firstDaySource === 'none' ? {} : { start: config.firstDay }),
    hysteresisDelta: config.hysteresisDelta,
    quarantineThreshold: config.quarantineThreshold,
    segmentation: config.segmentation,
    cloudwatch: { enabled: cloudwatch.enabled, namespace: cloudwatch.namespace, dimensions: { ...cloudwatch.dimensions } },
  }
}

/** Every CDI asset, in SPEC §2 order (week_stats, beside feature_stats, feeds segment_model). */
export function cdiAssets(config: CdiConfig, landing: Landing) {
  return [rawAsset(config, landing), curatedAsset(config), customerActivityAsset(config), activityWindowAsset(config), featuresAsset(config), featureStatsAsset(config), cdiScoresAsset(config), weekStatsAsset(config), segmentModelAsset(config), segmentsAsset(config), driftReportAsset(config)]
}

/**
 * The CDI pipeline's definitions: assets, the daily schedule, the sample-data and demo commands,
 * and the resources (one embedded DuckDB, the landing data) the assets use.
 */
export async function loadDefinitions(settings: Settings): Promise<Definitions> {
  const landing = openLanding(settings)
  const config = await resolveCdiConfig(settings, () => landing.listDays())
  const definitions = defineDefinitions<CdiResources>({
    assets: cdiAssets(config, landing),
    schedules: [dailySchedule()],
    commands: [generateSampleCommand, demoCommand],
    dashboards: [driftDashboard],
    sourceFreshness: { name: 'landing', dueBy: '01:00Z', warnAfter: '00:30Z', layout: 'ingest_date=YYYY-MM-DD folders', listDays: () => landing.listDays() },
    settingsDocument: () => cdiSettingsDocument(settings, config),
    async openResources({ log, openSqlEngine }) {
      const duckdb = await openSqlEngine({ env: settings.env })
      const metrics = openMetricsPublisher(settings, log)
      return {
        resources: { duckdb, landing, config, threads: new ThreadShare(duckdb), ...(metrics ? { metrics } : {}) },
        ...(metrics ? { runFinished: (record: RunRecord) => metrics.publish(runMetrics(record), new Date(record.endedAt ?? Date.now())) } : {}),
        async close() {
          duckdb.close()
        },
      }
    },
  })
  return definitions as unknown as Definitions
}
