import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * The end-to-end tests run the real `strata` binary, which runs the compiled `dist/`: build it
 * once. tsc still emits when a file has a type error; `npm run typecheck` is what fails on those,
 * so a type error does not hide every test result here.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url))
  try {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' })
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? ''
    process.stderr.write(`warning: the build reported type errors (run npm run typecheck):\n${output.slice(0, 2000)}\n`)
  }
  // The `strata ui` client bundle (dist/ui-client), which the UI tests load.
  execFileSync(process.execPath, ['ui/build.mjs'], { cwd: root, stdio: 'pipe' })
}
