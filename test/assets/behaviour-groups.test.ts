import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runGenerateSample } from '../../assets/commands/generate-sample-command.js'
import { BEHAVIOUR_GROUPS_PATH } from '../../assets/sample/behaviour-groups.js'
import type { SampleSummary } from '../../assets/sample/generate-sample.js'
import { LocalLanding, S3Landing } from '../../assets/landing/index.js'
import { openObjectStore } from '../../resources/s3.js'
import { startS3Server, type S3TestServer } from '../support/s3-server.js'

const FLAGS = { customers: '300', days: '3', start: '2026-03-01', seed: '5', profile: 'light' }

/** customer_id → group from the CSV, checking its header and shape. */
function parseGroups(csv: string): Map<string, string> {
  const [header, ...lines] = csv.trimEnd().split('\n')
  expect(header).toBe('customer_id,behaviour_group')
  return new Map(lines.map((line) => line.split(',') as [string, string]))
}

function expectMatchesSummary(groups: Map<string, string>, summary: SampleSummary): void {
  expect(groups.size).toBe(summary.customers)
  const counts: Record<string, number> = {}
  for (const group of groups.values()) counts[group] = (counts[group] ?? 0) + 1
  expect(counts).toEqual(Object.fromEntries(Object.entries(summary.groups).filter(([, n]) => n > 0)))
}

describe('generate-sample behaviour groups beside the landing', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-groups-'))
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('writes every customer with its group to <landing>/_truth, with the landing ids, and the landing ignores it', async () => {
    const landing = join(root, 'landing')
    const summary = await runGenerateSample(landing, {}, FLAGS)
    const groups = parseGroups(await readFile(join(landing, BEHAVIOUR_GROUPS_PATH), 'utf8'))
    expectMatchesSummary(groups, summary)
    const customers = (await readFile(join(landing, 'ingest_date=2026-03-03', 'customers.csv'), 'utf8')).trimEnd().split('\n').slice(1)
    for (const line of customers) expect(groups.has(line.split(',')[0]!)).toBe(true)
    const local = new LocalLanding(landing)
    expect(await local.listDays()).toEqual(['2026-03-01', '2026-03-02', '2026-03-03'])
  })

  it('is the same file for the same options', async () => {
    const a = join(root, 'a')
    const b = join(root, 'b')
    await runGenerateSample(a, {}, FLAGS)
    await runGenerateSample(b, {}, FLAGS)
    expect(await readFile(join(a, BEHAVIOUR_GROUPS_PATH), 'utf8')).toBe(await readFile(join(b, BEHAVIOUR_GROUPS_PATH), 'utf8'))
  })

  describe('on an s3:// landing', () => {
    let server: S3TestServer
    beforeAll(async () => {
      server = await startS3Server(['groups-test'])
    })
    afterAll(async () => {
      await server.stop()
    })

    it('puts the object beside the ingest_date= prefixes, where the S3 landing does not list it', async () => {
      const url = 's3://groups-test/cdi/landing'
      const summary = await runGenerateSample(url, server.env, FLAGS)
      const store = openObjectStore(url, { env: server.env })
      const body = await store.get(BEHAVIOUR_GROUPS_PATH)
      expect(body).toBeDefined()
      expectMatchesSummary(parseGroups(body!.toString('utf8')), summary)
      const landing = new S3Landing(store, join(root, 's3-cache'))
      expect(await landing.listDays()).toEqual(['2026-03-01', '2026-03-02', '2026-03-03'])
    })
  })
})
