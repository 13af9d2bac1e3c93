/**
 * What kind of failure this is; decides the exit code and lets tests assert the cause.
 * `usage`, `config`, `definition`, `partition` and `selection` exit 2 (fix the command or the
 * setup); the others exit 1 (the work failed).
 *
 * @example
 * // an asset refusing a day whose file has not landed: the work failed, exit 1
 * const code: ErrorCode = 'input'
 * throw new StrataError(code, `orders/${partition}.csv is missing`, "Put the day's CSV in orders/ and run the backfill again.")
 */
export type ErrorCode =
  | 'usage'
  | 'config'
  | 'definition'
  | 'partition'
  | 'selection'
  | 'storage'
  | 'corrupt'
  | 'locked'
  | 'input'
  | 'compute'
  | 'check'
  | 'aws'
  | 'canceled'

const usageCodes: ReadonlySet<ErrorCode> = new Set(['usage', 'config', 'definition', 'partition', 'selection'])

/**
 * The one error type of Strata. The message names what failed (asset, partition, file, flag);
 * the hint says what to do about it.
 *
 * @example
 * throw new StrataError('partition', `"2026-02-30" is not a real calendar date`, 'Use YYYY-MM-DD, e.g. 2026-02-28.')
 */
export class StrataError extends Error {
  override readonly name = 'StrataError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }

  /** 2 for bad usage or configuration, 1 for work that failed. */
  get exitCode(): 1 | 2 {
    return usageCodes.has(this.code) ? 2 : 1
  }

  /** The text a user sees: the message, then the hint on its own line. */
  render(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message
  }
}

/** Narrow an unknown thrown value to a StrataError, wrapping anything else as a compute failure. */
export function asStrataError(error: unknown, context?: string): StrataError {
  if (error instanceof StrataError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new StrataError('compute', context ? `${context}: ${message}` : message, undefined, { cause: error })
}
