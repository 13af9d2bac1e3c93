import type { Command } from 'commander'
import type { CommandDefinition } from '../../framework/definitions/index.js'
import { serverSideEncryptionOf } from '../../framework/config/index.js'
import type { JsonObject } from '../../framework/definitions/index.js'
import { StrataError } from '../../framework/errors/index.js'
import { addDays, dateKeyOf } from '../../framework/partitions/index.js'
import { generateSample, localLandingWriter, type LandingWriter, type SampleProfile, type SampleSummary } from '../sample/generate-sample.js'
import { behaviourGroupsWriter, type BehaviourGroupsWriter } from '../sample/behaviour-groups.js'
import { SAMPLE_PROFILES } from '../sample/sample-profile.js'
import { COMMAND_SUMMARIES } from './command-summaries.js'

/**
 * Where sample files go: the local landing folder, or objects under `s3://bucket/prefix` (written
 * with the settings' `s3` encryption); each customer's behaviour group goes beside them, to
 * `<landing>/_truth/behaviour_groups.csv`.
 */
async function sampleWriters(landing: string, env: Readonly<Record<string, string | undefined>>, config: JsonObject): Promise<{ out: LandingWriter; groups: BehaviourGroupsWriter }> {
  if (!landing.startsWith('s3://')) return { out: localLandingWriter(landing), groups: behaviourGroupsWriter(landing) }
  const { openObjectStore } = await import('../../resources/s3.js')
  const encryption = serverSideEncryptionOf(config, env)
  const store = openObjectStore(landing, { env, ...(encryption === undefined ? {} : { encryption }) })
  return {
    out: { location: landing, write: (day, fileName, content) => store.put(`ingest_date=${day}/${fileName}`, content) },
    groups: behaviourGroupsWriter(landing, (key, content) => store.put(key, content)),
  }
}

export interface SampleFlags {
  customers: string
  days: string
  start?: string
  seed: string
  driftFrom?: string
  /** Default: the profile's own rate (realistic 0.01, light 0). */
  badRows?: string
  gzip?: boolean
  profile?: string
}

/** Parse and run `generate-sample` into a landing folder or S3 prefix (`config`: the settings' `s3` encryption). */
export async function runGenerateSample(landing: string, env: Readonly<Record<string, string | undefined>>, flags: SampleFlags, config: JsonObject = {}): Promise<SampleSummary> {
  const integer = (text: string, flag: string) => {
    if (!/^\d{1,9}$/.test(text)) throw new StrataError('usage', `${flag} "${text.slice(0, 20)}" is not a positive whole number`, `e.g. ${flag} 1000`)
    return Number(text)
  }
  const days = integer(flags.days, '--days')
  const profile = flags.profile ?? 'realistic'
  if (!(SAMPLE_PROFILES as readonly string[]).includes(profile)) {
    throw new StrataError('usage', `--profile "${profile.slice(0, 20)}" is not one of ${SAMPLE_PROFILES.join(', ')}`, 'e.g. --profile light for small, clean test data')
  }
  const badRows = flags.badRows === undefined ? undefined : Number(flags.badRows)
  if (flags.badRows !== undefined && (!/^\d*\.?\d+$/.test(flags.badRows) || (badRows as number) > 1)) {
    throw new StrataError('usage', `--bad-rows "${flags.badRows.slice(0, 20)}" is not a rate from 0 to 1`, 'e.g. --bad-rows 0.01')
  }
  const writers = await sampleWriters(landing, env, config)
  return generateSample({
    out: writers.out,
    customers: integer(flags.customers, '--customers'),
    days,
    // By default the sample ends yesterday, so the daily schedule and freshness make sense on it.
    start: flags.start ?? addDays(dateKeyOf(new Date()), -days),
    seed: integer(flags.seed, '--seed'),
    ...(flags.driftFrom ? { driftFrom: flags.driftFrom } : {}),
    profile: profile as SampleProfile,
    ...(badRows === undefined ? {} : { badRows }),
    ...(flags.gzip ? { gzip: true } : {}),
    behaviourGroups: writers.groups,
  })
}

export const generateSampleCommand: CommandDefinition = {
  name: 'generate-sample',
  register(program: Command, context) {
    program
      .command('generate-sample')
      .description(COMMAND_SUMMARIES['generate-sample'])
      .option('--customers <n>', 'distinct customers', '20000')
      .option('--days <n>', 'ingest days', '120')
      .option('--start <date>', 'first ingest day (default: so that the last day is yesterday)')
      .option('--seed <n>', 'random seed; the same options give the same files', '42')
      .option('--drift-from <date>', 'from this day the digital groups behave more digitally')
      .option('--profile <name>', 'realistic (shaped like real exports: volumes, free text, varied files) or light (small, clean, for fast tests)', 'realistic')
      .option('--bad-rows <rate>', 'share of rows corrupted, 0..1 (default: realistic 0.01, light 0)')
      .option('--gzip', 'write increments (realistic: every file) as .csv.gz')
      .option('--json', 'print the summary as JSON')
      .action(async (flags: SampleFlags & { json?: boolean }) => {
        const summary = await runGenerateSample(context.settings().landing, context.io.env, flags, context.settings().config)
        if (flags.json) context.io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
        else context.io.stdout.write(`wrote ${summary.days} days (${summary.firstDay} … ${summary.lastDay}) for ${summary.customers} customers to ${summary.location}\n`)
      })
  },
}
