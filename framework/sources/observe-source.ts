import type { ObservedSource, SourceFile, SourceVersion } from './observed-source.js'

const byName = (a: SourceFile, b: SourceFile): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

/** Same name, size and modification (and ETag, where there is one): the content is taken as unchanged. */
function sameListing(a: SourceFile, b: SourceFile): boolean {
  return a.bytes === b.bytes && a.modified === b.modified && (a.etag ?? '') === (b.etag ?? '')
}

/**
 * Observe a source's partitions for planning. Only listings, except where a file kept its size but
 * its time or ETag changed (a touched or re-uploaded file): that file is hashed, so a copy of the
 * same bytes does not make anything stale. Each observed file carries the recorded hash when its
 * listing is unchanged or its content proved equal.
 */
export async function observeSource(
  source: ObservedSource,
  partitions: readonly string[],
  recorded: (partition: string) => SourceVersion | undefined,
): Promise<Map<string, SourceVersion>> {
  const listed = await source.list(partitions)
  const observed = new Map<string, SourceVersion>()
  await Promise.all(
    partitions.map(async (partition) => {
      const before = new Map((recorded(partition)?.files ?? []).map((file) => [file.name, file]))
      const files = await Promise.all(
        [...(listed.get(partition) ?? [])].sort(byName).map(async (file): Promise<SourceFile> => {
          const old = before.get(file.name)
          if (old?.sha256 === undefined) return file
          if (sameListing(old, file)) return { ...file, sha256: old.sha256 }
          if (old.bytes !== file.bytes) return file
          return { ...file, sha256: await source.hash(partition, file.name) }
        }),
      )
      observed.set(partition, { source: source.name, files })
    }),
  )
  return observed
}

/** What a step records: every file of the partition with its content hash. */
export async function fingerprintSource(source: ObservedSource, partition: string): Promise<SourceVersion> {
  const files = [...((await source.list([partition])).get(partition) ?? [])].sort(byName)
  return { source: source.name, files: await Promise.all(files.map(async (file) => ({ ...file, sha256: await source.hash(partition, file.name) }))) }
}

const bytesOf = (n: number): string => n.toLocaleString('en-US')
const minute = (iso: string): string => iso.replace(/:\d{2}(\.\d+)?Z$/, 'Z')

/**
 * How the observed source differs from what a partition was built from, in words naming the file,
 * e.g. `trades.csv: 973,314 → 973,370 bytes, modified 2026-09-16T02:11Z`; undefined when it is the
 * same. A file whose listing changed but whose hash proved equal is the same.
 */
export function describeSourceChange(recorded: SourceVersion, observed: SourceVersion): string | undefined {
  const now = new Map(observed.files.map((file) => [file.name, file]))
  const changes: string[] = []
  for (const old of recorded.files) {
    const file = now.get(old.name)
    if (!file) {
      changes.push(`${old.name}: removed`)
      continue
    }
    if (sameListing(old, file) || (old.bytes === file.bytes && file.sha256 !== undefined && file.sha256 === old.sha256)) continue
    const size = old.bytes === file.bytes ? `${bytesOf(file.bytes)} bytes, content changed` : `${bytesOf(old.bytes)} → ${bytesOf(file.bytes)} bytes`
    changes.push(`${file.name}: ${size}, modified ${minute(file.modified)}`)
  }
  const known = new Set(recorded.files.map((file) => file.name))
  for (const file of observed.files) if (!known.has(file.name)) changes.push(`${file.name}: added (${bytesOf(file.bytes)} bytes, modified ${minute(file.modified)})`)
  return changes.length === 0 ? undefined : changes.join('; ')
}
