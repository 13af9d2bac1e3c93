import { defineAsset } from '../framework/definitions/index.js'
import { daily, sameDay } from '../framework/partitions/index.js'
import { withConnection, type CdiResources } from './cdi-resources.js'
import type { CdiConfig } from './cdi-config.js'
import { fileOf, single } from './input-files.js'
import { materializeCustomerActivity } from './lib/customer-activity.js'

/**
 * customer_activity(D): additive per-customer, per-event-date aggregates of the rows ingested
 * on D. Features sum 90 of these small partitions instead of re-reading raw events, so a
 * backfill of N days costs about N days of work.
 */
export function customerActivityAsset(config: CdiConfig) {
  return defineAsset<CdiResources>({
    key: 'customer_activity',
    description: 'Per customer and event date, the additive counts of the rows ingested on D (trades, logins, webinars, tickets).',
    partitions: daily({ start: config.firstDay }),
    deps: { curated: sameDay() },
    codeVersion: 'activity-v3',
    async materialize({ partition, inputs, outputDir, resources }) {
      const curated = single(inputs, 'curated')
      const files = {
        trades: fileOf(curated, 'trades.parquet'),
        channel_events: fileOf(curated, 'channel_events.parquet'),
        tickets: fileOf(curated, 'tickets.parquet'),
        marketing: fileOf(curated, 'marketing.parquet'),
      }
      const { rows } = await withConnection(resources, (db) => materializeCustomerActivity({ db, curated: files, day: partition, outputDir }))
      return { rowCount: rows, metadata: { rows } }
    },
  })
}
