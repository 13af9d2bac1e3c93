import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

/** The daily partitions of `asset` in a local store, ascending; the segment benches train over them. */
export function storedDays(store: string, asset: string): string[] {
  const dir = join(store, asset)
  if (!existsSync(dir)) throw new Error(`${dir} does not exist: materialize features and feature_stats into ${store} first (see BENCHMARKS.md)`)
  return readdirSync(dir)
    .filter((name) => name.startsWith('dt='))
    .map((name) => name.slice(3))
    .sort()
}
