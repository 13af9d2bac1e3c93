// Moved: the CDI landing is in assets/landing/ (issue 13). This type-only re-export stays only for
// assets/lib/raw.ts, whose import another branch owns; delete it once that import reads
// '../landing/landing.js'.
export type { Landing, LandingFile } from '../assets/landing/landing.js'
