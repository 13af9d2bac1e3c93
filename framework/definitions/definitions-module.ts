import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { StrataError } from '../errors/index.js'
import type { Settings } from '../config/settings.js'
import type { Definitions } from './definitions.js'

const HINT = 'A definitions module exports `default defineDefinitions({ assets: [...] })` from "strata", or a function (settings) => definitions; see the README, "Your own assets".'

/**
 * Load the definitions a user's module declares (`--definitions`, STRATA_DEFINITIONS or
 * `definitions` in strata.config.json): JavaScript through Node's own `import()`, TypeScript
 * (.ts, .mts, .cts) through tsx's loader, so no build step is needed. The module's default export
 * (or its `definitions` export) is the definitions, or a function of the settings returning them.
 */
export async function loadDefinitionsModule(path: string, settings: Settings): Promise<Definitions> {
  if (!existsSync(path)) throw new StrataError('config', `definitions module ${path} does not exist`, 'Point --definitions, STRATA_DEFINITIONS or "definitions" in strata.config.json at your module (relative to the working folder).')
  if (!/\.(m|c)?(j|t)s$/.test(path)) throw new StrataError('config', `definitions module ${path} is not a .js, .mjs, .cjs, .ts, .mts or .cts file`, HINT)
  let loaded: Record<string, unknown>
  try {
    loaded = /\.(m|c)?ts$/.test(path) ? ((await (await import('tsx/esm/api')).tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>) : ((await import(pathToFileURL(path).href)) as Record<string, unknown>)
  } catch (error) {
    if (error instanceof StrataError) throw error
    throw new StrataError('definition', `cannot load definitions module ${path}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, 'Fix the module (run it with node to see the full error), or its imports: install strata next to it with npm install.', { cause: error })
  }
  // A TypeScript module in a CommonJS package arrives wrapped once more (`default.default`).
  const module = isWrapped(loaded.default) ? loaded.default : loaded
  const exported = module.default ?? module.definitions
  const value: unknown = typeof exported === 'function' ? await (exported as (settings: Settings) => unknown)(settings) : exported
  if (!isDefinitions(value)) throw new StrataError('definition', `definitions module ${path} exports no definitions`, HINT)
  return value
}

function isDefinitions(value: unknown): value is Definitions {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Definitions>
  return typeof candidate.graph === 'object' && Array.isArray(candidate.assets) && typeof candidate.openResources === 'function'
}

function isWrapped(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !isDefinitions(value) && ('default' in value || 'definitions' in value)
}
