import type { FileLayout } from './file-layout.js'

// CSV assembly. Good rows hold only values from fixed safe alphabets, so they are joined without
// quoting; only corrupted rows can carry commas, quotes or newlines and go through `csvField`.

export const CHUNK_ROWS = 4096

/**
 * Collects increment lines and turns them into a Buffer chunk every CHUNK_ROWS lines: small
 * batches die young in the GC, and a 1M-customer day never becomes one giant string.
 */
export class CsvBuilder {
  private lines: string[] = []
  private readonly chunks: Buffer[] = []
  rows = 0
  private readonly eol: string
  constructor(layout: FileLayout) {
    this.eol = layout.eol
    this.chunks.push(Buffer.from(`${layout.bom ? '\uFEFF' : ''}${layout.header}${layout.eol}`, 'utf8'))
  }
  push(line: string): void {
    this.lines.push(line)
    this.rows++
    if (this.lines.length >= CHUNK_ROWS) this.flush()
  }
  private flush(): void {
    if (this.lines.length === 0) return
    this.lines.push('')
    this.chunks.push(Buffer.from(this.lines.join(this.eol), 'utf8'))
    this.lines = []
  }
  toBuffer(): Buffer {
    this.flush()
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks)
  }
}

/** A growable byte buffer: realistic snapshots mix byte copies with rendered rows. */
export class ByteSink {
  private buf: Buffer
  length = 0
  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 1024))
  }
  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.length + extra))
    this.buf.copy(next, 0, 0, this.length)
    this.buf = next
  }
  copy(source: Buffer, start: number, end: number): void {
    this.ensure(end - start)
    this.length += source.copy(this.buf, this.length, start, end)
  }
  text(value: string): void {
    this.ensure(3 * value.length)
    this.length += this.buf.write(value, this.length)
  }
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.length)
  }
}
