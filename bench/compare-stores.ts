/**
 * `node dist/bench/compare-stores.js <reference-store> <store>`: checks that a store's outputs are
 * the same as a reference store's, for performance work that must not change them. Every data file
 * of every asset partition must be byte-identical; of a manifest, what the computation decides
 * (row count, schema, checks, metadata) must be equal, while run ids, times and code versions may
 * differ. An optional third argument, e.g. `raw,curated`, limits the comparison to those assets.
 * Exit 0 when everything matches, 1 with the differences listed otherwise.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

function files(root: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = relative(root, join(entry.parentPath, entry.name))
    // The engine's own records (runs, locks, failure records) are not outputs.
    if (path.startsWith('_strata') || path.split('/').some((part) => part.startsWith('.'))) continue
    out.push(path)
  }
  return out.sort()
}

const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex')

/** The parts of a manifest the computation decides. */
function decided(path: string): string {
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  const files = (manifest.files as { name?: string; path?: string; bytes?: number; sha256?: string }[] | undefined) ?? []
  return JSON.stringify({ rowCount: manifest.rowCount, schema: manifest.schema, checks: manifest.checks, metadata: manifest.metadata, files })
}

function main(): number {
  const [reference, store, only] = process.argv.slice(2)
  const assets = only === undefined ? undefined : new Set(only.split(','))
  const wanted = (path: string): boolean => assets === undefined || assets.has(path.split('/')[0]!)
  if (!reference || !store || !existsSync(reference) || !existsSync(store)) {
    process.stderr.write('usage: node dist/bench/compare-stores.js <reference-store> <store>\n')
    return 2
  }
  const expected = files(reference).filter(wanted)
  const actual = new Set(files(store).filter(wanted))
  const problems: string[] = []
  for (const path of expected) {
    if (!actual.delete(path)) {
      problems.push(`missing: ${path}`)
      continue
    }
    const same = path.endsWith('_manifest.json') ? decided(join(reference, path)) === decided(join(store, path)) : digest(join(reference, path)) === digest(join(store, path))
    if (!same) problems.push(`differs: ${path}`)
  }
  for (const path of actual) problems.push(`extra: ${path}`)
  process.stdout.write(`${expected.length} files compared, ${problems.length} differences\n${problems.slice(0, 50).join('\n')}${problems.length > 50 ? `\n… ${problems.length - 50} more` : ''}\n`)
  return problems.length === 0 ? 0 : 1
}

process.exitCode = main()
