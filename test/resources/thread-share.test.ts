import { afterEach, beforeEach, expect, it } from 'vitest'
import { openDuckDb, type DuckDb } from '../../resources/duckdb.js'
import { ThreadShare } from '../../resources/thread-share.js'

let db: DuckDb
beforeEach(async () => (db = await openDuckDb({ threads: 4 })))
afterEach(() => db.close())

const threadsSeenBy = async (connection: DuckDb): Promise<number> => {
  const [row] = await connection.all<{ t: bigint }>("SELECT current_setting('threads')::BIGINT AS t")
  return Number(row?.t)
}

it('gives one step every core, and splits the cores while steps overlap', async () => {
  const share = new ThreadShare(db, 4)
  expect(await share.withConnection(threadsSeenBy)).toBe(4)

  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  let inside!: () => void
  const entered = new Promise<void>((resolve) => (inside = resolve))
  const first = share.withConnection(async (connection) => {
    inside()
    await held
    return threadsSeenBy(connection)
  })
  await entered
  const second = await share.withConnection(threadsSeenBy)
  expect(second).toBe(2)
  release()
  expect(await first).toBe(2)
  // The next step that starts alone gets every core again.
  expect(await share.withConnection(threadsSeenBy)).toBe(4)
})

it('never goes below one thread, and a failing step gives its share back', async () => {
  const share = new ThreadShare(db, 2)
  const holders = Array.from({ length: 5 }, () => share.withConnection(async () => share.threads()))
  expect(Math.min(...(await Promise.all(holders)))).toBe(1)
  await expect(share.withConnection(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
  expect(share.threads()).toBe(2)
  expect(await share.withConnection(threadsSeenBy)).toBe(2)
})
