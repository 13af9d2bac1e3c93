/** Where engine and asset messages go. The CLI writes them to stderr; tests capture them. */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
  debug(message: string): void
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} }
