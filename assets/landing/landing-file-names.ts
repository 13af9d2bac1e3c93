import { StrataError } from '../../framework/errors/index.js'
import { TABLE_NAMES, type TableName } from '../lib/tables.js'
import { assertIngestDay } from './ingest-day.js'

// The landed file names of SPEC §1: `<table>.csv` or `<table>.csv.gz` for the six tables, and the
// checks every landing runs before it builds a path or an object key from a request.

const TABLE_FILES: ReadonlySet<string> = new Set(TABLE_NAMES.flatMap((table) => [`${table}.csv`, `${table}.csv.gz`]))

/** True for the names raw reads (`<table>.csv` or `<table>.csv.gz`): the files a landing day's version is made of. */
export function isLandingFileName(name: string): boolean {
  return TABLE_FILES.has(name)
}

/** Check a source request before any path or key is built from it. */
export function assertLandingFile(day: string, name: string): void {
  assertIngestDay(day)
  if (!isLandingFileName(name)) throw new StrataError('input', `"${name.slice(0, 80)}" is not a landing file`, `Landing files are <table>.csv or <table>.csv.gz for ${TABLE_NAMES.join(', ')}.`)
}

/** Validate a landing file request before any path or object key is built from it. */
export function assertLandingRequest(day: string, table: TableName): void {
  assertIngestDay(day)
  if (!TABLE_NAMES.includes(table)) {
    throw new StrataError('input', `"${String(table)}" is not a landing table`, `Use one of ${TABLE_NAMES.join(', ')}.`)
  }
}
