import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * The end-to-end tests run the real `strata` binary, which runs the compiled `dist/`: build it
 * once. A build that reports errors fails the whole run: binary tests must not run a stale
 * `dist/`, and a type error must fail `npm test`, not only `npm run typecheck`.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url))
  try {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' })
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? ''
    throw new Error(`the build failed (npm run build), so the tests would run a stale dist/:\n${output.slice(0, 4000)}`)
  }
  // The `strata ui` client bundle (dist/ui-client), which the UI tests load.
  execFileSync(process.execPath, ['ui/build.mjs'], { cwd: root, stdio: 'pipe' })
}
