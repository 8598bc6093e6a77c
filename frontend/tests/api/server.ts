// Vitest global setup of the API tests: a real `stratum serve` on a fresh
// database (see ../stratum.ts); the tests read its URL with inject('baseUrl').
import type { TestProject } from 'vitest/node'

import { startStratum } from '../stratum.ts'

export default async function setup(project: TestProject) {
  const server = await startStratum({ label: 'api-tests' })
  project.provide('baseUrl', server.baseUrl)
  return server.stop
}
