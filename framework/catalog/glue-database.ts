import type { Settings } from '../config/index.js'

/** The Glue database partitions are registered in (STRATA_GLUE_DATABASE or config aws.glueDatabase), if any. */
export function glueDatabaseOf(settings: Pick<Settings, 'config' | 'env'>): string | undefined {
  const aws = (settings.config.aws ?? {}) as { glueDatabase?: string }
  const value = settings.env.STRATA_GLUE_DATABASE || aws.glueDatabase
  return value ? value : undefined
}
