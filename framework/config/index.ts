export { defaultConcurrency, resolveSettings, type Settings, type SettingsFlags } from './settings.js'
