export { configProblems, defaultConcurrency, resolveSettings, SETTINGS_VARIABLE, type Settings, type SettingsFlags } from './settings.js'
