import { spawn } from 'node:child_process'
import type { Command } from 'commander'
import { StrataError } from '../../errors/index.js'
import type { CommandKit } from '../command-kit.js'

/** `strata ui`: a local web view of the graph, partitions, runs and drift, with one action (materialize). */
export function registerUiCommand(program: Command, kit: CommandKit): void {
  program
    .command('ui')
    .description('serve a local web view of the asset graph, partitions, runs and dashboards (Ctrl-C stops it)')
    .option('--port <n>', 'port to listen on (0: any free port)', '3000')
    .option('--host <host>', 'address to bind; another than 127.0.0.1 exposes the UI (and its Materialize button) to the network', '127.0.0.1')
    .option('--open', 'open the UI in the default browser')
    .action(async (options: { port: string; host: string; open?: boolean }) => {
      const port = Number(options.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StrataError('usage', `--port "${options.port.slice(0, 20)}" is not a port number (0 to 65535)`, 'e.g. --port 3000')
      if (!/^[A-Za-z0-9.:-]{1,253}$/.test(options.host)) throw new StrataError('usage', `--host "${options.host.slice(0, 40)}" is not a host name or address`, 'e.g. --host 127.0.0.1')
      // The server (and its client bundle lookup) loads only when this command runs.
      const { startUiServer } = await import('../../ui/ui-server.js')
      const server = await startUiServer(kit, { host: options.host, port })
      kit.print(`strata ui: ${server.url}  (storage ${(await kit.storage()).location}; Ctrl-C stops it)`)
      if (!['127.0.0.1', 'localhost', '::1'].includes(options.host)) kit.log.warn(`listening on ${options.host}: anyone who can reach it can read the pages and start runs from them`)
      if (options.open) openBrowser(server.url, kit)
      await new Promise<void>((resolve) => {
        if (!kit.io.signal) return
        if (kit.io.signal.aborted) return resolve()
        kit.io.signal.addEventListener('abort', () => resolve(), { once: true })
      })
      // Runs started from the page see the same signal and stop starting steps; wait for them.
      await server.close()
    })
}

function openBrowser(url: string, kit: CommandKit): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
  const child = spawn(command, [url], { stdio: 'ignore', detached: true })
  child.on('error', () => kit.log.warn(`could not open a browser (${command}); open ${url} yourself`))
  child.unref()
}
