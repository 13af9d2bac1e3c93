import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The end-to-end tests run the real `strata` binary, which runs the compiled `dist/`: build it once. */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url))
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
}
