/**
 * `npm run bench:segment-agreement [-- --store DIR] [--landing DIR] [--out DIR] [--seeds N]`: how
 * well and how stably each segmentation (`spec`, SPEC §5; `stable`, issue 19) finds the behaviour
 * groups generate-sample drew the customers from (`<landing>/_truth/behaviour_groups.csv`).
 *
 * The store must hold features and feature_stats for the landing's days (BENCHMARKS.md gives the
 * commands). For every Monday M whose features exist, the weekly model of M is trained (seed 42)
 * and applied to the customers of day M with the SQL of segments (raw segments, no hysteresis).
 * Reported per method, as adjusted Rand indexes (1 = the same partition, ~0 = chance):
 * - vs groups: the raw segments of day M against the true groups, per weekly model;
 * - seed agreement: the last week's model trained with N seeds (42, 1042, 2042, …: 1000 apart, so
 *   the stable method's 10 starts of one seed, seed … seed + 9, share none with another's), every
 *   pair of their labellings of day M;
 * - retrain agreement: the previous week's model and M's model labelling the same day M (what
 *   `retrain_churn` counts on a retrain day), per consecutive pair of weeks.
 * Output: markdown tables on stdout.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { storedDays } from './stored-days.js'
import { adjustedRandIndex } from '../assets/lib/adjusted-rand.js'
import { trainSegmentModel } from '../assets/lib/segment-model.js'
import { SEGMENTATIONS, type Segmentation, type SegmentModel } from '../assets/lib/segment-model-types.js'
import { rawSegmentQuery } from '../assets/lib/segments.js'
import { BEHAVIOUR_GROUPS_PATH } from '../assets/sample/behaviour-groups.js'
import { addDays } from '../framework/partitions/index.js'
import type { SqlEngine } from '../framework/sql/index.js'
import { openDuckDb } from '../resources/duckdb.js'

const args = process.argv.slice(2)
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name)
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback
}
const base = resolve(option('--dir', join('.bench-cache', 'segagree')))
const store = resolve(option('--store', join(base, 'store')))
const landing = resolve(option('--landing', join(base, 'landing')))
const out = resolve(option('--out', join(base, 'models')))
const seeds = Number(option('--seeds', '10'))

function readGroups(): Map<string, number> {
  const file = join(landing, BEHAVIOUR_GROUPS_PATH)
  if (!existsSync(file)) throw new Error(`${file} does not exist: generate the sample with this version of generate-sample (it writes the groups beside the landing)`)
  const names = new Map<string, number>()
  const groups = new Map<string, number>()
  for (const line of readFileSync(file, 'utf8').trimEnd().split('\n').slice(1)) {
    const [id, group] = line.split(',') as [string, string]
    if (!names.has(group)) names.set(group, names.size)
    groups.set(id, names.get(group)!)
  }
  return groups
}

interface Summary {
  readonly mean: number
  readonly min: number
  readonly max: number
  readonly count: number
}
const summary = (values: readonly number[]): Summary => ({
  mean: values.reduce((s, v) => s + v, 0) / values.length,
  min: Math.min(...values),
  max: Math.max(...values),
  count: values.length,
})
const show = (s: Summary): string => `${s.mean.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)}, ${s.count})`

async function main(): Promise<void> {
  const truth = readGroups()
  const featureDays = storedDays(store, 'features')
  const statsDays = new Set(storedDays(store, 'feature_stats'))
  const featuresOf = (d: string): string => join(store, 'features', `dt=${d}`, 'features.parquet')
  const mondays = featureDays.filter((d) => new Date(`${d}T00:00:00Z`).getUTCDay() === 1 && d > featureDays[0]!)
  const db = await openDuckDb()

  const train = async (method: Segmentation, monday: string, seed: number): Promise<{ model: SegmentModel; ms: number }> => {
    const window = { from: addDays(monday, -90), to: addDays(monday, -1) }
    const inWindow = featureDays.filter((d) => d >= window.from && d <= window.to && statsDays.has(d))
    const features = inWindow.map((d) => ({ partition: d, file: featuresOf(d) }))
    const stats = inWindow.map((d) => ({ partition: d, dir: join(store, 'feature_stats', `dt=${d}`) }))
    const outputDir = join(out, method, `${monday}-seed${seed}`)
    mkdirSync(outputDir, { recursive: true })
    const t0 = performance.now()
    await trainSegmentModel({ db, features, stats, window, outputDir, segmentation: method, seed })
    const ms = performance.now() - t0
    return { model: JSON.parse(readFileSync(join(outputDir, 'model.json'), 'utf8')) as SegmentModel, ms }
  }

  const lines: string[] = []
  const perWeek: string[] = []
  try {
    for (const method of SEGMENTATIONS) {
      const vsGroups: number[] = []
      const retrain: number[] = []
      const times: number[] = []
      let previous: SegmentModel | undefined
      for (const monday of mondays) {
        const { model, ms } = await train(method, monday, 42)
        times.push(ms)
        const labels = await labelDay(db, model, featuresOf(monday))
        const ari = againstGroups(labels, truth)
        vsGroups.push(ari)
        const again = previous === undefined ? undefined : agreement(await labelDay(db, previous, featuresOf(monday)), labels)
        if (again !== undefined) retrain.push(again)
        perWeek.push(`| ${method} | ${monday} | ${model.window.from} … ${model.window.to} | ${model.training_rows.toLocaleString('en')} | ${ari.toFixed(3)} | ${again?.toFixed(3) ?? '–'} | ${model.silhouette?.toFixed(3) ?? '–'} | ${(ms / 1000).toFixed(2)} s |`)
        process.stderr.write(`[segment-agreement] ${method} ${monday}: vs groups ${ari.toFixed(3)}, retrain ${again?.toFixed(3) ?? '-'}\n`)
        previous = model
      }
      const last = mondays[mondays.length - 1]!
      const day = featuresOf(last)
      const seedLabels: Map<string, number>[] = []
      const seedVsGroups: number[] = []
      for (let s = 0; s < seeds; s++) {
        const { model } = await train(method, last, 42 + 1000 * s)
        const labels = await labelDay(db, model, day)
        seedLabels.push(labels)
        seedVsGroups.push(againstGroups(labels, truth))
      }
      const pairs: number[] = []
      for (let a = 0; a < seedLabels.length; a++) for (let b = a + 1; b < seedLabels.length; b++) pairs.push(agreement(seedLabels[a]!, seedLabels[b]!))
      const sorted = [...times].sort((x, y) => x - y)
      lines.push(
        `| ${method} | ${show(summary(vsGroups))} | ${show(summary(seedVsGroups))} | ${show(summary(pairs))} | ${retrain.length > 0 ? show(summary(retrain)) : '–'} | ${(sorted[Math.floor(sorted.length / 2)]! / 1000).toFixed(2)} s |`,
      )
    }
  } finally {
    db.close()
  }
  process.stdout.write(
    [
      `Customers with a group: ${truth.size.toLocaleString('en')}; weekly models: ${mondays.join(', ')}; seeds on ${mondays[mondays.length - 1]}: ${seeds}. ARI: mean (min–max, count).`,
      '',
      '| method | ARI vs groups (weekly models, day M) | ARI vs groups (last week, each seed) | seed agreement (pairs of seeds) | retrain agreement (consecutive weeks, day M) | segment_model (median) |',
      '|---|---|---|---|---|---|',
      ...lines,
      '',
      '| method | week (M) | trained on | training rows | ARI vs groups | ARI vs previous week’s model | silhouette | segment_model |',
      '|---|---|---|---|---|---|---|---|',
      ...perWeek,
      '',
    ].join('\n'),
  )
}

/** customer_id → raw segment index of `model` on the features file, with segments' SQL. */
async function labelDay(db: SqlEngine, model: SegmentModel, featuresFile: string): Promise<Map<string, number>> {
  const rows = await db.all<{ customer_id: string; raw_k: number }>(`SELECT CAST(customer_id AS VARCHAR) AS customer_id, raw_k FROM (${rawSegmentQuery(model, featuresFile)})`)
  return new Map(rows.map((r) => [r.customer_id, r.raw_k]))
}

/** ARI of two labellings over the customers both have. */
function agreement(a: Map<string, number>, b: Map<string, number>): number {
  const x: number[] = []
  const y: number[] = []
  for (const [id, label] of a) {
    const other = b.get(id)
    if (other === undefined) continue
    x.push(label)
    y.push(other)
  }
  return adjustedRandIndex(x, y)
}

function againstGroups(labels: Map<string, number>, truth: Map<string, number>): number {
  return agreement(labels, truth)
}

await main()
