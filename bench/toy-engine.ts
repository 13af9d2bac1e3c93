import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { defineAsset, defineDefinitions, type AssetDefinition, type Definitions } from '../framework/definitions/index.js'
import { daily, sameDay } from '../framework/partitions/index.js'

/** The first partition of the engine benchmark's toy assets. */
export const TOY_START = '2020-01-01'

/**
 * The engine benchmark's definitions: `assets` daily assets in a chain (a0 → a1 → … by sameDay)
 * whose compute writes one 30-byte JSON file. Every step still goes through the whole engine:
 * plan, input resolution (manifest read, file check), staging, commit (fsync, two renames),
 * failure-record clean-up and the run record; only the compute is trivial.
 */
export function toyEngineDefinitions(assets: number): Definitions {
  const list: AssetDefinition[] = []
  for (let i = 0; i < assets; i++) {
    list.push(
      defineAsset({
        key: `a${i}`,
        description: `no-op asset ${i}`,
        partitions: daily({ start: TOY_START }),
        ...(i > 0 ? { deps: { up: { asset: `a${i - 1}`, mapping: sameDay() } } } : {}),
        codeVersion: 'v1',
        async materialize({ partition, outputDir }) {
          await writeFile(join(outputDir, 'value.json'), JSON.stringify({ partition, i }))
          return { rowCount: 1 }
        },
      }),
    )
  }
  return defineDefinitions({
    assets: list,
    async openResources() {
      return { resources: {}, async close() {} }
    },
  })
}
