import { MultiBar, type SingleBar } from 'cli-progress'
import type { Logger } from '../definitions/logger.js'
import type { RunProgress, StepLauncher } from '../executors/index.js'
import type { CliIo, CliStream } from './cli-io.js'

/** What `executeRun` needs from a progress display. */
export interface ProgressReporter {
  /** The launcher, watched: the display learns which steps run now and how long each took. */
  watch(launch: StepLauncher): StepLauncher
  /** The run's counts changed. */
  update(progress: RunProgress): void
  /**
   * The logger for the run: on a terminal its lines go above the bar instead of through it, and
   * a step failure the display already showed is not logged a second time.
   */
  logger(base: Logger): Logger
  /** The run ended: the final bar stays, the cursor comes back. */
  done(): void
}

export interface ProgressOptions {
  /** --quiet: neither a bar nor step lines. */
  readonly quiet?: boolean
  /** Without a terminal, where the one-line-per-step report goes (none: e.g. stdout holds --json). */
  readonly lines?: CliStream
  /** Steps the run will launch, for the bar before the first one finishes. */
  readonly total?: number
}

/**
 * The progress of a run. On a terminal (stderr a TTY): a cli-progress bar with elapsed time, ETA
 * and the steps running now, each failure on its own line above it. Without a terminal (cron, CI,
 * a pipe): one line per finished step with its duration, as a log wants it. `quiet`: nothing.
 */
export function progressReporter(io: CliIo, options: ProgressOptions = {}): ProgressReporter {
  if (options.quiet) return { watch: (launch) => launch, update() {}, logger: (base) => base, done() {} }
  return io.stderr.isTTY ? terminalReporter(io.stderr, options.total ?? 0) : options.lines ? lineReporter(options.lines, options.total ?? 0) : { watch: (launch) => launch, update() {}, logger: (base) => base, done() {} }
}

/** `raw(2026-03-03)` for a step of asset raw, partition 2026-03-03. */
function stepName(step: { asset: string; partition: string }): string {
  return `${step.asset}(${step.partition})`
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

/** A logger that leaves out the executor's own line for a failure already shown. */
function withoutShownFailures(base: Logger, shown: Set<string>, write: (line: string) => void): Logger {
  return {
    info: (message) => write(message),
    warn: (message) => write(`warning: ${message}`),
    error: (message) => {
      const id = /^(\S+@\S+) failed: /.exec(message)?.[1]
      if (id === undefined || !shown.has(id)) write(`error: ${message}`)
    },
    debug: (message) => base.debug(message),
  }
}

function lineReporter(out: CliStream, planned: number): ProgressReporter {
  const shown = new Set<string>()
  let total = planned
  let finished = 0
  return {
    watch: (launch) => async (step, env) => {
      const started = Date.now()
      const record = await launch(step, env)
      finished++
      const status = record.status === 'success' ? 'done' : record.status
      if (record.status === 'failed') shown.add(step.id)
      out.write(`[${finished}/${total}] ${status.padEnd(8)} ${stepName(step)} in ${seconds(record.durationMs ?? Date.now() - started)}${record.status === 'failed' ? ' (why: in the summary below)' : ''}\n`)
      return record
    },
    update(progress) {
      total = progress.total
    },
    logger: (base) => withoutShownFailures(base, shown, (line) => base.info(line)),
    done() {},
  }
}

function terminalReporter(stream: CliStream, planned: number): ProgressReporter {
  const shown = new Set<string>()
  const running = new Map<string, string>()
  const started = Date.now()
  const multi = new MultiBar(
    {
      // cli-progress wants a WriteStream; it uses only write, isTTY and columns.
      stream: stream as unknown as NodeJS.WritableStream,
      format: '{bar} {value}/{total} steps{failed} | {elapsed} elapsed | ETA {eta_formatted} | {running}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      gracefulExit: false,
      etaBuffer: 20,
      fps: 5,
    },
    { barCompleteChar: '#', barIncompleteChar: '-', format: '' },
  )
  let bar: SingleBar | undefined
  let failed = 0
  const payload = () => {
    const names = [...running.values()]
    const now = names.length === 0 ? 'waiting' : `running ${names.slice(0, 3).join(', ')}${names.length > 3 ? ` +${names.length - 3}` : ''}`
    return { failed: failed > 0 ? `, ${failed} failed` : '', elapsed: seconds(Date.now() - started), running: now }
  }
  const ensure = (total: number): SingleBar => {
    if (bar) return bar
    bar = multi.create(total, 0, payload())
    // Drawn at once, not at the next redraw tick: the first steps may take a while.
    multi.update()
    return bar
  }
  return {
    watch: (launch) => async (step, env) => {
      running.set(step.id, stepName(step))
      ensure(planned).update(payload())
      const began = Date.now()
      try {
        const record = await launch(step, env)
        if (record.status === 'failed') {
          shown.add(step.id)
          failed++
          multi.log(`failed ${stepName(step)} after ${seconds(record.durationMs ?? Date.now() - began)} (why: in the summary below)\n`)
        }
        return record
      } finally {
        running.delete(step.id)
      }
    },
    update(progress) {
      ensure(progress.total).update(progress.done, payload())
    },
    logger: (base) => withoutShownFailures(base, shown, (line) => (bar ? multi.log(`${line}\n`) : stream.write(`${line}\n`))),
    done() {
      bar?.update({ ...payload(), running: 'finished' })
      // stop() renders the bars but not the lines logged since the last redraw: flush them first.
      multi.update()
      multi.stop()
    },
  }
}
