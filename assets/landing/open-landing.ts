import type { Settings } from '../../framework/config/index.js'
import type { Landing } from './landing.js'
import { LocalLanding } from './local-landing.js'
import { openS3Landing } from './s3-landing.js'

/** The landing data a location names: `s3://bucket/prefix` (cached locally) or a folder. */
export function openLanding(settings: Settings): Landing {
  if (settings.landing.startsWith('s3://')) return openS3Landing(settings.landing, { env: settings.env })
  return new LocalLanding(settings.landing)
}
