/** JSON from this server; an error response becomes an Error with the server's message and hint. */
export async function getJson<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { headers: { accept: 'application/json' } }))
}

/** A POST with the per-server token the page was served with. */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const token = document.querySelector<HTMLMetaElement>('meta[name="strata-token"]')?.content ?? ''
  return parse<T>(await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-strata-token': token }, body: JSON.stringify(body) }))
}

async function parse<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => ({}))) as { error?: { message?: string; hint?: string } }
  if (!response.ok) {
    const error = body.error
    throw new Error(`${error?.message ?? `HTTP ${response.status}`}${error?.hint ? ` — ${error.hint}` : ''}`)
  }
  return body as T
}
