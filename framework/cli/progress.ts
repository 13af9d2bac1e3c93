import type { RunProgress } from '../executors/index.js'
import type { CliIo } from './cli-io.js'

/** A one-line progress bar on a TTY; silent otherwise (CI logs stay clean). */
export function progressReporter(io: CliIo): { update(progress: RunProgress): void; done(): void } {
  if (!io.stderr.isTTY || io.env.CI) return { update() {}, done() {} }
  let shown = false
  return {
    update({ done, total, failed }) {
      const width = 30
      const filled = total === 0 ? width : Math.round((done / total) * width)
      io.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} steps${failed ? `, ${failed} failed` : ''}`)
      shown = true
    },
    done() {
      if (shown) io.stderr.write('\n')
    },
  }
}
