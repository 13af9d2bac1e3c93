import type { Command } from 'commander'
import type { CommandKit } from '../command-kit.js'
import { registerAssetsCommand } from './assets-command.js'
import { registerCatalogCommand } from './catalog-command.js'
import { registerStepCommand } from './step-command.js'
import { registerTaskCommand } from './task-command.js'
import { registerCheckCommand } from './check-command.js'
import { registerFreshnessCommand } from './freshness-command.js'
import { registerLineageCommand } from './lineage-command.js'
import { registerMaterializeCommands } from './materialize-command.js'
import { registerRunsCommand } from './runs-command.js'
import { registerScheduleCommand } from './schedule-command.js'
import { registerShowCommand } from './show-command.js'
import { registerStatusCommand } from './status-command.js'
import { registerRepairCommand } from './repair-command.js'
import { registerUiCommand } from './ui-command.js'

/** The engine's own commands, in the order `--help` lists them. */
export const builtInCommands: readonly ((program: Command, kit: CommandKit) => void)[] = [
  registerMaterializeCommands,
  registerStatusCommand,
  registerShowCommand,
  registerLineageCommand,
  registerAssetsCommand,
  registerRunsCommand,
  registerCheckCommand,
  registerFreshnessCommand,
  registerScheduleCommand,
  registerCatalogCommand,
  registerRepairCommand,
  registerUiCommand,
  registerStepCommand,
  registerTaskCommand,
]
