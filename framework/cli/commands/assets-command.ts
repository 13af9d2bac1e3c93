import type { Command } from 'commander'
import type { CommandKit } from '../command-kit.js'
import { formatTable } from '../format-table.js'

/** `strata assets`: every asset with its partitions, dependencies, code version and checks. */
export function registerAssetsCommand(program: Command, kit: CommandKit): void {
  program
    .command('assets')
    .description('list the assets with their partitions and dependencies')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { graph } = await kit.definitions()
      const rows = graph.keys.map((key) => {
        const asset = graph.asset(key)
        return {
          asset: key,
          partitions: asset.partitions.describe(),
          deps: graph.dependenciesOf(key).map((dep) => ({ input: dep.input, asset: dep.asset, mapping: dep.mapping.describe() })),
          codeVersion: asset.codeVersion,
          checks: asset.checks.map((check) => `${check.name}${check.blocking ? ' (blocking)' : ''}`),
          description: asset.description,
        }
      })
      if (options.json) return kit.printJson(rows)
      kit.print(formatTable(['asset', 'partitions', 'depends on', 'code version'], rows.map((row) => [row.asset, row.partitions, row.deps.map((dep) => `${dep.asset} [${dep.mapping}]`).join('; ') || '-', row.codeVersion])))
    })
}
