/** What kind of failure this is; decides the exit code and lets tests assert the cause. */
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
