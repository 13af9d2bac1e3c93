import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CsvTokenizer, encodeCsvRecord, readCsvFile, type CsvRecord } from '../../assets/lib/csv-reader.js'

/** Tokenize `input` fed in chunks of `size` bytes (1 = every possible split point). */
function tokenize(input: string | Buffer, size = Number.MAX_SAFE_INTEGER): CsvRecord[] {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input
  const tokenizer = new CsvTokenizer()
  const out: CsvRecord[] = []
  for (let at = 0; at < bytes.length; at += size) out.push(...tokenizer.push(bytes.subarray(at, at + size)))
  out.push(...tokenizer.end())
  return out
}

function simple(records: CsvRecord[]): [number, string[], readonly string[]][] {
  return records.map((r) => [r.line, r.fields, r.problems])
}

describe('CsvTokenizer', () => {
  it('reads plain LF records with physical line numbers', () => {
    expect(simple(tokenize('a,b\n1,2\n3,4\n'))).toEqual([
      [1, ['a', 'b'], []],
      [2, ['1', '2'], []],
      [3, ['3', '4'], []],
    ])
  })

  it('handles CRLF, a missing final newline and empty fields', () => {
    expect(simple(tokenize('a,b,c\r\n1,,3\r\n,,\r\n4,5,'))).toEqual([
      [1, ['a', 'b', 'c'], []],
      [2, ['1', '', '3'], []],
      [3, ['', '', ''], []],
      [4, ['4', '5', ''], []],
    ])
  })

  it('skips blank lines but still counts them', () => {
    expect(simple(tokenize('h\n\nx\r\n\r\n\ny\n\n'))).toEqual([
      [1, ['h'], []],
      [3, ['x'], []],
      [6, ['y'], []],
    ])
  })

  it('keeps a quoted empty field on its own line (not a blank line)', () => {
    expect(simple(tokenize('h\n""\n'))).toEqual([
      [1, ['h'], []],
      [2, [''], []],
    ])
  })

  it('ignores a UTF-8 BOM, even split across chunks', () => {
    const input = '\uFEFFid,name\n1,é\n'
    for (const size of [1, 2, 3, 100]) {
      expect(simple(tokenize(input, size))).toEqual([
        [1, ['id', 'name'], []],
        [2, ['1', 'é'], []],
      ])
    }
  })

  it('unquotes fields with commas, doubled quotes and newlines; line numbers follow the record start', () => {
    const input = 'a,b\n"x, y","say ""hi"""\n"multi\nline\r\nvalue",z\nlast,"q"\r\n'
    const expected = [
      [1, ['a', 'b'], []],
      [2, ['x, y', 'say "hi"'], []],
      [3, ['multi\nline\r\nvalue', 'z'], []],
      [6, ['last', 'q'], []],
    ]
    for (const size of [1, 2, 5, 1000]) expect(simple(tokenize(input, size))).toEqual(expected)
  })

  it('reports an unterminated quote at the end of the file on that record', () => {
    const records = tokenize('a,b\n1,2\n3,"open\n4,5\n')
    expect(simple(records.slice(0, 2))).toEqual([
      [1, ['a', 'b'], []],
      [2, ['1', '2'], []],
    ])
    expect(records[2]?.line).toBe(3)
    expect(records[2]?.fields).toEqual(['3', '"open\n4,5\n'])
    expect(records[2]?.problems).toEqual(['field 2 opens a quote that is never closed (the file ends inside it)'])
    expect(records).toHaveLength(3)
  })

  it('reports text after a closing quote and a quote inside an unquoted field, keeping the raw text', () => {
    const records = tokenize('"ab"c,d\nx,y"z\n"ok"\r,1\n')
    expect(simple(records)).toEqual([
      [1, ['"ab"c', 'd'], ['field 1 has text after its closing quote']],
      [2, ['x', 'y"z'], ['field 2 has a quote but is not quoted']],
      [3, ['"ok"\r', '1'], ['field 1 has text after its closing quote']],
    ])
  })

  it('flags invalid UTF-8 and NUL bytes per record without dropping anything', () => {
    const bytes = Buffer.concat([
      Buffer.from('h1,h2\nok,1\nbad,'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\nnul,a\0b\nreal,\uFFFD\nafter,2\n'),
    ])
    for (const size of [1, 7, 1 << 20]) {
      const records = tokenize(bytes, size)
      expect(records.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6])
      expect(records[2]?.problems).toEqual(['field 2 is not valid UTF-8'])
      expect(records[2]?.fields[1]).toBe('\uFFFD\uFFFD')
      expect(records[3]?.problems).toEqual(['field 2 contains a NUL byte'])
      expect(records[3]?.fields[1]).toBe('a\uFFFDb')
      // A genuine U+FFFD in the input is valid UTF-8.
      expect(records[4]?.problems).toEqual([])
      expect(records[5]?.problems).toEqual([])
    }
  })

  it('reads multi-byte characters split across chunks', () => {
    const input = 'name\nZürich,東京\n'
    for (const size of [1, 2, 3]) expect(tokenize(input, size)[1]?.fields).toEqual(['Zürich', '東京'])
  })

  it('can start mid-file: a first line number, and a BOM kept as data', () => {
    const tokenizer = new CsvTokenizer({ firstLine: 41, skipBom: false })
    const out = [...tokenizer.push(Buffer.from('\uFEFFa,"b\n')), ...tokenizer.push(Buffer.from('c"\nd\n')), ...tokenizer.end()]
    expect(simple(out)).toEqual([
      [41, ['\uFEFFa', 'b\nc'], []],
      [43, ['d'], []],
    ])
  })

  it('returns nothing for empty input or a lone BOM', () => {
    expect(tokenize('')).toEqual([])
    expect(tokenize('\uFEFF')).toEqual([])
    expect(tokenize('\n\n')).toEqual([])
  })

  it('tokenizes a large file pushed in 64 KiB chunks (its throughput is measured by npm run bench csv)', () => {
    const line = 'T000123,C000123,2026-03-01T10:15:00Z,app,1234.56,EUR\n'
    const bytes = Buffer.from('trade_id,customer_id,ts,channel,notional,currency\n' + line.repeat(100_000))
    const tokenizer = new CsvTokenizer()
    const records: CsvRecord[] = []
    for (let at = 0; at < bytes.length; at += 1 << 16) records.push(...tokenizer.push(bytes.subarray(at, at + (1 << 16))))
    records.push(...tokenizer.end())
    expect(records).toHaveLength(100_001)
    expect(simple(records.slice(-1))[0]).toEqual([100_001, ['T000123', 'C000123', '2026-03-01T10:15:00Z', 'app', '1234.56', 'EUR'], []])
  })
})

