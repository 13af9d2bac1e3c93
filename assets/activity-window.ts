import { defineAsset, type JsonObject } from '../framework/definitions/index.js'
import { daily, lookback, previous } from '../framework/partitions/index.js'
import { withConnection, type CdiResources } from './cdi-resources.js'
import type { CdiConfig } from './cdi-config.js'
import { fileOf, optional } from './input-files.js'
import { ACTIVITY_FILE } from './lib/customer-activity.js'
import { LONG_WINDOW_DAYS, materializeActivityWindow, WINDOW_FILE } from './lib/activity-window.js'

/**
 * activity_window(D): per customer, the 90-day (logins: 30-day) sums of customer_activity that
 * features(D) needs. Carried forward from activity_window(D-1) by adding ingest day D and
 * retiring event date D-90 (D-30 for logins), so a day costs two small files instead of 90.
 */
export function activityWindowAsset(config: CdiConfig) {
  return defineAsset<CdiResources>({
    key: 'activity_window',
    description: "Per customer, the sums over the 90-day window (logins: 30 days) of the activity ingested D-89 … D; yesterday's window plus today's change.",
    partitions: daily({ start: config.firstDay }),
    deps: {
      // D-90 too: its rows are the ones that leave yesterday's window.
      activity: { asset: 'customer_activity', mapping: lookback(LONG_WINDOW_DAYS + 1) },
      yesterday: { asset: 'activity_window', mapping: previous() },
    },
    codeVersion: 'activity-window-v1',
    // No uniqueKey check: ids are unique by construction (GROUP BY / FULL OUTER JOIN on
    // customer_id), and features(D), the only reader, checks its own output's ids.
    async materialize({ partition, inputs, outputDir, resources }) {
      const yesterday = optional(inputs, 'yesterday')
      const activity = (inputs.activity ?? []).map((input) => ({ partition: input.partition, file: fileOf(input, ACTIVITY_FILE) }))
      const metadata = await withConnection(resources, (db) =>
        materializeActivityWindow({ db, day: partition, activity, ...(yesterday ? { previousFile: fileOf(yesterday, WINDOW_FILE) } : {}), outputDir }),
      )
      return { rowCount: metadata.customers, metadata: metadata as unknown as JsonObject }
    },
  })
}

export { WINDOW_FILE }
