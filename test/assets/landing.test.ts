import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StrataError } from '../../framework/errors/index.js'
import { LocalLanding } from '../../assets/landing/index.js'
import type { TableName } from '../../assets/lib/tables.js'

describe('LocalLanding', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-landing-'))
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('lists real ingest days, sorted, and ignores everything else', async () => {
    for (const name of ['ingest_date=2026-03-02', 'ingest_date=2026-02-28', 'ingest_date=2026-02-30', 'ingest_date=2026-3-1', 'ingest_date=x', 'other', 'ingest_date=2026-03-01.bak']) {
      await mkdir(join(root, name))
    }
    await writeFile(join(root, 'ingest_date=2026-03-05'), 'a file, not a folder')
    expect(await new LocalLanding(root).listDays()).toEqual(['2026-02-28', '2026-03-02'])
  })

  it('fails with a config error when the root cannot be read', async () => {
    const error = await new LocalLanding(join(root, 'nope')).listDays().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StrataError)
    expect((error as StrataError).code).toBe('config')
    expect((error as StrataError).message).toContain(join(root, 'nope'))
  })

  it('finds plain and gzipped files, and reports a missing one as undefined', async () => {
    const folder = join(root, 'ingest_date=2026-03-01')
    await mkdir(folder)
    await writeFile(join(folder, 'customers.csv'), 'x')
    await writeFile(join(folder, 'trades.csv.gz'), 'x')
    const landing = new LocalLanding(root)
    expect(await landing.file('2026-03-01', 'customers')).toEqual({ name: 'customers.csv', localPath: join(folder, 'customers.csv'), gzip: false })
    expect(await landing.file('2026-03-01', 'trades')).toEqual({ name: 'trades.csv.gz', localPath: join(folder, 'trades.csv.gz'), gzip: true })
    expect(await landing.file('2026-03-01', 'tickets')).toBeUndefined()
    expect(await landing.file('2026-03-09', 'tickets')).toBeUndefined()
  })

  it('refuses a day holding both x.csv and x.csv.gz, naming both', async () => {
    const folder = join(root, 'ingest_date=2026-03-01')
    await mkdir(folder)
    await writeFile(join(folder, 'trades.csv'), 'x')
    await writeFile(join(folder, 'trades.csv.gz'), 'x')
    const error = (await new LocalLanding(root).file('2026-03-01', 'trades').catch((e: unknown) => e)) as StrataError
    expect(error).toBeInstanceOf(StrataError)
    expect(error.code).toBe('input')
    expect(error.message).toContain(join(folder, 'trades.csv'))
    expect(error.message).toContain(join(folder, 'trades.csv.gz'))
    expect(error.hint).toMatch(/Remove one/)
  })

  it('validates the day strictly before building a path', async () => {
    const landing = new LocalLanding(root)
    for (const day of ['2026-02-30', '../../etc', '2026-3-1', '2026-03-01/../x']) {
      const error = (await landing.file(day, 'trades').catch((e: unknown) => e)) as StrataError
      expect(error).toBeInstanceOf(StrataError)
      expect(error.code).toBe('partition')
    }
    const error = (await landing.file('2026-03-01', '../secrets' as TableName).catch((e: unknown) => e)) as StrataError
    expect(error.code).toBe('input')
  })
})
