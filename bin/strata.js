#!/usr/bin/env node
// The composition root: the engine (framework/) meets the outside world (resources/) and the CDI
// definitions (assets/) here, so the engine imports neither.
import { readFileSync } from 'node:fs'
import { processIo, runCli } from '../dist/framework/cli/index.js'
import { COMMAND_SUMMARIES } from '../dist/assets/commands/command-summaries.js'
import { platform } from '../dist/resources/platform.js'

// Node 20 is the supported runtime; the AWS SDK's banner about future versions is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const controller = new AbortController()
let interrupts = 0
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupts++
    if (interrupts > 1) process.exit(130)
    process.stderr.write(`\n${signal}: stopping — no new steps start, running steps finish (again to abort at once)\n`)
    controller.abort()
  })
}

const code = await runCli(
  process.argv.slice(2),
  processIo(controller.signal),
  {
    name: 'strata',
    version: pkg.version,
    load: async (settings) => (await import('../dist/assets/definitions.js')).loadDefinitions(settings),
    commandSummaries: COMMAND_SUMMARIES,
    platform,
  },
)
process.exitCode = code
