import type { Command } from 'commander'
import type { CommandDefinition } from '../../framework/definitions/index.js'
import { addDays } from '../../framework/partitions/index.js'
import { formatTable } from '../../framework/cli/index.js'
import { runGenerateSample } from './generate-sample-command.js'
import { COMMAND_SUMMARIES } from './command-summaries.js'
import { openLanding } from '../landing/index.js'

/**
 * `strata demo`: the README's main job. Generates sample landing data when the landing folder
 * is empty (20,000 customers × 120 days), materializes the whole graph for the last 14 days
 * with everything they need upstream, and prints the drift summary and where the outputs are.
 */
export const demoCommand: CommandDefinition = {
  name: 'demo',
  register(program: Command, context) {
    program
      .command('demo')
      .description(COMMAND_SUMMARIES.demo)
      .option('--customers <n>', 'customers in the generated sample', '20000')
      .option('--days <n>', 'days in the generated sample', '120')
      .option('--last <n>', 'how many of the newest days to materialize', '14')
      .option('--profile <name>', 'shape of the generated sample: realistic or light', 'realistic')
      .action(async (flags: { customers: string; days: string; last: string; profile: string }) => {
        const settings = context.settings()
        const out = (text: string) => context.io.stdout.write(`${text}\n`)
        const landing = openLanding(settings)
        const landingDays = () => landing.listDays().catch(() => [] as string[])
        let days = await landingDays()
        if (days.length === 0) {
          out(`generating sample landing data: ${flags.customers} customers × ${flags.days} days into ${settings.landing}`)
          // The profile's bad rows show the quarantine at work; in a small sample one bad row in a
          // table of a dozen would cross the 5% blocking threshold, so small samples stay clean.
          const badRows = Number(flags.customers) >= 5000 ? undefined : '0'
          await runGenerateSample(settings.landing, context.io.env, { customers: flags.customers, days: flags.days, seed: '42', profile: flags.profile, ...(badRows === undefined ? {} : { badRows }) }, settings.config)
          days = await landingDays()
        }
        const last = days.at(-1) as string
        const first = addDays(last, 1 - Math.max(1, Number(flags.last) || 14))
        out(`materializing every asset for ${first} … ${last} (and what those partitions need upstream)`)
        const code = await context.run(['materialize', '*', '--from', first, '--to', last])
        const storage = await context.storage()
        const reports = (await storage.listManifests('drift_report')).filter((m) => m.partition >= first).sort((a, b) => a.partition.localeCompare(b.partition))
        if (reports.length > 0) {
          out('\ndrift summary:')
          const fmt = (value: unknown) => (typeof value === 'number' ? value.toFixed(4) : value === null || value === undefined ? '-' : String(value))
          out(formatTable(['day', 'status', 'cdi_mean', 'cdi_psi', 'segment_churn', 'warmup'], reports.map((m) => [m.partition, m.metadata.status, fmt(m.metadata.cdi_mean), fmt(m.metadata.cdi_psi), fmt(m.metadata.segment_churn), m.metadata.warmup])))
        }
        out(`\noutputs (Hive-style Parquet): ${storage.location}/<asset>/dt=YYYY-MM-DD/`)
        out(`try: npx strata show cdi_scores --partition ${last} --limit 10`)
        out(`     npx strata show drift_report --partition ${last}`)
        out(`     npx strata status`)
        out(`     npx strata ui        (the graph, partitions, runs and drift in a browser)`)
        if (code !== 0) context.io.stderr.write(`the run did not fully succeed (exit ${code}); see: npx strata runs\n`)
        process.exitCode = code
      })
  },
}
