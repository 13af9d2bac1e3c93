export type { Platform } from './platform.js'
