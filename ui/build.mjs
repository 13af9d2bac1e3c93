// Bundles the `strata ui` client (ui/src) into dist/ui-client with esbuild; `npm run build`
// (and so `npm install`, through `prepare`) runs it after tsc. Everything the pages load is in
// that folder: the libraries (dagre, Observable Plot) are bundled, nothing comes from a CDN.
import { build } from 'esbuild'
import { copyFile, mkdir, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = `${root}dist/ui-client`

export async function buildClient() {
  await rm(out, { recursive: true, force: true })
  await mkdir(out, { recursive: true })
  await build({
    absWorkingDir: root,
    entryPoints: ['ui/src/app.ts'],
    outdir: out,
    bundle: true,
    // Charts (Observable Plot) are a separate chunk, loaded only by the pages that draw them.
    splitting: true,
    format: 'esm',
    minify: true,
    target: 'es2022',
    chunkNames: '[name]-[hash]',
    legalComments: 'eof',
    logLevel: 'warning',
  })
  await copyFile(`${root}ui/src/app.css`, `${out}/app.css`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildClient()
