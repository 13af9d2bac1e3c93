import { describe, expect, it } from 'vitest'
import { describeSourceChange, fingerprintSource, observeSource, type ObservedSource, type SourceFile, type SourceVersion } from '../../../framework/sources/index.js'

/** A source in memory that counts what it is asked, so the tests can assert "listing only". */
function memorySource(files: Record<string, Record<string, { bytes: number; modified: string; content: string }>>) {
  const calls = { list: 0, hash: [] as string[] }
  const source: ObservedSource = {
    name: 'landing',
    location: 'memory',
    async list(partitions) {
      calls.list++
      return new Map(partitions.map((p) => [p, Object.entries(files[p] ?? {}).map(([name, f]): SourceFile => ({ name, bytes: f.bytes, modified: f.modified }))]))
    },
    async hash(partition, name) {
      calls.hash.push(`${partition}/${name}`)
      return `${(files[partition]?.[name]?.content ?? '').padEnd(64, '0')}`.slice(0, 64)
    },
  }
  return { source, calls }
}

const T1 = '2026-09-07T02:00:00.000Z'
const T2 = '2026-09-16T02:11:42.000Z'

describe('observing a source', () => {
  it('records every file with its hash, sorted by name', async () => {
    const { source } = memorySource({ '2026-09-07': { 'trades.csv': { bytes: 10, modified: T1, content: 'aa' }, 'customers.csv': { bytes: 5, modified: T1, content: 'bb' } } })
    const version = await fingerprintSource(source, '2026-09-07')
    expect(version.files.map((f) => f.name)).toEqual(['customers.csv', 'trades.csv'])
    expect(version.files.every((f) => f.sha256?.length === 64)).toBe(true)
  })

  it('reads no file when the listing is unchanged, and reports no change', async () => {
    const files = { '2026-09-07': { 'trades.csv': { bytes: 10, modified: T1, content: 'aa' } } }
    const { source, calls } = memorySource(files)
    const recorded = await fingerprintSource(source, '2026-09-07')
    calls.hash.length = 0
    const observed = await observeSource(source, ['2026-09-07'], () => recorded)
    expect(calls.hash).toEqual([])
    expect(calls.list).toBe(2)
    expect(describeSourceChange(recorded, observed.get('2026-09-07') as SourceVersion)).toBeUndefined()
  })

  it('names a file whose size changed, without reading it', async () => {
    const files = { '2026-09-07': { 'trades.csv': { bytes: 973_314, modified: T1, content: 'aa' } } }
    const { source, calls } = memorySource(files)
    const recorded = await fingerprintSource(source, '2026-09-07')
    files['2026-09-07']['trades.csv'] = { bytes: 973_370, modified: T2, content: 'cc' }
    calls.hash.length = 0
    const observed = (await observeSource(source, ['2026-09-07'], () => recorded)).get('2026-09-07') as SourceVersion
    expect(calls.hash).toEqual([])
    expect(describeSourceChange(recorded, observed)).toBe('trades.csv: 973,314 → 973,370 bytes, modified 2026-09-16T02:11Z')
  })

  it('hashes a touched file of the same size: the same bytes are no change, other bytes are', async () => {
    const files = { '2026-09-07': { 'trades.csv': { bytes: 10, modified: T1, content: 'aa' } } }
    const { source, calls } = memorySource(files)
    const recorded = await fingerprintSource(source, '2026-09-07')
    files['2026-09-07']['trades.csv'] = { bytes: 10, modified: T2, content: 'aa' }
    calls.hash.length = 0
    let observed = (await observeSource(source, ['2026-09-07'], () => recorded)).get('2026-09-07') as SourceVersion
    expect(calls.hash).toEqual(['2026-09-07/trades.csv'])
    expect(describeSourceChange(recorded, observed)).toBeUndefined()

    files['2026-09-07']['trades.csv'] = { bytes: 10, modified: T2, content: 'dd' }
    observed = (await observeSource(source, ['2026-09-07'], () => recorded)).get('2026-09-07') as SourceVersion
    expect(describeSourceChange(recorded, observed)).toBe('trades.csv: 10 bytes, content changed, modified 2026-09-16T02:11Z')
  })

  it('names added and removed files', async () => {
    const files: Record<string, Record<string, { bytes: number; modified: string; content: string }>> = { '2026-09-07': { 'trades.csv': { bytes: 10, modified: T1, content: 'aa' } } }
    const { source } = memorySource(files)
    const recorded = await fingerprintSource(source, '2026-09-07')
    files['2026-09-07'] = { 'trades.csv.gz': { bytes: 7, modified: T2, content: 'ee' } }
    const observed = (await observeSource(source, ['2026-09-07'], () => recorded)).get('2026-09-07') as SourceVersion
    expect(describeSourceChange(recorded, observed)).toBe('trades.csv: removed; trades.csv.gz: added (7 bytes, modified 2026-09-16T02:11Z)')
  })

  it('treats an ETag change at the same size and time as a change to verify', async () => {
    const recorded: SourceVersion = { source: 'landing', files: [{ name: 'a.csv', bytes: 3, modified: T1, etag: '"1"', sha256: 'x'.repeat(64) }] }
    const observed: SourceVersion = { source: 'landing', files: [{ name: 'a.csv', bytes: 3, modified: T1, etag: '"2"', sha256: 'y'.repeat(64) }] }
    expect(describeSourceChange(recorded, observed)).toMatch(/^a\.csv: 3 bytes, content changed/)
  })
})
