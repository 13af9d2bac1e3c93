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
  const share = new ThreadShare(db, { cores: 4, now: () => clock })
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
  const share = new ThreadShare(db, { cores: 2, now: () => clock })
  const holders = Array.from({ length: 5 }, () => share.withConnection(async () => share.threads()))
  expect(Math.min(...(await Promise.all(holders)))).toBe(1)
  await expect(share.withConnection(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
  expect(share.threads()).toBe(2)
  clock = 5_000
  expect(await share.withConnection(threadsSeenBy)).toBe(2)
})

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

it('gives the cores of an ended step back to the one still running once no step has started or ended for a while', async () => {
  let clock = 0
  const timers: { at: number; work: () => void }[] = []
  const share = new ThreadShare(db, { cores: 4, now: () => clock, later: (ms, work) => timers.push({ at: clock + ms, work }) })
  const fire = () => timers.splice(0).forEach((t) => ((clock = Math.max(clock, t.at)), t.work()))

  const firstEnds = deferred()
  const firstIn = deferred()
  const first = share.withConnection(async () => {
    firstIn.resolve()
    await firstEnds.promise
  })
  await firstIn.promise
  // The second step runs four statements; the test lets each one go and reads what it saw.
  const go = [deferred(), deferred(), deferred()]
  const saw = [deferred<number>(), deferred<number>(), deferred<number>(), deferred<number>()]
  const second = share.withConnection(async (connection) => {
    for (let i = 0; i < saw.length; i++) {
      saw[i]!.resolve(await threadsSeenBy(connection))
      await go[i]?.promise
    }
  })
  expect(await saw[0]!.promise).toBe(2)

  // In a backfill the next step starts right after one ends: the raise does not happen.
  clock = 500
  firstEnds.resolve()
  await first
  expect(timers.map((t) => t.at)).toEqual([2_500])
  const thirdEnds = deferred()
  const third = share.withConnection(() => thirdEnds.promise)
  fire()
  go[0]!.resolve()
  expect(await saw[1]!.promise).toBe(2)

  // The third ends and none follows: 2 s later the step still running gets every core.
  clock = 3_000
  thirdEnds.resolve()
  await third
  expect(timers.map((t) => t.at)).toEqual([5_000])
  go[1]!.resolve()
  expect(await saw[2]!.promise).toBe(2)
  fire()
  await expect.poll(() => threadsSeenBy(db)).toBe(4)
  go[2]!.resolve()
  expect(await saw[3]!.promise).toBe(4)
  await second
  // Nothing is left scheduled once the share is back, and a lone step that ends schedules nothing.
  expect(timers).toEqual([])
  expect(await share.withConnection(threadsSeenBy)).toBe(4)
  expect(timers).toEqual([])
})
