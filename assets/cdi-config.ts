import { StrataError } from '../framework/errors/index.js'
import { addDays, dateKeyOf, firstMondayAfter, parseDateKey } from '../framework/partitions/index.js'
import type { Settings } from '../framework/config/index.js'
import { SEGMENTATIONS, type Segmentation } from './lib/segment-model-types.js'

/** The CDI pipeline's settings (environment first, then the config file, then defaults). */
export interface CdiConfig {
  /** First landing day: STRATA_START, else the earliest ingest_date= folder. */
  readonly firstDay: string
  /** Where firstDay came from; 'none' when there is no landing data and no STRATA_START yet. */
  readonly firstDaySource: 'STRATA_START' | 'landing' | 'none'
  /** First partition of segment_model / segments / drift_report: the first Monday after firstDay. */
  readonly firstModelDay: string
  readonly hysteresisDelta: number
  /** Blocking quarantine-rate threshold (share of rows read), SPEC §1. */
  readonly quarantineThreshold: number
  /** How segment_model clusters (STRATA_SEGMENTATION, else `segmentation` in the config; default spec). */
  readonly segmentation: Segmentation
}


/** Resolve the CDI config; `landingDays` is only consulted when STRATA_START is not set. */
export async function resolveCdiConfig(settings: Settings, landingDays: () => Promise<readonly string[]>): Promise<CdiConfig> {
  const env = settings.env
  const configured = env.STRATA_START || (typeof settings.config.start === 'string' ? settings.config.start : undefined)
  let firstDay: string
  let firstDaySource: CdiConfig['firstDaySource']
  if (configured !== undefined) {
    firstDay = parseDateKey(configured, 'STRATA_START')
    firstDaySource = 'STRATA_START'
  } else {
    const days = await landingDays().catch((error: unknown) => {
      // No landing folder yet (a fresh clone): the definitions still load, so lineage, assets and
      // generate-sample work; commands that need partitions say what to do.
      if (isMissingFolder(error)) return []
      throw error
    })
    firstDay = days[0] ?? addDays(dateKeyOf(new Date()), -1)
    firstDaySource = days[0] ? 'landing' : 'none'
  }
  return {
    firstDay,
    firstDaySource,
    firstModelDay: firstMondayAfter(firstDay),
    hysteresisDelta: number(env.HYSTERESIS_DELTA, settings.config.hysteresisDelta, 10, 'HYSTERESIS_DELTA', 0, Number.MAX_VALUE),
    quarantineThreshold: number(env.STRATA_QUARANTINE_THRESHOLD, settings.config.quarantineThreshold, 0.05, 'STRATA_QUARANTINE_THRESHOLD', 0, 1),
    segmentation: segmentation(env.STRATA_SEGMENTATION, settings.config.segmentation),
  }
}

function segmentation(text: string | undefined, configured: unknown): Segmentation {
  if (text === undefined || text === '') return (SEGMENTATIONS as readonly unknown[]).includes(configured) ? (configured as Segmentation) : 'spec'
  if ((SEGMENTATIONS as readonly string[]).includes(text)) return text as Segmentation
  throw new StrataError('config', `STRATA_SEGMENTATION="${text.slice(0, 30)}" is not one of ${SEGMENTATIONS.join(', ')}`, 'Set STRATA_SEGMENTATION to spec (SPEC §5, the default) or stable.')
}

function number(text: string | undefined, configured: unknown, fallback: number, name: string, min: number, max: number): number {
  if (text === undefined) return typeof configured === 'number' ? configured : fallback
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new StrataError('config', `${name}="${text.slice(0, 30)}" is not a number from ${min} to ${max === Number.MAX_VALUE ? 'any' : max}`, `Set ${name} to a number, e.g. ${name}=${fallback}.`)
  }
  return value
}

function isMissingFolder(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true
  }
  return false
}
