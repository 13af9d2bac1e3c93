// Epoch-day helpers shared by the definitions and mappings, kept out of the public face.
// Mappings run ~100k times per plan, so they work on epoch days and turn days back into keys
// only for the result arrays.
import { fromEpochDay, toEpochDay, type DateKey } from './date-key.js'
import type { PartitionKey, PartitionsDefinition } from './partitions-definition.js'

/** A shared empty result; frozen so no caller can fill it for everyone. */
export const NO_KEYS: readonly PartitionKey[] = Object.freeze([])

// A plan touches a few thousand distinct days at most; caching their keys turns the hot
// path's Date + ISO-string work into a lookup. The cap only guards against pathological use.
const KEY_CACHE_LIMIT = 100_000
const keyCache = new Map<number, DateKey>()

/** The key of an epoch day, cached. */
export function keyOfDay(day: number): DateKey {
  let key = keyCache.get(day)
  if (key === undefined) {
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear()
    key = fromEpochDay(day)
    keyCache.set(day, key)
  }
  return key
}

/** The keys of epoch days `from`, `from + step`, … up to `to` inclusive; empty when from > to. */
export function keysOfDays(from: number, to: number, step = 1): PartitionKey[] {
  if (!(from <= to)) return []
  const out = new Array<PartitionKey>(Math.floor((to - from) / step) + 1)
  for (let i = 0, day = from; day <= to; i++, day += step) out[i] = keyOfDay(day)
  return out
}

/** The first epoch day a definition allows; -Infinity when it has no start. */
export function firstDayOf(definition: PartitionsDefinition): number {
  return definition.start === undefined ? Number.NEGATIVE_INFINITY : toEpochDay(definition.start)
}

/** The last epoch day a definition's keys may take; +Infinity when it has no end. */
export function lastDayOf(definition: PartitionsDefinition): number {
  return definition.end === undefined ? Number.POSITIVE_INFINITY : toEpochDay(definition.end)
}

/** ISO weekday of an epoch day, Monday = 1 … Sunday = 7 (1970-01-01 was a Thursday). */
export function weekdayOfDay(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1
}

/** The epoch day of the Monday of the week containing `day`. */
export function mondayOfDay(day: number): number {
  return day + 1 - weekdayOfDay(day)
}

/** The first epoch day ≥ `day` that is a Monday. */
export function mondayOnOrAfter(day: number): number {
  const monday = mondayOfDay(day)
  return monday === day ? day : monday + 7
}

const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const

/** "Monday" … "Sunday" for a valid date key. */
export function weekdayName(key: DateKey): string {
  return WEEKDAY_NAMES[weekdayOfDay(toEpochDay(key)) - 1] ?? 'unknown day'
}
