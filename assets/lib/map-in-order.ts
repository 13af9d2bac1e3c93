import PQueue from 'p-queue'

/**
 * `work` over every item, at most `concurrency` at once; the results in item order once every
 * call has settled, or the error of the first item that failed: in a step over tables, the table
 * a sequential run would have stopped at. Waiting for all means no connection is closed under a
 * statement still running.
 */
export async function mapInOrder<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const queue = new PQueue({ concurrency: Math.max(1, concurrency) })
  const settled = await Promise.allSettled(items.map((item, index) => queue.add(() => work(item, index))))
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failed) throw failed.reason
  return settled.map((result) => (result as PromiseFulfilledResult<R>).value)
}
