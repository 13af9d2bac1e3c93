import { EXTRA_COLUMNS, extraValue, type ExtraColumn, type TextRng } from './free-text.js'

/**
 * How one landing file is laid out: its columns (the table's own in their usual order, or in
 * another order with extra columns), line ends, byte-order mark, compression. A row is filled in
 * the usual ("canonical") order and rendered through the layout.
 */
export interface FileLayout {
  readonly header: string
  /** Output column k is canonical field `order[k]` when >= 0, else extra column `extras[-1 - order[k]]`. */
  readonly order: readonly number[]
  readonly extras: readonly ExtraColumn[]
  /** The canonical columns in their usual order, no extras: a row is its fields joined. */
  readonly canonical: boolean
  readonly eol: '\n' | '\r\n'
  readonly bom: boolean
  readonly gzip: boolean
  /** The value of `exported_at` and `batch_id` on every row of the file. */
  readonly fileStamp: string
  readonly batch: number
}

export interface LayoutChoice {
  readonly eol: '\n' | '\r\n'
  readonly bom: boolean
  readonly gzip: boolean
}

/** The usual layout: the canonical columns in order. */
export function canonicalLayout(columns: readonly string[], choice: LayoutChoice): FileLayout {
  return { header: columns.join(','), order: columns.map((_, i) => i), extras: [], canonical: true, fileStamp: '', batch: 0, ...choice }
}

/** Share of realistic files whose columns come in another order, with extra columns. */
export const VARIED_FILE_SHARE = 0.15

/**
 * A realistic file's layout: line ends, BOM and gzip drawn per file (gzip always when `gzipAll`),
 * and about 15% of files with their columns shuffled and one or two extra columns.
 */
export function drawLayout(rng: TextRng, columns: readonly string[], gzipAll: boolean, fileStamp: string): FileLayout {
  const choice: LayoutChoice = {
    eol: rng.next() < 0.12 ? '\r\n' : '\n',
    bom: rng.next() < 0.04,
    gzip: gzipAll || rng.next() < 0.2,
  }
  if (rng.next() >= VARIED_FILE_SHARE) return canonicalLayout(columns, choice)
  const order = columns.map((_, i) => i)
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  const extras: ExtraColumn[] = []
  const wanted = 1 + rng.int(2)
  while (extras.length < wanted) {
    const extra = EXTRA_COLUMNS[rng.int(EXTRA_COLUMNS.length)]!
    if (!extras.includes(extra)) extras.push(extra)
  }
  for (let k = 0; k < extras.length; k++) order.splice(rng.int(order.length + 1), 0, -1 - k)
  const names = order.map((o) => (o >= 0 ? columns[o]! : extras[-1 - o]!))
  return { header: names.join(','), order, extras, canonical: false, fileStamp, batch: 1 + rng.int(9_999_999), ...choice }
}

/** A row's values in file order; `fields` are canonical and already CSV-encoded. */
export function renderValues(layout: FileLayout, fields: readonly string[], rng: TextRng): string[] {
  if (layout.canonical) return fields.slice()
  return layout.order.map((o) => (o >= 0 ? fields[o]! : extraValue(layout.extras[-1 - o]!, rng, layout.fileStamp, layout.batch)))
}

/** A row as one line (without its line end). */
export function renderLine(layout: FileLayout, fields: readonly string[], rng: TextRng): string {
  return layout.canonical ? fields.join(',') : renderValues(layout, fields, rng).join(',')
}
