/**
 * The results in order once every promise has settled, or the error of the first that failed:
 * in a step over tables, the table a sequential run would have stopped at. Waiting for all means
 * no connection is closed under a statement still running.
 */
export async function settledInOrder<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises)
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failed) throw failed.reason
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value)
}
