import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, runCli, type StrataApp } from '../../../framework/cli/index.js'
import { resolveSettings } from '../../../framework/config/index.js'
import { LocalStorage } from '../../../framework/storage/local-storage.js'
import { UiModel } from '../../../framework/ui/ui-model.js'
import { loadDefinitions } from '../../../assets/definitions.js'
import { platform } from '../../../resources/platform.js'

let root: string
const env = () => ({ STRATA_STORAGE: join(root, 'storage'), STRATA_LANDING: join(root, 'landing'), CI: '1' })
const app: StrataApp = { name: 'strata', version: '0.0.0-test', platform, load: loadDefinitions }
async function cli(...argv: string[]): Promise<void> {
  const io = captureIo(env(), root)
  expect(await runCli(argv, io, app), io.err()).toBe(0)
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-ui-source-'))
  await cli('generate-sample', '--customers', '200', '--days', '8', '--start', '2026-09-01', '--seed', '13', '--profile', 'light')
  await cli('materialize', '+curated', '--from', '2026-09-05', '--to', '2026-09-07')
}, 60_000)
afterAll(async () => rm(root, { recursive: true, force: true }))

describe('the web view observes the landing', () => {
  it('shows raw(D) stale, naming the file, once a landing file is re-delivered', async () => {
    const definitions = await loadDefinitions(resolveSettings({}, env(), root, 2))
    const model = await UiModel.open(definitions, new LocalStorage(join(root, 'storage')))
    const cell = async () => (await model.status()).cells.find((c) => c.asset === 'raw' && c.partition === '2026-09-07')
    expect((await cell())?.state).toBe('materialized')

    const trades = join(root, 'landing', 'ingest_date=2026-09-07', 'trades.csv')
    const last = (await readFile(trades, 'utf8')).trimEnd().split('\n').at(-1) as string
    await appendFile(trades, `${last.replace(/^[^,]*/, 'T9999999')}\n`)
    await model.refresh(true)
    expect(await cell()).toMatchObject({ state: 'stale', reason: expect.stringContaining('landing changed since it was built: trades.csv') })
  })
})
