// Recreates dist/.gitkeep after a build: the file is committed so that the Go
// build (which embeds dist/) works before the first frontend build.
import { mkdirSync, writeFileSync } from 'node:fs'

const dist = new URL('../dist/', import.meta.url)
mkdirSync(dist, { recursive: true })
writeFileSync(new URL('.gitkeep', dist), '')
