import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'

/**
 * Where generate-sample keeps each customer's behaviour group, relative to the landing root. It is
 * the ground truth the segmentations are measured against (bench/segment-agreement.ts), not data
 * the pipeline may read: the landing lists only `ingest_date=YYYY-MM-DD` folders (LocalLanding,
 * S3Landing), so a folder that does not match, such as this one, is never observed or ingested.
 */
export const BEHAVIOUR_GROUPS_PATH = '_truth/behaviour_groups.csv'

/** Receives the behaviour-groups CSV once the sample is written. */
export type BehaviourGroupsWriter = (csv: string) => Promise<void>

/**
 * `customer_id,behaviour_group` with one line per customer of the sample, in customer order; the
 * ids are spelled as in the landing files, so they join with every asset's customer_id.
 */
export function behaviourGroupsCsv(customers: number, idOf: (i: number) => string, groupOf: (i: number) => string): string {
  const lines = ['customer_id,behaviour_group']
  for (let i = 0; i < customers; i++) lines.push(`${idOf(i)},${groupOf(i)}`)
  return `${lines.join('\n')}\n`
}

/**
 * Writes the CSV to `<landing>/_truth/behaviour_groups.csv`: a local file (written under a
 * temporary name and renamed), or through `put` for an `s3://` landing.
 */
export function behaviourGroupsWriter(landing: string, put?: (key: string, content: string) => Promise<void>): BehaviourGroupsWriter {
  if (put !== undefined) return (csv) => put(BEHAVIOUR_GROUPS_PATH, csv)
  const target = join(resolve(landing), BEHAVIOUR_GROUPS_PATH)
  return async (csv) => {
    await mkdir(dirname(target), { recursive: true })
    const temp = `${target}.${process.pid}.tmp`
    try {
      await writeFile(temp, csv)
      await rename(temp, target)
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    }
  }
}
