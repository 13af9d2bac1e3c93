import { StrataError } from '../errors/index.js'
import { printable, type DateKey } from './date-key.js'
import { UNPARTITIONED_KEY, type PartitionKey, type PartitionsDefinition } from './partitions-definition.js'

// An unpartitioned asset is one table valid for all time, so its one key covers every date.
const ALL_DAYS = Object.freeze({ from: '0001-01-01', to: '9999-12-31' })

const UNPARTITIONED: PartitionsDefinition = Object.freeze({
  kind: 'unpartitioned' as const,
  contains: (key: PartitionKey): boolean => key === UNPARTITIONED_KEY,
  validateKey(key: string, asset: string): PartitionKey {
    if (key === UNPARTITIONED_KEY) return key
    throw new StrataError(
      'partition',
      `partition "${printable(String(key))}" given for asset ${asset}, which is unpartitioned`,
      `${asset} has a single partition, "${UNPARTITIONED_KEY}": leave out the partition or pass "${UNPARTITIONED_KEY}".`,
    )
  },
  keysInRange: (_from: DateKey, _to: DateKey): PartitionKey[] => [UNPARTITIONED_KEY],
  daysOf: (_key: PartitionKey): { from: DateKey; to: DateKey } => ALL_DAYS,
  pathSegment: (_key: PartitionKey): string => UNPARTITIONED_KEY,
  describe: (): string => 'unpartitioned',
})

/**
 * An asset with no partitions: one key, {@link UNPARTITIONED_KEY} (`all`), whatever the range.
 * `daysOf('all')` spans every representable date.
 *
 * @example
 * unpartitioned().keysInRange('2026-01-01', '2026-01-31') // ['all']
 */
export function unpartitioned(): PartitionsDefinition {
  return UNPARTITIONED
}
