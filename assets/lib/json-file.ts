import { existsSync, readFileSync } from 'node:fs'
import { StrataError } from '../../framework/errors/index.js'

/**
 * The parsed JSON of an asset's file, for its own shape check: a missing file is an `input` error,
 * text that is not JSON a `corrupt` one, both naming `asset`, the file and the `fix`.
 */
export function readJsonFile(file: string, asset: string, fix: string): unknown {
  if (!existsSync(file)) throw new StrataError('input', `${asset}: ${file} does not exist`, fix)
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown
  } catch (error) {
    throw new StrataError('corrupt', `${asset}: ${file} is not valid JSON`, fix, { cause: error })
  }
}
