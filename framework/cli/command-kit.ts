import type { Definitions, DefinitionsLoader } from '../definitions/definitions.js'
import type { Logger } from '../definitions/logger.js'
import type { Settings } from '../config/index.js'
import type { Platform } from '../platform/index.js'
import type { Storage } from '../storage/storage.js'
import type { CliIo } from './cli-io.js'

/** What every command file gets: the io, lazily resolved settings/definitions/storage, and the exit code. */
export interface CommandKit {
  readonly io: CliIo
  readonly log: Logger
  readonly cpuCount: number
  /** The outside world: SQL engine, object store, catalog (resources/platform.ts, wired in bin/). */
  readonly platform: Platform
  settings(): Settings
  definitions(): Promise<Definitions>
  storage(): Promise<Storage>
  /**
   * The source's landing days (undefined when the definitions declare no source), or a usage
   * error naming the landing location and where it was set when it is missing or empty.
   */
  landingDays(): Promise<readonly string[] | undefined>
  /** Raise the process exit code (never lowers it): 1 when work failed. */
  fail(code?: 1 | 2): void
  /** Write a line to stdout. */
  print(text: string): void
  /** Write data as pretty JSON to stdout. */
  printJson(value: unknown): void
}

/**
 * What the composition root hands `runCli`: the program's name and version, how to load the
 * definitions (lazily: `--help` and `--version` load none), the platform that reaches the outside
 * world, and the summaries of the commands the definitions add.
 *
 * @example
 * const app: StrataApp = {
 *   name: 'strata',
 *   version: '1.0.0',
 *   load: async (settings) => (await import('./definitions.js')).loadDefinitions(settings),
 *   commandSummaries: { 'count-orders': 'count the CSV files in orders/' },
 *   platform,
 * }
 * process.exitCode = await runCli(process.argv.slice(2), processIo(), app)
 */
export interface StrataApp {
  /** The program name, shown in `--help` and messages. */
  readonly name: string
  readonly version: string
  readonly load: DefinitionsLoader
  /** The outside world the engine reaches through its own interfaces (resources/platform.ts). */
  readonly platform: Platform
  /**
   * Name → one-line description of the commands the definitions add, so `strata --help` lists
   * them without loading the definitions.
   */
  readonly commandSummaries?: Readonly<Record<string, string>>
}
