/**
 * Where engine and asset messages go. The CLI writes them to stderr (stdout stays the
 * command's output, so it can be piped); tests capture them. An asset gets one as
 * `context.log`, `openResources` as `log`.
 *
 * @example
 * async materialize({ partition, inputs, log }) {
 *   if (inputs.orders.length === 0) log.warn(`customer_totals(${partition}): no orders that day`)
 *   log.debug(`customer_totals(${partition}): reading ${inputs.orders.length} partitions`)
 *   return {}
 * }
 */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
  debug(message: string): void
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} }
