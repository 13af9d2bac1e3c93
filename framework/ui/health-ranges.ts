import type { StatusCell } from '../cli/commands/status-command.js'

/** Consecutive partitions of one asset in the same state for the same kind of reason. */
export interface HealthRange {
  readonly from: string
  readonly to: string
  readonly count: number
  /** `materialized`, `stale`, `missing`, `failed`, `blocked`, or whatever state `status` reports. */
  readonly state: string
  /** The first partition's reason, as `status --json` words it. */
  readonly reason: string
}

/** An asset's partition health: counts per state and the ranges, oldest first. */
export interface AssetHealth {
  readonly asset: string
  readonly total: number
  readonly counts: Readonly<Record<string, number>>
  readonly ranges: readonly HealthRange[]
}

/**
 * Compress `status --json` cells into ranges per asset, so a ten-year daily asset is a handful
 * of ranges, never 3,650 elements. A range breaks where the state changes or the reason changes
 * kind (dates in the reason are ignored: "upstream x(2026-03-01) changed" and "…(2026-03-02)…"
 * are one range).
 */
export function healthRanges(assets: readonly string[], cells: readonly StatusCell[]): Map<string, AssetHealth> {
  const byAsset = new Map<string, StatusCell[]>(assets.map((asset) => [asset, []]))
  for (const cell of cells) byAsset.get(cell.asset)?.push(cell)
  const result = new Map<string, AssetHealth>()
  for (const [asset, mine] of byAsset) {
    mine.sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0))
    const counts: Record<string, number> = {}
    const ranges: { from: string; to: string; count: number; state: string; reason: string; kind: string }[] = []
    for (const cell of mine) {
      counts[cell.state] = (counts[cell.state] ?? 0) + 1
      const kind = reasonKind(cell.reason)
      const last = ranges.at(-1)
      if (last && last.state === cell.state && last.kind === kind) {
        last.to = cell.partition
        last.count++
      } else ranges.push({ from: cell.partition, to: cell.partition, count: 1, state: cell.state, reason: cell.reason, kind })
    }
    result.set(asset, { asset, total: mine.length, counts, ranges: ranges.map(({ kind: _kind, ...range }) => range) })
  }
  return result
}

/** A reason with its dates and run ids blanked, so partitions stale for the same cause group together. */
function reasonKind(reason: string): string {
  return reason.replace(/\d{4}-\d{2}-\d{2}/g, 'D').replace(/\d{8}T\d{6}Z-[0-9a-f]{6}/g, 'R')
}
