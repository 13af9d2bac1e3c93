import { availableParallelism } from 'node:os'
import { Command, CommanderError } from 'commander'
import { StrataError } from '../errors/index.js'
import type { Settings } from '../config/index.js'
import type { Definitions } from '../definitions/definitions.js'
import type { Logger } from '../definitions/logger.js'
import type { Storage } from '../storage/storage.js'
import type { CliIo } from './cli-io.js'
import type { JsonObject } from '../definitions/json.js'
import type { CommandKit, StrataApp } from './command-kit.js'
import { builtInCommands } from './commands/index.js'
import { redactSecrets } from './redact.js'

/**
 * Run the `strata` CLI. argv excludes `node` and the script; stdio and environment come in
 * through `io`, so tests drive it without spawning. Returns the exit code: 0 success, 1 failed
 * work, 2 bad usage or configuration. Errors are caught and rendered here, once, with their
 * hint; secrets are redacted from what is printed.
 *
 * @example
 * // bin/strata.js, the composition root
 * // (`platform` is the DuckDB and AWS implementation of the Platform port, built beside it)
 * import { processIo, runCli } from 'strata'
 *
 * process.exitCode = await runCli(process.argv.slice(2), processIo(), {
 *   name: 'strata',
 *   version: '1.0.0',
 *   load: async () => (await import('./definitions.js')).default,
 *   platform,
 * })
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
  // A named stack's outputs are read once, up front (settings resolve synchronously later on).
  let stackLayer: JsonObject = {}
  if (config && !argv.some((arg) => arg === '--help' || arg === '-h')) {
    try {
      stackLayer = await stackSettings(argv, io, app, config)
    } catch (error) {
      return report(error, io)
    }
  }

  const kit: CommandKit = {
    io,
    log,
    cpuCount: availableParallelism(),
    platform: app.platform,
    settings() {
      // Before parsing (definitions load first to register their commands) the flags come from argv.
      const opts = { ...globalFlags(argv), ...program.opts<{ landing?: string; storage?: string; config?: string; definitions?: string }>() }
      if (!config) throw new StrataError('usage', 'no command given', 'Run strata --help for the commands.')
      return (cachedSettings ??= config.resolveSettings(opts, io.env, io.cwd, config.defaultConcurrency(availableParallelism()), stackLayer))
    },
    definitions() {
      return (cachedDefinitions ??= (async () => {
        const settings = kit.settings()
        if (settings.definitions === undefined) return app.load(settings)
        const { loadDefinitionsModule } = await import('../definitions/definitions-module.js')
        return loadDefinitionsModule(settings.definitions, settings)
      })())
    },
    storage() {
      return (cachedStorage ??= (async () => {
        const settings = kit.settings()
        config?.assertStorageLocation(settings)
        const { openStorage } = await import('../storage/open-storage.js')
        return openStorage(settings.storage, { env: io.env, log, config: settings.config, platform: app.platform })
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
    .option('--definitions <module>', 'your own assets: a definitions module, .js/.mjs/.ts (env STRATA_DEFINITIONS; config "definitions"; default the CDI pipeline)')
    .option('--aws-stack <name>', 'a deployed Strata stack whose outputs give the settings not set otherwise (env STRATA_AWS_STACK; config aws.stack)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })

  for (const register of builtInCommands) register(program, kit)
  // Bare `strata` / `strata --help` runs no command: the definitions' commands are listed from
  // their summaries (placeholders that never run), not loaded.
  if (first === undefined && globalFlags(argv).definitions === undefined && !io.env.STRATA_DEFINITIONS) for (const [name, description] of Object.entries(app.commandSummaries ?? {})) program.command(name).description(description)
  // Commands contributed by the definitions (e.g. generate-sample) need them loaded first; they
  // are registered only when the first argument names none of the built-in commands.
  if (first && !program.commands.some((command) => command.name() === first || command.aliases().includes(first))) {
    try {
      const definitions = await kit.definitions()
      const stackFlag = globalFlags(argv)['aws-stack']
      const globals = ['landing', 'storage', 'config', 'definitions'].flatMap((name) => {
        const value = program.getOptionValue(name) as string | undefined
        return value === undefined ? [] : [`--${name}`, value]
      }).concat(stackFlag === undefined ? [] : ['--aws-stack', stackFlag])
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

/**
 * The config layer a deployed stack gives (see framework/config/stack-outputs.ts), or nothing when
 * no stack is named by --aws-stack, STRATA_AWS_STACK or the config file's aws.stack.
 */
async function stackSettings(argv: readonly string[], io: CliIo, app: StrataApp, config: typeof import('../config/index.js')): Promise<JsonObject> {
  const flags = globalFlags(argv)
  let fileConfig: JsonObject = {}
  try {
    fileConfig = config.resolveSettings(flags, io.env, io.cwd, 1).config
  } catch {
    // A bad config file or flag is reported by the command that reads the settings.
  }
  const name = config.stackNameOf(flags['aws-stack'], io.env, fileConfig)
  if (name === undefined) return {}
  const aws = (fileConfig.aws ?? {}) as { region?: string }
  const outputs = await app.platform.readStackOutputs(name, io.env.AWS_REGION ?? aws.region)
  return config.checkConfig(config.settingsFromStackOutputs(name, outputs), `the outputs of stack ${name}`)
}

/** The global flags, read straight from argv (`--storage X` or `--storage=X`). */
function globalFlags(argv: readonly string[]): { landing?: string; storage?: string; config?: string; definitions?: string; 'aws-stack'?: string } {
  const flags: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const match = /^--(landing|storage|config|definitions|aws-stack)(?:=(.*))?$/.exec(argv[i] as string)
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
