export { checkConfig, configProblems, defaultConcurrency, resolveSettings, SETTINGS_VARIABLE, type Settings, type SettingsFlags } from './settings.js'
export { layerConfig, settingsFromStackOutputs, stackNameOf, STACK_OUTPUTS, type StackOutputsReader } from './stack-outputs.js'
export { assertLandingDays, assertStorageLocation, explainLocationError, originOf } from './check-locations.js'
export { serverSideEncryptionOf } from './s3-encryption.js'
