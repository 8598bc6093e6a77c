// Vitest global setup of the browser tests: builds the dashboard and the Go
// binary that embeds it, and runs it on a fresh database (tests/stratum.ts).
// Fails at once, before any build, when Chromium is missing. Specs that
// stop and start a server of their own run the same binary (stratumBin).
import type { TestProject } from 'vitest/node'

import { startStratum } from '../tests/stratum.ts'
import { chromiumPath, clearScreenshots } from './browser.ts'

export default async function setup(project: TestProject) {
  chromiumPath()
  clearScreenshots()
  const server = await startStratum({ label: 'e2e', buildFrontend: true, seedDemo: true, rateLimitPoints: 20_000 })
  project.provide('baseUrl', server.baseUrl)
  project.provide('stratumBin', server.bin)
  project.provide('databaseUrl', server.databaseUrl)
  return server.stop
}
