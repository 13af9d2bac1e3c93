/**
 * `npm run bench:segments [-- --store DIR] [--weeks N]`: how good the weekly segment model's
 * clustering is (issue 19). For every Monday whose window the store holds (features and
 * feature_stats materialized, e.g. by the 90-day backfill at 100,000 customers of BENCHMARKS.md),
 * it trains segment_model as the pipeline does, then runs a full k-means (ml-kmeans, k-means++,
 * 10 starts) on the very rows the model's k-means trained on (its ≤ 100,000-row sample, in PCA
 * space) and prints the ratio of the two inertias on those rows, with the model's own quality
 * figures (the kept candidate's mini-batch steps and Lloyd iterations) and timings. Output: a markdown table on stdout.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { storedDays } from './stored-days.js'
import { fullKMeans } from '../assets/lib/full-kmeans.js'
import { inertiaOf } from '../assets/lib/mini-batch-kmeans.js'
import { kmeansTrainingRows, trainSegmentModel } from '../assets/lib/segment-model.js'
import { PCA_COMPONENTS } from '../assets/lib/segment-model-pca.js'
import type { SegmentModel } from '../assets/lib/segment-model-types.js'
import { addDays } from '../framework/partitions/index.js'
import { openDuckDb } from '../resources/duckdb.js'

const args = process.argv.slice(2)
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name)
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback
}
const store = resolve(option('--store', join('.bench-cache', 'segq', 'store')))
const out = resolve(option('--out', join(store, '..', 'models')))

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function main(): Promise<void> {
  const featureDays = storedDays(store, 'features')
  const statsDays = new Set(storedDays(store, 'feature_stats'))
  const first = featureDays[0]!
  const last = featureDays[featureDays.length - 1]!
  const mondays: string[] = []
  for (let d = first; d <= addDays(last, 1); d = addDays(d, 1)) if (new Date(`${d}T00:00:00Z`).getUTCDay() === 1 && d > first) mondays.push(d)
  const weeks = Number(option('--weeks', String(mondays.length)))
  const db = await openDuckDb()
  const rows: string[] = []
  const ratios: number[] = []
  try {
    for (const monday of mondays.slice(-weeks)) {
      const window = { from: addDays(monday, -90), to: addDays(monday, -1) }
      const inWindow = featureDays.filter((d) => d >= window.from && d <= window.to && statsDays.has(d))
      const features = inWindow.map((d) => ({ partition: d, file: join(store, 'features', `dt=${d}`, 'features.parquet') }))
      const stats = inWindow.map((d) => ({ partition: d, dir: join(store, 'feature_stats', `dt=${d}`) }))
      const outputDir = join(out, monday)
      mkdirSync(outputDir, { recursive: true })
      const t0 = performance.now()
      await trainSegmentModel({ db, features, stats, window, outputDir })
      const trainMs = performance.now() - t0
      const model = JSON.parse(readFileSync(join(outputDir, 'model.json'), 'utf8')) as SegmentModel
      const sample = await kmeansTrainingRows({ db, features, stats, window })
      const t1 = performance.now()
      const full = fullKMeans(sample, PCA_COMPONENTS, { k: model.centroids.length, inits: 10 })
      const fullMs = performance.now() - t1
      const ratio = inertiaOf(sample, PCA_COMPONENTS, Float64Array.from(model.centroids.flat()), model.centroids.length) / full.inertia
      // Is the reference itself sound: did its starts converge, and how far apart are they?
      const converged = full.runs.filter((r) => r.converged).length
      const runInertias = full.runs.map((r) => r.inertia)
      const spread = Math.max(...runInertias) / full.inertia
      ratios.push(ratio)
      const q = model.quality!
      rows.push(
        `| ${monday} | ${inWindow.length} | ${model.training_rows.toLocaleString('en')} | ${q.kmeans.rows.toLocaleString('en')} (${q.kmeans.distinct_rows.toLocaleString('en')}) | ${ratio.toFixed(4)} | ${q.kmeans.steps} / ${q.kmeans.max_steps}${q.kmeans.early_stop ? '' : ' (budget)'} | ${q.kmeans.refine_iterations ?? '–'} | ${q.candidates.chosen} | ${q.kmeans.reassignments} | ${q.candidates.agreement?.mean.toFixed(2) ?? '–'} | ${model.silhouette?.toFixed(3) ?? '–'} | ${converged} / ${full.runs.length}, worst ÷ best ${spread.toFixed(4)} | ${(trainMs / 1000).toFixed(1)} s | ${(fullMs / 1000).toFixed(1)} s |`,
      )
      process.stderr.write(`[segments] ${monday}: ratio ${ratio.toFixed(4)}, steps ${q.kmeans.steps}, train ${(trainMs / 1000).toFixed(1)} s, full k-means ${(fullMs / 1000).toFixed(1)} s\n`)
    }
  } finally {
    db.close()
  }
  process.stdout.write(
    [
      '| week | days | training rows | k-means rows (distinct) | inertia ÷ full k-means | steps / budget | Lloyd iterations | candidate kept | reassigned | candidate ARI | silhouette | full k-means: starts converged, spread | segment_model | full k-means (10 starts) |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      `Inertia ratio over ${ratios.length} weekly models: median ${median(ratios).toFixed(4)}, max ${Math.max(...ratios).toFixed(4)}, min ${Math.min(...ratios).toFixed(4)}.`,
      '',
    ].join('\n'),
  )
}

await main()
