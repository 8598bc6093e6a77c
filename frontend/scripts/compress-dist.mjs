// Writes brotli (.br) and gzip (.gz) siblings of the built text assets; the
// Go server sends them to clients that accept the encoding
// (internal/httpserver: servePrecompressed). Runs after `vite build`.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const assets = fileURLToPath(new URL('../dist/assets/', import.meta.url))
const TEXT = /\.(js|mjs|css|svg|json|ttf|wasm)$/
const MIN_BYTES = 1024

let raw = 0
let br = 0
for (const name of readdirSync(assets)) {
  const file = join(assets, name)
  if (!TEXT.test(name) || statSync(file).size < MIN_BYTES) continue
  const data = readFileSync(file)
  // Quality 9 is within a few percent of 11 at a fraction of the build time.
  const b = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } })
  writeFileSync(`${file}.br`, b)
  writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }))
  raw += data.length
  br += b.length
}
console.log(`compressed assets: ${(raw / 1024).toFixed(0)} KiB → ${(br / 1024).toFixed(0)} KiB brotli`)
