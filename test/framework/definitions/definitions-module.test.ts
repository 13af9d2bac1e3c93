import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'
import { platform } from '../../../resources/platform.js'

// The built public API (test/global-setup.ts builds dist/), as `import … from 'strata'` resolves it.
const api = pathToFileURL(fileURLToPath(new URL('../../../dist/framework/index.js', import.meta.url))).href
const app: StrataApp = { name: 'strata', version: '0', platform, load: async () => toyDefinitions() }
let root: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-definitions-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function strata(argv: readonly string[], env: Record<string, string> = {}) {
  const io = captureIo({ STRATA_STORAGE: join(root, 'storage'), ...env }, root)
  const code = await runCli(argv, io, app)
  return { code, out: io.out(), err: io.err() }
}

describe('a definitions module', () => {
  it('in TypeScript, named by STRATA_DEFINITIONS, replaces the built-in definitions', async () => {
    await writeFile(
      join(root, 'pipeline.ts'),
      `import { daily, defineAsset, defineDefinitions, type AssetContext } from ${JSON.stringify(api)}
const partitions = daily({ start: '2026-11-01', end: '2026-11-03' })
const count = async (_context: AssetContext): Promise<{ rowCount: number }> => ({ rowCount: 0 })
export default () => defineDefinitions({ assets: [defineAsset({ key: 'typed', description: 'a typed asset', partitions, codeVersion: '1', materialize: count })] })
`,
    )
    const { code, out } = await strata(['assets'], { STRATA_DEFINITIONS: 'pipeline.ts' })
    expect(code).toBe(0)
    expect(out).toContain('typed')
    expect(out).not.toContain('source')
  })

  it('that does not exist is a config error naming the path and where to set it', async () => {
    const { code, err } = await strata(['--definitions', 'nowhere.mjs', 'status'])
    expect(code).toBe(2)
    expect(err).toContain(`definitions module ${join(root, 'nowhere.mjs')} does not exist`)
    expect(err).toContain('--definitions, STRATA_DEFINITIONS or "definitions" in strata.config.json')
  })

  it('that is not a module file is refused before it is loaded', async () => {
    await writeFile(join(root, 'pipeline.json'), '{}')
    const { code, err } = await strata(['--definitions', 'pipeline.json', 'status'])
    expect(code).toBe(2)
    expect(err).toContain('is not a .js, .mjs, .cjs, .ts, .mts or .cts file')
  })

  it('that exports no definitions says what to export', async () => {
    await writeFile(join(root, 'empty.mjs'), 'export default 42\n')
    const { code, err } = await strata(['--definitions', 'empty.mjs', 'status'])
    expect(code).toBe(2)
    expect(err).toContain(`definitions module ${join(root, 'empty.mjs')} exports no definitions`)
    expect(err).toContain('defineDefinitions')
  })

  it('that throws while loading names the module and the first line of the error', async () => {
    await writeFile(join(root, 'broken.mjs'), "throw new Error('no orders folder\\nstack line')\n")
    const { code, err } = await strata(['--definitions', 'broken.mjs', 'status'])
    expect(code).toBe(2)
    expect(err).toContain(`cannot load definitions module ${join(root, 'broken.mjs')}: no orders folder`)
    expect(err).not.toContain('stack line')
  })
})
