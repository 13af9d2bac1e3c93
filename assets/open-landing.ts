import type { Settings } from '../framework/config/index.js'
import { LocalLanding, type Landing } from '../resources/landing.js'
import { openS3Landing } from '../resources/s3-landing.js'

/** The landing data a location names: `s3://bucket/prefix` (cached locally) or a folder. */
export function openLanding(settings: Settings): Landing {
  if (settings.landing.startsWith('s3://')) return openS3Landing(settings.landing, { env: settings.env })
  return new LocalLanding(settings.landing)
}
