export { currentProcess, processLiveness, type Liveness, type LivenessProbe, type ProcessIdentity } from './process-identity.js'
