import { spawn } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { pipeSafe } from '../../../framework/cli/index.js'

const bin = fileURLToPath(new URL('../../../bin/strata.js', import.meta.url))

/** A stream double: records writes; `fail` makes the next write's error arrive as the event a closed pipe emits. */
function fakeStream() {
  const written: string[] = []
  const stream = Object.assign(new EventEmitter(), { isTTY: false, write: (text: string) => (written.push(text), true) })
  return { stream, written }
}

describe('pipeSafe', () => {
  it('after an EPIPE the stream goes quiet instead of throwing', () => {
    const { stream, written } = fakeStream()
    const safe = pipeSafe(stream)
    safe.write('first\n')
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
    expect(safe.write('second\n')).toBe(false)
    expect(written).toEqual(['first\n'])
  })

  it('other stream errors still surface', () => {
    const { stream } = fakeStream()
    pipeSafe(stream)
    expect(() => stream.emit('error', Object.assign(new Error('disk on fire'), { code: 'EIO' }))).toThrow('disk on fire')
  })

  it('the built CLI exits quietly when its reader has gone (`strata … | head`)', async () => {
    const child = spawn(process.execPath, [bin, 'lineage', 'drift_report', '--upstream', '--format', 'mermaid'], { env: { ...process.env, STRATA_START: '2026-01-01' }, stdio: ['ignore', 'pipe', 'pipe'] })
    // The reader goes away before the first write, as `head` does after its lines.
    child.stdout.destroy()
    let err = ''
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(err).toBe('')
    expect(code).toBe(0)
  })
})
