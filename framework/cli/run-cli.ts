import { availableParallelism } from 'node:os'
import { Command, CommanderError } from 'commander'
import { StrataError } from '../errors/index.js'
import type { Settings } from '../config/index.js'
import type { Definitions } from '../definitions/definitions.js'
import type { Logger } from '../definitions/logger.js'
import type { Storage } from '../storage/storage.js'
import type { CliIo } from './cli-io.js'
import type { CommandKit, StrataApp } from './command-kit.js'
import { builtInCommands } from './commands/index.js'
import { redactSecrets } from './redact.js'

/**
 * Run the `strata` CLI. argv excludes `node` and the script; stdio and environment come in
 * through `io`, so tests drive it without spawning. Returns the exit code: 0 success, 1 failed
 * work, 2 bad usage or configuration.
 */
export async function runCli(argv: readonly string[], io: CliIo, app: StrataApp): Promise<number> {
  let exitCode = 0
  let cachedSettings: Settings | undefined
  let cachedDefinitions: Promise<Definitions> | undefined
  let cachedStorage: Promise<Storage> | undefined
  const program = new Command(app.name)
  const log = stderrLogger(io)
  // Start-up stays light: `strata --help` loads commander and the command files only. Settings
  // (with the config schema validator) load when argv names a command; storage (with the S3
  // client) when a command first asks for it; each command loads what it runs when it runs.
  const first = argv.find((arg) => !arg.startsWith('-'))
  const config = first === undefined ? undefined : await import('../config/index.js')

  const kit: CommandKit = {
    io,
    log,
    cpuCount: availableParallelism(),
    settings() {
      // Before parsing (definitions load first to register their commands) the flags come from argv.
      const opts = { ...globalFlags(argv), ...program.opts<{ landing?: string; storage?: string; config?: string }>() }
      if (!config) throw new StrataError('usage', 'no command given', 'Run strata --help for the commands.')
      return (cachedSettings ??= config.resolveSettings(opts, io.env, io.cwd, config.defaultConcurrency(availableParallelism())))
    },
    definitions() {
      return (cachedDefinitions ??= app.load(kit.settings()))
    },
    storage() {
      return (cachedStorage ??= (async () => {
        const settings = kit.settings()
        config?.assertStorageLocation(settings)
        const { openStorage } = await import('../storage/open-storage.js')
        return openStorage(settings.storage, { env: io.env, log })
      })())
    },
    async landingDays() {
      const definitions = await kit.definitions()
      const source = definitions.sourceFreshness
      if (!source || !config) return undefined
      const settings = kit.settings()
      const demo = definitions.commands.some((command) => command.name === 'demo')
      return config.assertLandingDays(settings, () => source.listDays(settings), { ...(source.layout ? { layout: source.layout } : {}), ...(demo ? { create: 'To start with sample data there: strata demo.' } : {}) })
    },
    fail(code = 1) {
      exitCode = Math.max(exitCode, code)
    },
    print(text) {
      const safe = redactSecrets(text, io.env)
      io.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`)
    },
    printJson(value) {
      io.stdout.write(`${redactSecrets(JSON.stringify(value, null, 2), io.env)}\n`)
    },
  }

  program
    .description('Strata: software-defined data assets, partitioned by date, run locally or on AWS Fargate.')
    .version(app.version, '-V, --version')
    .option('--landing <location>', 'landing root: a folder or s3://bucket/prefix (env STRATA_LANDING; default ./data/landing)')
    .option('--storage <location>', 'storage root for assets, manifests and runs (env STRATA_STORAGE; default ./data/storage)')
    .option('--config <file>', 'JSON config file (env STRATA_CONFIG; default ./strata.config.json when present)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })

  for (const register of builtInCommands) register(program, kit)
  // Bare `strata` / `strata --help` runs no command: the definitions' commands are listed from
  // their summaries (placeholders that never run), not loaded.
  if (first === undefined) for (const [name, description] of Object.entries(app.commandSummaries ?? {})) program.command(name).description(description)
  // Commands contributed by the definitions (e.g. generate-sample) need them loaded first; they
  // are registered only when the first argument names none of the built-in commands.
  if (first && !program.commands.some((command) => command.name() === first || command.aliases().includes(first))) {
    try {
      const definitions = await kit.definitions()
      const globals = ['landing', 'storage', 'config'].flatMap((name) => {
        const value = program.getOptionValue(name) as string | undefined
        return value === undefined ? [] : [`--${name}`, value]
      })
      const context = { io, settings: () => kit.settings(), storage: () => kit.storage(), run: (args: readonly string[]) => runCli([...args, ...globals], io, app) }
      for (const command of definitions.commands) command.register(program, context)
    } catch (error) {
      return report(error, io)
    }
  }
  for (const command of program.commands) command.exitOverride().configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })

  try {
    await program.parseAsync([...argv], { from: 'user' })
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0
      return 2
    }
    return report(cachedSettings && config ? config.explainLocationError(error, cachedSettings) : error, io)
  } finally {
    if (cachedStorage) await cachedStorage.then((storage) => (storage as { close?: () => Promise<void> }).close?.()).catch(() => undefined)
  }
  return exitCode
}

/** The global location flags, read straight from argv (`--storage X` or `--storage=X`). */
function globalFlags(argv: readonly string[]): { landing?: string; storage?: string; config?: string } {
  const flags: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const match = /^--(landing|storage|config)(?:=(.*))?$/.exec(argv[i] as string)
    if (!match) continue
    const value = match[2] ?? argv[i + 1]
    if (value !== undefined) flags[match[1] as string] = value
  }
  return flags
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof StrataError) {
    io.stderr.write(`error: ${redactSecrets(error.render(), io.env)}\n`)
    return error.exitCode
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error)
  io.stderr.write(`internal error: ${redactSecrets(text, io.env)}\n  hint: this is a bug in Strata; please report it with the command you ran.\n`)
  return 1
}

function stderrLogger(io: CliIo): Logger {
  const quiet = io.env.STRATA_LOG_LEVEL === 'quiet'
  const debug = io.env.STRATA_LOG_LEVEL === 'debug'
  const write = (level: string, message: string) => io.stderr.write(`${level}${redactSecrets(message, io.env)}\n`)
  return {
    info: (message) => quiet || write('', message),
    warn: (message) => write('warning: ', message),
    error: (message) => write('error: ', message),
    debug: (message) => debug && write('debug: ', message),
  }
}
