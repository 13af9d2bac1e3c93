import type { Command } from 'commander'
import { StrataError } from '../../errors/index.js'
import { formatAssetLineage, type LineageDirection, type LineageFormat } from '../../lineage/index.js'
import { partitionLineage, formatPartitionLineage } from '../../lineage/partition-lineage.js'
import type { CommandKit } from '../command-kit.js'

const FORMATS = ['text', 'json', 'mermaid', 'dot']

/** `strata lineage <asset>`: the asset graph around an asset, or with --partition the partition-level lineage from manifests. */
export function registerLineageCommand(program: Command, kit: CommandKit): void {
  program
    .command('lineage')
    .argument('<asset>', 'asset key')
    .description('asset lineage (upstream/downstream tree), or partition-level lineage with --partition')
    .option('--partition <key>', 'show which upstream partitions and data versions built this partition')
    .option('--upstream', 'only upstream')
    .option('--downstream', 'only downstream')
    .option('--depth <n>', 'with --partition: levels of partitions to expand (default 1); assets further away are named, windows are ranges, self-dependency chains one line')
    .option('--format <format>', 'text, json, mermaid or dot', 'text')
    .option('--json', 'same as --format json')
    .action(async (asset: string, options: { partition?: string; depth?: string; upstream?: boolean; downstream?: boolean; format: string; json?: boolean }) => {
      const format = (options.json ? 'json' : options.format) as LineageFormat
      if (!FORMATS.includes(format)) throw new StrataError('usage', `--format "${format.slice(0, 20)}" is not one of ${FORMATS.join(', ')}`, 'e.g. --format mermaid')
      if (options.upstream && options.downstream) throw new StrataError('usage', '--upstream and --downstream exclude each other', 'Leave both out for both directions.')
      const direction: LineageDirection = options.upstream ? 'upstream' : options.downstream ? 'downstream' : 'both'
      const { graph } = await kit.definitions()
      graph.asset(asset)
      if (options.depth !== undefined && options.partition === undefined) throw new StrataError('usage', '--depth needs --partition (the asset graph is always shown in full)', 'e.g. strata lineage cdi_scores --partition 2026-03-01 --depth 3')
      if (options.partition === undefined) return kit.print(formatAssetLineage(graph, asset, { direction, format }))
      const depth = options.depth === undefined ? 1 : Number(options.depth)
      if (!Number.isInteger(depth) || depth < 1 || depth > 1000) throw new StrataError('usage', `--depth "${String(options.depth).slice(0, 20)}" is not a whole number from 1 to 1000`, 'e.g. --depth 3')
      const key = graph.asset(asset).partitions.validateKey(options.partition, asset)
      const partitionDirection = direction === 'downstream' ? 'downstream' : 'upstream'
      const tree = await partitionLineage(graph, await kit.storage(), asset, key, { direction: partitionDirection, depth })
      kit.print(formatPartitionLineage(tree, format, { depth, direction: partitionDirection }))
    })
}
