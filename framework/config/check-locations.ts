import { statSync } from 'node:fs'
import { dirname } from 'node:path'
import { StrataError } from '../errors/index.js'
import type { Settings } from './settings.js'

type Location = 'landing' | 'storage'

/** Where a location setting came from, e.g. `--storage` or `"landing" in ./strata.config.json`. */
export function originOf(settings: Settings, which: Location): string {
  return settings.origins?.[which] ?? `--${which} / STRATA_${which.toUpperCase()}`
}

/** How to change a location: the setting it came from first, then every other way to set it. */
function fixHint(settings: Settings, which: Location, what: string): string {
  const ways = `--${which} (or STRATA_${which.toUpperCase()}, or "${which}" in strata.config.json)`
  if (settings.origins === undefined || settings.origins[which].startsWith('the default')) return `Run strata from the folder that holds data/, or point ${ways} at ${what}.`
  return `Point ${settings.origins[which]} at ${what}; the other ways to set it: ${ways}.`
}

/**
 * A local storage root must be a folder, or not exist yet (it is created on the first commit)
 * under a folder: a file there would fail every command later with ENOTDIR. S3 is checked when
 * it is first listed ({@link explainLocationError}).
 */
export function assertStorageLocation(settings: Settings): void {
  const location = settings.storage
  if (location.startsWith('s3://')) return
  for (let path = location; ; path = dirname(path)) {
    const kind = kindOf(path)
    if (kind === 'folder') return
    if (kind === 'other') {
      const which = path === location ? `${location} is not a folder` : `${location} cannot be a folder: ${path} is a file`
      throw new StrataError('config', `storage location ${which} (from ${originOf(settings, 'storage')})`, fixHint(settings, 'storage', 'a folder (it is created when missing) or s3://bucket/prefix'))
    }
    if (dirname(path) === path) return
  }
}

/**
 * The landing days, or a usage error naming the landing location, where the setting came from and
 * the fix, when the location does not exist or holds no days: planning against it would only
 * report every partition as out of range or missing.
 */
export async function assertLandingDays(settings: Settings, listDays: () => Promise<readonly string[]>, options: { layout?: string; create?: string } = {}): Promise<readonly string[]> {
  const layout = options.layout ?? 'landing days'
  const create = options.create ? ` ${options.create}` : ''
  const location = settings.landing
  const origin = originOf(settings, 'landing')
  const missing = () => new StrataError('config', `landing location ${location} (from ${origin}) does not exist`, `${fixHint(settings, 'landing', `the folder that holds the ${layout}`)}${create}`)
  const isMissing = () => !location.startsWith('s3://') && kindOf(location) === 'missing'
  let days: readonly string[]
  try {
    days = await listDays()
  } catch (error) {
    throw isMissing() ? missing() : explainLocationError(error, settings)
  }
  if (days.length === 0) {
    if (isMissing()) throw missing()
    throw new StrataError('config', `landing location ${location} (from ${origin}) holds no ${layout}`, `${fixHint(settings, 'landing', `the location that holds the ${layout}`)}${create}`)
  }
  return days
}

/**
 * A missing S3 bucket as the usage error it is, naming the setting that points at it; any other
 * error unchanged. An S3 location cannot be checked without a request, so this runs on the
 * error of the command's first listing.
 */
export function explainLocationError(error: unknown, settings: Settings): unknown {
  if (!(error instanceof StrataError) || !causeNamed(error, 'NoSuchBucket')) return error
  for (const which of ['storage', 'landing'] as const) {
    const bucket = /^s3:\/\/([^/]+)/.exec(settings[which])?.[1]
    if (bucket === undefined || !error.message.includes(`s3://${bucket}`)) continue
    return new StrataError('config', `${which} location ${settings[which]} (from ${originOf(settings, which)}): the bucket ${bucket} does not exist`, `Create the bucket, or ${lowerFirst(fixHint(settings, which, 'the right s3://bucket/prefix'))}`, { cause: error })
  }
  return error
}

function causeNamed(error: unknown, name: string): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e.name === name || (e as { Code?: string }).Code === name) return true
  return false
}

function kindOf(path: string): 'folder' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'other'
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // ENOTDIR: a parent is a file; the walk up finds it and names it.
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing'
    throw error
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}
