// The header tells the truth about the live connection: a server of this
// spec's own is stopped under an open dashboard and started again. The
// dashboard must say so within a bound, mark the data possibly stale, and
// reload what is on screen once it is live again.
import { randomBytes } from 'node:crypto'

import type { Browser, Page, Response } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'

import { startStratum, type Stratum } from '../tests/stratum'
import { DESKTOP, launchChromium, screenshot, screenshotFailure } from './browser'

const bin = inject('stratumBin')

let server: Stratum | undefined
let browser: Browser | undefined
let page: Page

const status = () => page.getByTestId('connection-status')
const headline = (text: RegExp) => status().getByRole('status').filter({ hasText: text })
const staleNotice = () => page.getByTestId('stale-data')

/** The next successful answer to the named query (a POST to /graphql). */
function nextAnswer(name: string, timeout: number): Promise<Response> {
  return page.waitForResponse(
    (r) =>
      r.ok() &&
      r.url().endsWith('/graphql') &&
      r.request().method() === 'POST' &&
      (r.request().postDataJSON() as { operationName?: string } | null)?.operationName === name,
    { timeout },
  )
}

beforeAll(async () => {
  if (!bin) return
  server = await startStratum({ label: 'e2e-connection', bin })
  browser = await launchChromium()
  const context = await browser.newContext({ baseURL: server.baseUrl, viewport: DESKTOP })
  context.setDefaultTimeout(15_000)
  page = await context.newPage()
}, 90_000)

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && page) await screenshotFailure(page, task.name, 'connection')
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

// A server named by STRATUM_TEST_URL cannot be stopped by the tests.
describe.skipIf(!bin).sequential('live connection', () => {
  it('says Live once the websocket is up, with no clock in the header', async () => {
    await page.goto('/signup')
    await page.getByLabel('Organisation name').fill('Offline Test')
    await page.getByLabel('Work email').fill(`conn-${randomBytes(4).toString('hex')}@example.com`)
    await page.getByLabel('Password').fill('correct horse battery staple')
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
    await headline(/^Live$/).waitFor()
    expect(await page.getByRole('banner').locator('time').count()).toBe(0)
    expect(await staleNotice().count()).toBe(0)
  })

  it('says Offline within 5 s of the server stopping, and marks the data as possibly stale', async () => {
    await server!.halt!()
    await headline(/^Offline since \d/).waitFor({ timeout: 5_000 })
    expect(await status().getAttribute('data-state')).toBe('offline')
    await staleNotice()
      .getByText(/^Possibly out of date/)
      .waitFor()
    await screenshot(page, 'connection-offline')
  })

  it('is Live again after the server returns, reloads what is on screen and drops the stale mark', async () => {
    // Registered before the server returns: the reload follows the reconnect.
    const reloaded = nextAnswer('Overview', 90_000)
    await server!.resume!()
    // Tries back off up to 30 s apart (plus jitter) while the server is away.
    await headline(/^Live$/).waitFor({ timeout: 45_000 })
    await reloaded
    await staleNotice().waitFor({ state: 'detached' })
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
  }, 120_000)
})
