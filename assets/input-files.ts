import { join } from 'node:path'
import { StrataError } from '../framework/errors/index.js'
import type { InputPartition } from '../framework/definitions/index.js'

/** The one partition an input resolved to (same-day / week-of mappings). */
export function single(inputs: Readonly<Record<string, readonly InputPartition[]>>, name: string): InputPartition {
  const partition = inputs[name]?.[0]
  if (!partition) throw new StrataError('input', `input ${name} has no partition`, 'Materialize the upstream asset first (select it with +).')
  return partition
}

/** The partition of an optional input (previous day), or undefined. */
export function optional(inputs: Readonly<Record<string, readonly InputPartition[]>>, name: string): InputPartition | undefined {
  return inputs[name]?.[0]
}

/** A named file inside an input partition, which must be listed in its manifest. */
export function fileOf(partition: InputPartition, name: string): string {
  if (!partition.manifest.files.some((file) => file.name === name)) {
    throw new StrataError('corrupt', `${partition.asset}(${partition.partition}) has no ${name}`, `Rebuild it: strata materialize ${partition.asset} --partition ${partition.partition} --force`)
  }
  return join(partition.dir, name)
}
