import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * The local cache folder of one remote location: `$STRATA_CACHE_DIR/<hash>` (default
 * `<os tmp>/strata-cache/<hash>`), the hash of the location so two storages never share files.
 */
export function cacheDirFor(location: string, env: Readonly<Record<string, string | undefined>>): string {
  const base = env.STRATA_CACHE_DIR !== undefined && env.STRATA_CACHE_DIR !== '' ? env.STRATA_CACHE_DIR : join(tmpdir(), 'strata-cache')
  return join(base, createHash('sha256').update(location).digest('hex').slice(0, 16))
}
