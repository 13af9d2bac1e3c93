/**
 * Quote a user's text in a message without letting it change the terminal: anything outside
 * printable ASCII becomes `?`, and text longer than `max` is cut.
 */
export function printable(value: string, max = 60): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?')
  return clean.length > max ? `${clean.slice(0, max)}…` : clean
}
