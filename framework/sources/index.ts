export type { ObservedSource, SourceFile, SourceVersion } from './observed-source.js'
export { describeSourceChange, fingerprintSource, observeSource } from './observe-source.js'
