import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const section = /\n## Your own assets\n([\s\S]*?)(?=\n## )/.exec(readme)?.[1] ?? ''

/** The section's code blocks in order: a file when the line before names it (`path`:), else a shell block. */
const steps = [...section.matchAll(/(?:^|\n)([^\n]*)\n\n```(\w+)\n([\s\S]*?)```/g)].map((match) => {
  const label = /^`([^`]+)`:$/.exec(match[1] ?? '')
  return label ? { kind: 'file' as const, path: label[1] as string, text: match[3] ?? '' } : { kind: match[2] === 'sh' ? ('sh' as const) : ('other' as const), text: match[3] ?? '' }
})

let dir: string
// npm without the network: the only package installed is the local clone.
const env = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', STRATA_START: '', CI: '1' }

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-own-'))
  // "a new folder next to your strata clone": ../strata from my-pipeline is this checkout.
  await symlink(root, join(dir, 'strata'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Run one README shell block with bash in `cwd`; returns its output and the folder it ends in. */
async function shell(script: string, cwd: string): Promise<{ out: string; cwd: string }> {
  const marker = join(dir, '.cwd')
  const { stdout } = await run('bash', ['-ec', `${script}\npwd > ${JSON.stringify(marker)}`], { cwd, env, maxBuffer: 16 * 1024 * 1024 })
  return { out: stdout, cwd: (await readFile(marker, 'utf8')).trim() }
}

it('the README section "Your own assets" works as written, in a temporary folder', async () => {
  expect(steps.filter((step) => step.kind === 'file').map((step) => step.kind === 'file' && step.path)).toEqual(['orders/2026-11-01.csv', 'orders/2026-11-02.csv', 'definitions.mjs', 'strata.config.json'])
  expect(steps.filter((step) => step.kind === 'sh')).toHaveLength(2)
  expect(steps.some((step) => step.kind === 'other')).toBe(false)

  let cwd = dir
  let output = ''
  for (const step of steps) {
    if (step.kind === 'file') {
      await mkdir(dirname(join(cwd, step.path)), { recursive: true })
      await writeFile(join(cwd, step.path), step.text)
    } else {
      const result = await shell(step.text, cwd)
      cwd = result.cwd
      output = result.out
    }
  }
  expect(cwd).toBe(join(dir, 'my-pipeline'))

  // What the section says the last block prints.
  expect(output).toMatch(/run \S+: success in [\d.]+ s — 4 succeeded, 0 failed/)
  expect(output).toMatch(/^orders\s+# {2}#$/m)
  expect(output).toMatch(/^customer_totals\s+# {2}#$/m)
  expect(output).toMatch(/^customer_totals\(2026-11-02\) data [0-9a-f]{12}\n└─ orders\(2026-11-02\) data [0-9a-f]{12}$/m)
  expect(output).toMatch(/^bob\s+1\.25$/m)
  expect(output).toMatch(/^carol\s+20(\.0)?$/m)

  // "Change codeVersion of orders and status marks both assets stale."
  const definitions = join(cwd, 'definitions.mjs')
  const source = await readFile(definitions, 'utf8')
  await writeFile(definitions, source.replace("codeVersion: '1',", "codeVersion: '2',"))
  const { out } = await shell('npx strata status', cwd)
  expect(out).toMatch(/^orders\s+~ {2}~$/m)
  expect(out).toMatch(/^customer_totals\s+~ {2}~$/m)
}, 120_000)