describe('readCsvFile', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-csv-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function readAll(path: string, gzip: boolean, chunkSize?: number): Promise<CsvRecord[]> {
    const out: CsvRecord[] = []
    for await (const batch of readCsvFile(path, { gzip, chunkSize })) out.push(...batch)
    return out
  }

  it('reads a gzip file, including multi-member gzip', async () => {
    const path = join(dir, 't.csv.gz')
    await writeFile(path, Buffer.concat([gzipSync('a,b\n1,"x\ny"\n'), gzipSync('2,z\n')]))
    expect(simple(await readAll(path, true, 4))).toEqual([
      [1, ['a', 'b'], []],
      [2, ['1', 'x\ny'], []],
      [4, ['2', 'z'], []],
    ])
  })

  it('throws on a corrupt gzip file', async () => {
    const path = join(dir, 'bad.csv.gz')
    await writeFile(path, 'not gzip at all')
    await expect(readAll(path, true)).rejects.toThrow()
  })

  it('throws on a missing file', async () => {
    await expect(readAll(join(dir, 'nope.csv'), false)).rejects.toThrow(/ENOENT/)
  })
})

describe('encodeCsvRecord', () => {
  it('quotes only what needs quoting, RFC 4180 style', () => {
    expect(encodeCsvRecord(['a', '', 'b c'])).toBe('a,,b c')
    expect(encodeCsvRecord(['x, y', 'say "hi"', 'two\nlines', 'cr\r'])).toBe('"x, y","say ""hi""","two\nlines","cr\r"')
    expect(encodeCsvRecord([''])).toBe('""')
  })

  it('round-trips through the tokenizer', () => {
    const fields = ['plain', 'x, y', 'say "hi"', 'multi\r\nline', '', '东']
    expect(tokenize(encodeCsvRecord(fields) + '\n')[0]?.fields).toEqual(fields)
  })
})
