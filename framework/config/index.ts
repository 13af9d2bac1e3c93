export { defaultConcurrency, resolveSettings, type Settings, type SettingsFlags } from './settings.js'
export { assertLandingDays, assertStorageLocation, explainLocationError, originOf } from './check-locations.js'
