import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { expect, it } from 'vitest'
import * as api from '../../framework/index.js'

const entry = fileURLToPath(new URL('../../framework/index.ts', import.meta.url))

/** Each export of framework/index.ts with the TSDoc of its declaration. */
function exportedDocs(): { name: string; doc: string; example: boolean }[] {
  const program = ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, noEmit: true })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(entry)
  if (!source) throw new Error('framework/index.ts not found')
  const module = checker.getSymbolAtLocation(source)
  if (!module) throw new Error('framework/index.ts has no exports')
  return checker.getExportsOfModule(module).map((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    const doc = ts.displayPartsToString(target.getDocumentationComment(checker))
    const example = target.getJsDocTags(checker).some((tag) => tag.name === 'example')
    return { name: symbol.getName(), doc, example }
  })
}

it('every export of the public API has TSDoc with an example', () => {
  const exports = exportedDocs()
  expect(exports.length).toBeGreaterThan(40)
  const missing = exports.filter((entry) => entry.doc.trim() === '' || !entry.example).map((entry) => entry.name)
  expect(missing).toEqual([])
})

it('the runtime exports are the documented ones, and work', () => {
  const partitions = api.daily({ start: '2026-11-01', end: '2026-11-03' })
  const orders = api.defineAsset({ key: 'orders', description: 'orders', partitions, codeVersion: '1', materialize: async () => ({}) })
  const totals = api.defineAsset({ key: 'totals', description: 'totals', partitions, deps: { orders: api.sameDay() }, codeVersion: '1', materialize: async () => ({}) })
  const definitions = api.defineDefinitions({ assets: [orders, totals] })
  expect(definitions.graph.keys).toEqual(['orders', 'totals'])
  expect(api.sqlString("it's")).toBe("'it''s'")
  expect(() => api.defineAsset({ key: 'Bad Key', description: 'x', partitions, codeVersion: '1', materialize: async () => ({}) })).toThrow(api.StrataError)
})
