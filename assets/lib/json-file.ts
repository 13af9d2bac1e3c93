import { existsSync, readFileSync } from 'node:fs'
import { StrataError } from '../../framework/errors/index.js'
import { parseJson } from '../../framework/storage/index.js'

/**
 * The parsed JSON of an asset's file, for its own shape check: a missing file is an `input` error,
 * damaged JSON a `corrupt` one (the storage layer's parseJson), both naming `asset`, the file and
 * the `fix`.
 */
export function readJsonFile(file: string, asset: string, fix: string): unknown {
  if (!existsSync(file)) throw new StrataError('input', `${asset}: ${file} does not exist`, fix)
  return parseJson(readFileSync(file, 'utf8'), `${asset} file ${file}`, fix)
}
