import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const bin = fileURLToPath(new URL('../../bin/strata.js', import.meta.url))
const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')
let dir: string
let last = ''

/** The real binary, as `npx strata` runs it, from a fresh folder. */
async function strata(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, STRATA_START: '', CI: '1' }, maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, out: stdout, err: stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, out: e.stdout, err: e.stderr }
  }
}

/** Split a README command line into argv: single quotes group, a `  # comment` ends it. */
function argvOf(line: string): string[] {
  const command = line.replace(/\s{2,}#.*$/, '').trim()
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? '')
}

/**
 * Every `npx strata` line of the README's sh blocks that runs on a laptop: not those of "Your own
 * assets" (test/e2e/own-assets.test.ts runs them in their own folder), not those of the AWS
 * sections (an account, placeholders such as DATA_BUCKET, the Fargate executor), not the daemon,
 * which runs until stopped (test/framework/schedules covers it), and not `strata ui`, a server
 * (test/framework/ui and test/e2e/ui-browser cover it).
 */
const laptop = readme.replace(/\n## Your own assets\n[\s\S]*?(?=\n## The CDI pipeline)/, '\n')
const commands = [...laptop.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((block) => (block[1] ?? '').split('\n'))
  .filter((line) => line.startsWith('npx strata ') && !/DATA_BUCKET|--executor fargate|schedule run|^npx strata ui\b/.test(line))
  .map((line) => ({ line, argv: argvOf(line).slice(2) }))

/** What each command prints, as the README describes it; a README command without an entry fails. */
const expected: [RegExp, (out: string) => void][] = [
  [/^status$/, (out) => {
    expect(out).toMatch(/^drift_report\s+[.# ]*#$/m)
    expect(out).toMatch(/^# materialized {2}~ stale {2}\. missing {2}x failed {2}! blocked/m)
  }],
  [/^show cdi_scores --partition D --limit 10$/, (out) => {
    expect(out.split('\n')[0]).toBe(`cdi_scores(${last})`)
    expect(out.split('\n')[1]).toMatch(/^customer_id\s+cdi\s+channel\s+product\s+engagement\s+service$/)
    expect(out).toMatch(/… \d+ more rows/)
  }],
  [/^show drift_report --partition D$/, (out) => expect(JSON.parse(out)).toMatchObject({ partition: last })],
  [/^show raw --partition D$/, (out) => {
    expect(out).toContain('rows read, curated, quarantined and duplicates per table')
    expect(out).toMatch(/^trades\s+\d+\s+\d+\s+0\s+\d+$/m)
  }],
  [/^show raw --partition D --table trades$/, (out) => expect(out).toContain(`raw(${last}): the quarantined rows of trades`)],
  [/^lineage segments --upstream --format mermaid$/, (out) => expect(out).toMatch(/^graph LR/)],
  [/^lineage cdi_scores --partition D$/, (out) => {
    expect(out).toMatch(new RegExp(`^cdi_scores\\(${last}\\) data [0-9a-f]{12}\\n└─ features\\(${last}\\) data [0-9a-f]{12}`))
    expect(out.trim().split('\n').length).toBeLessThanOrEqual(10)
  }],
  [/^lineage cdi_scores --partition D --depth 4$/, (out) => {
    expect(out).toMatch(/activity_window \S+ … \S+, \d+ partitions, each from the day before/)
    expect(out).toMatch(/customer_activity \S+ … \S+, \d+ partitions/)
  }],
  [/^freshness$/, (out) => expect(out).toMatch(/: nothing late$/m)],
  [/^freshness --at \S+ --json$/, (out) => expect(JSON.parse(out)).toMatchObject({ ok: true })],
  [/^runs$/, (out) => expect(out).toMatch(/^run\s+status\s+started/)],
  [/^runs --limit 1 --json$/, (out) => expect(JSON.parse(out)).toHaveLength(1)],
  [/^schedule list$/, (out) => expect(out).toMatch(/^daily\s+0 2 \* \* \*\s+UTC/m)],
  [/^schedule tick$/, (out) => expect(out).toMatch(/^daily \S+: (run \S+ for \S+: success|already recorded)/m)],
  [/^schedule tick --at \S+ --schedule daily$/, (out) => expect(out).toMatch(/^daily(:? 2026-03-02T02:00:00.000Z: |: no tick due by 2026-03-02T02:05:00.000Z since the last recorded tick)/m)],
  [/^check raw --partition D$/, (out) => expect(out).toMatch(/^raw\s+\S+\s+quarantine_rate\s+error\s+yes\s+yes\s/m)],
  [/^check \+cdi_scores --partition D --json$/, (out) => expect(JSON.parse(out)).toMatchObject({ partition: last, blockingFailures: [] })],
]

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-readme-'))
  // The README's `npm run demo` on a small sample: 20 days, the newest 8 built. `freshness` judges
  // the partitions due in the last 7 days; until 03:00Z yesterday's is not due yet, so those 7 are
  // the ones before it (with only the newest 7 built, this test failed between 00:00 and 03:00Z).
  const demo = await strata(['demo', '--customers', '300', '--days', '20', '--last', '8'])
  expect(demo.err).toBe('')
  expect(demo.code).toBe(0)
  last = /--partition (\d{4}-\d{2}-\d{2}) --limit 10/.exec(demo.out)?.[1] ?? ''
  expect(last).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  expect(demo.out).toMatch(/^run \S+: success/m)
}, 300_000)
afterAll(async () => rm(dir, { recursive: true, force: true }))

describe("the README's commands, run as a newcomer does after the demo", () => {
  it('finds the commands it runs', () => {
    expect(commands.length).toBeGreaterThanOrEqual(15)
  })

  it('--help lists every command the README names', async () => {
    const { code, out } = await strata(['--help'])
    expect(code).toBe(0)
    for (const command of ['materialize', 'backfill', 'status', 'show', 'lineage', 'assets', 'runs', 'check', 'freshness', 'schedule', 'catalog', 'repair', 'generate-sample', 'demo']) expect(out).toMatch(new RegExp(`^  ${command} `, 'm'))
  })

  it('each exits 0 and prints what the README says', async () => {
    for (const { line, argv } of commands) {
      const args = argv.map((arg) => (arg === 'D' ? last : arg))
      const printed = argv.join(' ')
      const check = expected.find(([pattern]) => pattern.test(printed))
      expect(check, `no expectation for the README command: ${line}`).toBeDefined()
      const result = await strata(args)
      // stderr carries log lines (a tick says what it launches), never an error, a warning or a stack.
      expect({ line, code: result.code, err: /error|warning|\n\s+at /i.test(result.err) ? result.err : '' }).toEqual({ line, code: 0, err: '' })
      check?.[1](result.out)
    }
  }, 300_000)

  it('pipes end quietly and --limit holds for csv and json', async () => {
    const csv = await strata(['show', 'cdi_scores', '--partition', last, '--format', 'csv', '--limit', '2'])
    expect(csv.out.trim().split('\n')).toHaveLength(3)
    const json = await strata(['show', 'cdi_scores', '--partition', last, '--format', 'json', '--limit', '2'])
    expect(JSON.parse(json.out)).toHaveLength(2)
    const piped = await run('bash', ['-c', `set -o pipefail; "${process.execPath}" "${bin}" show cdi_scores --partition ${last} --format csv | head -2; "${process.execPath}" "${bin}" lineage cdi_scores --partition ${last} --depth 9 --json | head -1`], { cwd: dir, env: { ...process.env, CI: '1' } })
    expect(piped.stderr).toBe('')
    expect(piped.stdout.split('\n')[0]).toBe('customer_id,cdi,channel,product,engagement,service')
  })
})
