import { afterEach, beforeEach, expect, it } from 'vitest'
import { openDuckDb } from '../../resources/duckdb.js'
import { type SqlEngine } from '../../framework/sql/index.js'
import { ThreadShare } from '../../resources/thread-share.js'

let db: SqlEngine
beforeEach(async () => (db = await openDuckDb({ threads: 4 })))
afterEach(() => db.close())

const threadsSeenBy = async (connection: SqlEngine): Promise<number> => {
  const [row] = await connection.all<{ t: bigint }>("SELECT current_setting('threads')::BIGINT AS t")
  return Number(row?.t)
}

it('gives one step every core, splits the cores while steps overlap, and raises again only after a quiet while', async () => {
  let clock = 0
  const share = new ThreadShare(db, 4, 2_000, () => clock)
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
  // A step starting alone right after the overlap keeps its share: another is likely to follow.
  clock = 1_000
  expect(await share.withConnection(threadsSeenBy)).toBe(2)
  // Once nothing has overlapped for a while, a step starting alone gets every core again.
  clock = 2_500
  expect(await share.withConnection(threadsSeenBy)).toBe(4)
})

it('never goes below one thread, and a failing step gives its share back', async () => {
  let clock = 0
  const share = new ThreadShare(db, 2, 2_000, () => clock)
  const holders = Array.from({ length: 5 }, () => share.withConnection(async () => share.threads()))
  expect(Math.min(...(await Promise.all(holders)))).toBe(1)
  await expect(share.withConnection(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
  expect(share.threads()).toBe(2)
  clock = 5_000
  expect(await share.withConnection(threadsSeenBy)).toBe(2)
})
