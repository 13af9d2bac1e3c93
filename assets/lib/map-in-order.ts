import PQueue from 'p-queue'

/**
 * `work` over every item, at most `concurrency` at once; the results in item order once every
 * call has settled, or the error of the first item that failed: in a step over tables, the table
 * a sequential run would have stopped at. Waiting for all means no connection is closed under a
 * statement still running. With `weight`, the heaviest items start first: over a day's tables,
 * where one or two files hold most of the rows, the largest-first order keeps the other workers
 * on the small ones instead of leaving the largest to run alone at the end.
 */
export async function mapInOrder<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>, weight?: (item: T, index: number) => number): Promise<R[]> {
  const queue = new PQueue({ concurrency: Math.max(1, concurrency) })
  const order = items.map((_, index) => index)
  if (weight !== undefined) {
    const weights = items.map(weight)
    order.sort((a, b) => (weights[b] as number) - (weights[a] as number) || a - b)
  }
  const started = new Array<Promise<R>>(items.length)
  for (const index of order) started[index] = queue.add(() => work(items[index] as T, index))
  const settled = await Promise.allSettled(started)
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failed) throw failed.reason
  return settled.map((result) => (result as PromiseFulfilledResult<R>).value)
}
