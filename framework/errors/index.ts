export { StrataError, asStrataError, type ErrorCode } from './strata-error.js'
