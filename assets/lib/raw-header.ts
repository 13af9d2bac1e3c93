import { open } from 'node:fs/promises'
import { StrataError } from '../../framework/errors/index.js'
import type { LandingFile } from '../landing/landing.js'
import { readCsvFile, type CsvRecord } from './csv-reader.js'
import type { TableSpec } from './tables.js'

/**
 * The header of a landing file: its first record, checked against the table's spec (SPEC §1: a
 * required column absent fails the partition; extra columns are ignored and reported).
 */

export interface Header {
  /** The physical line of the header record. */
  readonly line: number
  readonly names: readonly string[]
  readonly fields: number
  /** For each spec column, its field index in the file, or -1 when absent. */
  readonly positions: number[]
  readonly extra: string[]
}

async function parseHeader(file: string, landed: LandingFile, spec: TableSpec, record: CsvRecord): Promise<Header> {
  const expected = spec.columns.map((c) => c.name).join(', ')
  if (record.problems.length > 0) {
    const gzipHint = !landed.gzip && (await startsWithGzipMagic(landed.localPath))
    throw new StrataError(
      'input',
      `${file}: the header (line ${record.line}) is not readable CSV text: ${record.problems.join('; ')}`,
      gzipHint
        ? `${landed.name} looks gzip-compressed; name it ${landed.name}.gz, or land it uncompressed.`
        : `Land ${landed.name} as UTF-8 CSV whose first line names the columns (${expected}).`,
    )
  }
  const names = record.fields
  const seen = new Map<string, number>()
  for (const [index, name] of names.entries()) {
    const first = seen.get(name)
    if (first !== undefined) {
      throw new StrataError(
        'input',
        `${file}: column "${name}" appears twice in the header (fields ${first + 1} and ${index + 1})`,
        `Remove or rename one of the two "${name}" columns in ${landed.name}, then rebuild the partition.`,
      )
    }
    seen.set(name, index)
  }
  const missing = spec.columns.filter((c) => !c.optional && !seen.has(c.name)).map((c) => c.name)
  if (missing.length > 0) {
    const list = missing.map((m) => `"${m}"`).join(', ')
    const near = missing.map((m) => nearMiss(m, names)).find((n) => n !== undefined)
    throw new StrataError(
      'input',
      `${file}: required column${missing.length > 1 ? 's' : ''} ${list} ${missing.length > 1 ? 'are' : 'is'} missing from the header (found: ${names.join(', ')})`,
      `Add ${list} to the header of ${landed.name} (names are exact: case-sensitive, not trimmed)${near ? `; the header has "${near.found}", which looks like "${near.wanted}"` : ''}, then rebuild the partition.`,
    )
  }
  const known = new Set(spec.columns.map((c) => c.name))
  return {
    line: record.line,
    names,
    fields: names.length,
    positions: spec.columns.map((c) => seen.get(c.name) ?? -1),
    extra: names.filter((n) => !known.has(n)),
  }
}

/** A header name that differs from a wanted column only by case or surrounding spaces. */
function nearMiss(wanted: string, names: readonly string[]): { wanted: string; found: string } | undefined {
  const found = names.find((n) => n.trim().toLowerCase() === wanted)
  return found === undefined ? undefined : { wanted, found }
}

async function startsWithGzipMagic(path: string): Promise<boolean> {
  const handle = await open(path, 'r')
  try {
    const head = Buffer.alloc(2)
    const { bytesRead } = await handle.read(head, 0, 2, 0)
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b
  } finally {
    await handle.close()
  }
}

/** The header record (the first record of the file), checked; fails the partition when unusable. */
export async function readHeader(file: string, landed: LandingFile, spec: TableSpec, day: string, unreadable: (error: unknown) => StrataError): Promise<Header> {
  let first: CsvRecord | undefined
  try {
    for await (const batch of readCsvFile(landed.localPath, { gzip: landed.gzip })) {
      first = batch[0]
      break
    }
  } catch (error) {
    throw unreadable(error)
  }
  if (first === undefined) {
    throw new StrataError(
      'input',
      `${file} is empty: it has no header row`,
      `Land ${landed.name} with a header row naming its columns (${spec.columns.map((c) => c.name).join(', ')}), then rebuild raw for ${day}.`,
    )
  }
  return parseHeader(file, landed, spec, first)
}
