// The dashboard's main journey, in order, in a real browser against a real
// server: each step starts where the previous one left the page.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'

import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'

import {
  assertReachable,
  DESKTOP,
  launchChromium,
  PHONE,
  screenshot,
  screenshotFailure,
  SCREENSHOTS,
  wideElements,
} from './browser'
import { totp } from './totp'

const baseUrl = inject('baseUrl')
const email = `e2e-${randomBytes(4).toString('hex')}@example.com`
const colleague = `colleague-${randomBytes(4).toString('hex')}@example.com`
const colleaguePassword = 'another long passphrase'
const password = 'correct horse battery staple'
const tenant = 'Acme Growth'
// Each check of the address first waits for it (page.waitForURL): a client-side
// navigation reaches Playwright's page.url() a moment after the screen it leads
// to has rendered, so reading the address as soon as the screen shows could see
// the one before.

let browser: Browser
let context: BrowserContext
let page: Page
/** The TOTP secret shown at enrolment; an authenticator app would keep it. */
let mfaSecret = ''
/** The backup codes shown at enrolment. */
let backupCodes: string[] = []
/** The seeded demo tenant's owner (e2e/server.ts seeds it), whose tenant runs the simulated platform. */
const DEMO_EMAIL = 'demo@stratum.local'
const DEMO_PASSWORD = 'stratum-demo-2026'
let demo: BrowserContext
/** The demo tenant's page. */
let dp: Page
/** The invited colleague's own browser (no MFA), kept open from the invitation step on. */
let invitee: BrowserContext
let theirs: Page

/** Waits for the screen's main heading (h1), i.e. the route rendered. */
async function heading(text: string | RegExp) {
  await page.getByRole('heading', { level: 1, name: text }).waitFor()
}

/** Follows a link of the main navigation (a client-side route change, no reload). */
async function nav(p: Page, name: string) {
  await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click()
}

beforeAll(async () => {
  browser = await launchChromium()
  context = await browser.newContext({ baseURL: baseUrl, viewport: DESKTOP })
  context.setDefaultTimeout(15_000)
  page = await context.newPage()
  watch(page, 'owner')
})

afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail') return
  await screenshotFailure(page, task.name)
  if (dp && !dp.isClosed()) await screenshotFailure(dp, task.name, 'demo')
  if (theirs && !theirs.isClosed()) await screenshotFailure(theirs, task.name, 'colleague')
})

afterAll(async () => {
  await browser?.close()
})

describe.sequential('identity journey', () => {
  it('sends a signed-out visitor to log-in, and signs up a new tenant', async () => {
    await page.goto('/')
    await page.waitForURL('**/login')
    await heading('Sign in')
    await screenshot(page, 'login')

    await page.getByRole('link', { name: 'Create an account' }).click()
    await heading('Create your account')
    await page.getByRole('button', { name: 'Create account' }).click()
    await expect(page.getByText('Use at least 10 characters').isVisible()).resolves.toBe(true)
    await screenshot(page, 'signup')

    await page.getByLabel('Organisation name').fill(tenant)
    await page.getByLabel('Work email').fill(email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    await page.waitForURL((u) => u.pathname === '/')
    expect(new URL(page.url()).pathname).toBe('/')
    // Nothing is connected to a new workspace: it is led to its next step.
    await page.getByRole('region', { name: 'Next step: nothing is connected yet' }).waitFor()
    await screenshot(page, 'overview')
  })

  it('switches to dark mode and back, and folds the navigation into a menu on a phone', async () => {
    await page.getByRole('button', { name: /^Theme: system/ }).click()
    await page.getByRole('button', { name: /^Theme: light/ }).click()
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark')
    await screenshot(page, 'overview-dark')
    await page.getByRole('button', { name: /^Theme: dark/ }).click()
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBeUndefined()

    await page.setViewportSize(PHONE)
    const menu = page.getByRole('button', { name: 'Menu', exact: true })
    const settings = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' })
    expect(await settings.isVisible()).toBe(false)
    await menu.click()
    expect(await menu.getAttribute('aria-expanded')).toBe('true')
    await settings.waitFor()
    await page.screenshot({ path: `${SCREENSHOTS}menu-phone.png` })
    await menu.click()
    await page.setViewportSize(DESKTOP)
  })

  it('enrols MFA with a code from the secret on the page and shows the backup codes once', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
    await heading('Settings')
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click()
    const secret = page.getByLabel('TOTP secret')
    await secret.waitFor()
    mfaSecret = (await secret.textContent())!.trim()
    expect(mfaSecret).toMatch(/^[A-Z2-7]{16,}$/)
    await expect(page.getByAltText(/QR code/).isVisible()).resolves.toBe(true)
    await screenshot(page, 'mfa-enrol')

    await page.getByLabel('Authentication code').fill(totp(mfaSecret))
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click()
    const codes = page.getByRole('list', { name: 'Backup codes' }).getByRole('listitem')
    await codes.first().waitFor()
    backupCodes = (await codes.allTextContents()).map((c) => c.trim())
    expect(backupCodes).toHaveLength(10)
    await screenshot(page, 'backup-codes')

    await page.getByRole('button', { name: 'I have stored them' }).click()
    await page.getByRole('button', { name: 'Turn off' }).waitFor()
    expect(await page.getByRole('list', { name: 'Backup codes' }).count()).toBe(0)
    await screenshot(page, 'security')
  })

  it('logs out', async () => {
    await page.getByRole('button', { name: `Account menu for ${email}` }).click()
    await page.getByRole('button', { name: 'Log out' }).click()
    await heading('Sign in')
    const names = (await context.cookies()).map((c) => c.name)
    expect(names).not.toContain('stratum_session')
  })

  it('logs in again through the MFA challenge and lands on the overview', async () => {
    await signIn(async () => {
      await screenshot(page, 'mfa-challenge')
      // The code of the next 30-second step: the server accepts ±1 step and
      // refuses a step it has already seen (enrolment used the current one).
      await page.getByLabel('Authentication code').fill(totp(mfaSecret, Date.now() + 30_000))
      await page.getByRole('button', { name: 'Verify' }).click()
    })
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    await page.waitForURL((u) => u.pathname === '/')
    expect(new URL(page.url()).pathname).toBe('/')
  })

  it('renews an expired access cookie silently, and asks to sign in when the session is gone', async () => {
    await context.clearCookies({ name: 'stratum_session' })
    await page.goto('/settings/members')
    await page.getByRole('table', { name: 'Members' }).waitFor()
    expect((await context.cookies()).map((c) => c.name)).toContain('stratum_session')

    const csrf = (await context.cookies()).find((c) => c.name === 'stratum_csrf')!
    await context.clearCookies({ name: 'stratum_session' })
    await context.clearCookies({ name: 'stratum_refresh' })
    await page.goto('/settings/members')
    await heading('Sign in')
    await page.getByText('Your session expired, sign in again.').waitFor()

    await context.clearCookies({ name: csrf.name })
    // The last authenticator step is used up; a backup code works once.
    await signIn(() => useBackupCode(backupCodes[0]!))
    await heading('Settings')
    await page.waitForURL((u) => u.pathname === '/settings/members')
    expect(new URL(page.url()).pathname).toBe('/settings/members')
  })

  it('shows log-in, without a reload, when the session is ended in another tab', async () => {
    await page.goto('/')
    await page.getByText('Live', { exact: true }).waitFor()
    const other = await context.newPage()
    await other.goto('/')
    await other.getByRole('button', { name: `Account menu for ${email}` }).click()
    await other.getByRole('button', { name: 'Log out' }).click()
    await other.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
    await other.close()

    // The server closes this tab's websocket (4403); renewal fails: log-in.
    await page.getByText('Your session expired, sign in again.').waitFor()
    await signIn(() => useBackupCode(backupCodes[1]!))
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
  })

  // ── Trust engine ────────────────────────────────────────────────────────
  // A new tenant has no simulated platform, so these steps sign in to the
  // seeded demo tenant in a second browser context (the new user's session
  // above stays as it was for the steps after them).

  it('signs in to the simulated demo tenant and shows the trust gate', async () => {
    demo = await browser.newContext({ baseURL: baseUrl, viewport: DESKTOP })
    demo.setDefaultTimeout(15_000)
    dp = await demo.newPage()
    watch(dp, 'demo')
    await dp.goto('/login')
    await dp.getByLabel('Email').fill(DEMO_EMAIL)
    await dp.getByLabel('Password').fill(DEMO_PASSWORD)
    await dp.getByRole('button', { name: 'Sign in' }).click()
    await dp.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
    const meter = dp.getByRole('meter', { name: 'Overall signal health' })
    await meter.waitFor()
    expect(Number(await meter.getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(70)
    await dp.getByRole('heading', { name: /Signal simulator/ }).waitFor()
    const history = dp.getByRole('region', { name: 'Signal health, last 24 hours' })
    await history.scrollIntoViewIfNeeded()
    await history.getByText(/Latest score/).waitFor()
    // The demo seed's 30 days of simulated history, labelled as such.
    await history.getByRole('button', { name: 'last 30 days' }).click()
    const month = dp.getByRole('region', { name: 'Signal health, last 30 days' })
    await month.getByText('Simulated history').waitFor()
    await month.getByRole('button', { name: 'last 24 hours' }).click()
    await history.getByText(/Latest score/).waitFor()
    // Marks this page: a reload would drop the mark.
    await dp.evaluate(() => Object.assign(window, { e2eNoReload: true }))
    await screenshot(dp, 'trust-overview')
  })

  it('creates an automation rule and dry-runs it', async () => {
    await nav(dp, 'Automation')
    await dp.getByRole('heading', { level: 1, name: 'Automation' }).waitFor()
    await dp.getByRole('table', { name: 'Automation rules' }).waitFor()
    await dp.getByRole('button', { name: 'New rule' }).click()
    await dp.getByLabel('Name', { exact: true }).fill('Scale winners (e2e)')
    const condition = dp.getByRole('group', { name: 'Condition 1' })
    await condition.getByLabel('Metric').selectOption('ROAS')
    await condition.getByLabel('Window (days)').fill('99')
    await condition.getByLabel('Operator').selectOption('GT')
    await condition.getByLabel('Value').fill('1')
    const action = dp.getByRole('group', { name: 'Action 1' })
    await action.getByLabel('Action').selectOption('INCREASE_BUDGET')
    await action.getByLabel('By (%)').fill('10')

    // The window is checked before anything is sent, on its own field.
    await dp.getByRole('button', { name: 'Dry run' }).click()
    await expect(condition.getByLabel('Window (days)').getAttribute('aria-invalid')).resolves.toBe('true')
    await condition.getByText('Window must be a whole number of days, 1–30').waitFor()
    await condition.getByLabel('Window (days)').fill('7')

    await dp.getByRole('button', { name: 'Dry run' }).click()
    await dp.getByRole('heading', { name: 'Dry run result' }).waitFor()
    const proposals = dp
      .getByRole('list', { name: 'Proposed actions' })
      .getByRole('listitem')
      .filter({ hasText: 'Increase budget' })
    await proposals.first().waitFor()
    expect(await proposals.count()).toBeGreaterThan(0)
    await expect(proposals.first().textContent()).resolves.toMatch(/Hold|Pass|Block/)
    await screenshot(dp, 'automation-dry-run')

    await dp.getByRole('button', { name: 'Create rule' }).click()
    await dp.getByRole('row', { name: /Scale winners \(e2e\)/ }).waitFor()
    await screenshot(dp, 'automation')
  })

  it('splits automation into tabs under a summary, keeps the open tab in the URL, and lists rules as cards on a phone', async () => {
    const summary = dp.getByRole('region', { name: 'Current state' })
    await summary.getByText(/^\d+ of \d+ enabled$/).waitFor()
    await summary.getByText('Autopilot mode').waitFor()
    const tabs = dp.getByRole('tablist', { name: 'Automation' })
    expect(await tabs.getByRole('tab').allTextContents()).toEqual(['Rules', 'Autopilot & kill switch', 'Guardrails'])

    await tabs.getByRole('tab', { name: 'Guardrails' }).click()
    await dp
      .getByRole('tabpanel', { name: 'Guardrails' })
      .getByRole('region', { name: 'Enforcement settings' })
      .waitFor()
    await dp.waitForURL((u) => u.search === '?tab=guardrails')
    expect(new URL(dp.url()).search).toBe('?tab=guardrails')
    await screenshot(dp, 'automation-guardrails')
    // The arrow keys move to the next tab, and the URL follows.
    await tabs.getByRole('tab', { name: 'Guardrails' }).focus()
    await dp.keyboard.press('ArrowLeft')
    const autopilot = dp.getByRole('tabpanel', { name: 'Autopilot & kill switch' })
    await autopilot.getByRole('region', { name: 'Kill switch' }).waitFor()
    await dp.waitForURL((u) => u.search === '?tab=autopilot')
    expect(new URL(dp.url()).search).toBe('?tab=autopilot')
    await screenshot(dp, 'automation-autopilot')

    // A link (or a reload) opens the tab it names.
    const linked = await demo.newPage()
    await linked.goto('/automation?tab=guardrails')
    await linked.getByRole('tab', { name: 'Guardrails', selected: true }).waitFor()
    await linked.getByRole('region', { name: 'Enforcement settings' }).waitFor()
    await linked.close()

    // On a phone: the header is one row, the rules are cards, nothing is
    // wider than the screen, and each card's switch and buttons are in reach.
    await tabs.getByRole('tab', { name: 'Rules' }).click()
    await dp.waitForURL((u) => u.search === '')
    expect(new URL(dp.url()).search).toBe('')
    await onPhone(dp, async () => {
      const card = dp
        .getByRole('list', { name: 'Automation rules' })
        .getByRole('listitem')
        .filter({ hasText: 'Scale winners (e2e)' })
      await card.waitFor()
      expect(await dp.getByRole('table', { name: 'Automation rules' }).count()).toBe(0)
      expect(await wideElements(dp)).toEqual([])
      await oneRowHeader(dp)
      await assertReachable(dp, card.getByRole('checkbox', { name: 'Enable Scale winners (e2e)' }), 'rule switch')
      await assertReachable(dp, card.getByRole('button', { name: 'Delete Scale winners (e2e)' }), 'Delete rule')
      const edit = card.getByRole('button', { name: 'Edit Scale winners (e2e)' })
      await assertReachable(dp, edit, 'Edit rule')
      await edit.click()
      await dp.getByRole('heading', { name: 'Edit rule “Scale winners (e2e)”' }).waitFor()
      expect(await wideElements(dp)).toEqual([])
      await dp.getByRole('button', { name: 'Cancel' }).click()
    })
  })

  it('degrades a simulated signal: an incident opens and appears without reload', async () => {
    await nav(dp, 'Overview')
    await dp.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
    // Cards below the fold load as they scroll into view.
    const card = dp.getByRole('region', { name: 'Open incidents' })
    await card.scrollIntoViewIfNeeded()
    await card.getByText('No open incidents').waitFor()
    await dp.getByLabel('Signal to degrade').selectOption('EMQ')
    await dp.getByLabel('Severity').selectOption('MAJOR')
    await dp.getByRole('button', { name: 'Degrade signal (simulated)' }).click()

    const opened = /New \w+ incident \(Simulator\): Simulator EMQ fell/
    await dp.getByText(opened).waitFor({ timeout: 30_000 })
    await card.getByRole('link', { name: /Simulator EMQ fell/ }).waitFor({ timeout: 15_000 })
    await dp
      .getByRole('list', { name: 'Simulated problems' })
      .getByText(/Event match quality: major/)
      .waitFor()
    await screenshot(dp, 'trust-degraded')

    await nav(dp, 'Incidents')
    await dp.getByRole('heading', { level: 1, name: 'Incidents' }).waitFor()
    const timeline = dp.getByRole('list', { name: 'Timeline' })
    await timeline.getByText(/^Opened by/).waitFor()
    await dp.getByRole('button', { name: 'Acknowledge' }).click()
    await timeline.getByText(/^Acknowledged by/).waitFor()
    await screenshot(dp, 'incidents')
    expect(await dp.evaluate(() => 'e2eNoReload' in window)).toBe(true)
  })

  it('approves a pending action and sees its status change live', async () => {
    await nav(dp, 'Actions')
    await dp.getByRole('heading', { level: 1, name: 'Action queue' }).waitFor()
    const pending = dp.getByRole('list', { name: 'Actions waiting for review' })
    // A conservative action: the gate lets it through at the degraded score.
    const first = pending.getByRole('article', { name: /^Reduce budget/ }).first()
    await first.waitFor()
    // The same action wherever it is listed: waiting, then in the history.
    const id = await first.getAttribute('data-action-id')
    const row = pending.locator(`[data-action-id="${id}"]`)
    await screenshot(dp, 'actions')
    // On a phone nothing in the queue is wider than the screen, and the
    // review buttons are within reach: the approval is made there.
    await onPhone(dp, async () => {
      expect(await wideElements(dp)).toEqual([])
      await oneRowHeader(dp)
      await assertReachable(dp, row.getByRole('button', { name: /^Dismiss/ }), 'Dismiss')
      await assertReachable(dp, row.getByRole('button', { name: /^Override and apply/ }), 'Override and apply')
      await assertReachable(dp, row.getByRole('button', { name: /^Approve/ }), 'Approve')
      await row.getByRole('button', { name: /^Approve/ }).click()
      // The approval is confirmed; the action waits to run or has run.
      await dp.getByText(/^Approved: Reduce budget/).waitFor()
    })
    // A worker executes it (a River job, slower when the machine is busy);
    // the subscription brings the new status: the action leaves the waiting
    // list for the history, with the decision that let it run.
    const done = dp.getByRole('list', { name: 'Action history' }).locator(`[data-action-id="${id}"]`)
    // The status badge reads "Status: …" to assistive technology.
    await done.getByText(/Status: Applied$/).waitFor({ timeout: 60_000 })
    await done.getByText(/^by demo@stratum\.local at score \d+/).waitFor()
    expect(await row.count()).toBe(0)
    expect(await done.getByRole('button').count()).toBe(0)
    expect(await dp.evaluate(() => 'e2eNoReload' in window)).toBe(true)
    await screenshot(dp, 'actions-approved')
  }, 90_000)

  it('creates a CDP source on the Sources screen: its write key is shown once and the tracking API accepts it', async () => {
    await nav(dp, 'Sources')
    await dp.getByRole('heading', { level: 1, name: 'Sources' }).waitFor()
    const form = dp.getByRole('form', { name: 'New source' })
    await form.getByLabel('Name').fill('Website')
    await form.getByRole('button', { name: 'Create source' }).click()
    const panel = dp.getByRole('region', { name: 'Write key of “Website”' })
    const shown = panel.getByLabel('Write key')
    await shown.waitFor()
    const key = (await shown.textContent())!.trim()
    expect(key).toMatch(/^stw_/)
    // The new row, not the demo's seeded "Website (simulated)" source.
    await dp
      .getByRole('table', { name: 'Sources' })
      .getByRole('row')
      .filter({ has: dp.getByRole('cell', { name: 'Website', exact: true }) })
      .waitFor()
    await screenshot(dp, 'sources-key')

    // What the screen's curl snippet sends: the key as the Basic username, no password.
    const res = await fetch(`${baseUrl}/v1/track`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
      },
      body: JSON.stringify({ userId: 'u1', event: 'Signed Up' }),
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ success: true })

    await panel.getByRole('button', { name: 'Dismiss' }).click()
    await panel.waitFor({ state: 'detached' })
    expect(await dp.getByText(key).count()).toBe(0)
    await screenshot(dp, 'sources')
    expect(await dp.evaluate(() => 'e2eNoReload' in window)).toBe(true)
  })

  it('opens the Profiles screen: the profiles the events built, or the way to send some', async () => {
    await nav(dp, 'Profiles')
    await dp.getByRole('heading', { level: 1, name: 'Profiles' }).waitFor()
    const table = dp.getByRole('table', { name: 'Profiles' })
    const empty = dp.getByText('No profiles yet')
    // The Sources step's event becomes a profile once it is processed; run alone, the demo has none.
    await table.or(empty).first().waitFor()
    if (await table.isVisible()) {
      await screenshot(dp, 'profiles')
      await table.getByRole('row').nth(1).getByRole('link').click()
      await dp.getByRole('heading', { name: 'Identities' }).waitFor()
      await dp.getByRole('heading', { name: 'Events' }).waitFor()
      await screenshot(dp, 'profile-detail')
    } else {
      await dp.getByRole('link', { name: 'send events to a source' }).waitFor()
      await screenshot(dp, 'profiles')
    }
    expect(await dp.evaluate(() => 'e2eNoReload' in window)).toBe(true)
  })

  it('builds a segment with an event condition, sees its size as it goes, and saves it', async () => {
    await nav(dp, 'Segments')
    await dp.getByRole('heading', { level: 1, name: 'Segments' }).waitFor()
    await dp.getByRole('button', { name: 'New segment' }).click()
    await dp.getByRole('heading', { level: 1, name: 'New segment' }).waitFor()
    // Performed Signed Up (the Sources step's event) at least once in the last 30 days.
    const condition = dp.getByRole('group', { name: 'Rules › condition 1' })
    await condition.getByLabel('Event name').fill('Signed Up')
    const preview = dp.getByRole('region', { name: 'Size preview' })
    await preview.getByText(/^[\d,]+ profiles?$/).waitFor()
    await screenshot(dp, 'segment-builder')
    await dp.getByLabel('Name', { exact: true }).fill('Signed up lately')
    await dp.getByRole('button', { name: 'Save segment' }).click()
    await dp.getByRole('heading', { level: 1, name: 'Signed up lately' }).waitFor()
    await dp.getByRole('heading', { name: 'Members' }).waitFor()
    await screenshot(dp, 'segment')
    expect(await dp.evaluate(() => 'e2eNoReload' in window)).toBe(true)
  })

  it('creates a computed trait on the Traits screen and sees it listed with its backfill', async () => {
    await nav(dp, 'Traits')
    await dp.getByRole('heading', { level: 1, name: 'Computed traits' }).waitFor()
    await dp.getByRole('button', { name: 'New trait' }).click()
    const dialog = dp.getByRole('dialog', { name: 'New computed trait' })
    // A count of the simulated stream's "Product Viewed" events, over all time.
    await dialog.getByLabel('Name', { exact: true }).fill('Products viewed')
    await dialog.getByLabel('Event name').fill('Product Viewed')
    await dialog.getByRole('button', { name: 'Create trait' }).click()
    await dialog.waitFor({ state: 'detached' })
    const row = dp
      .getByRole('table', { name: 'Computed traits' })
      .getByRole('row')
      .filter({ has: dp.getByRole('cell', { name: 'Products viewed', exact: true }) })
    await row.getByText('Count of events over “Product Viewed” events').waitFor()
    await row.getByText('All time', { exact: true }).waitFor()
    // Its backfill, shown while it runs, then done (the list is polled meanwhile).
    await row.getByText(/^(Waiting to start|Computing|Up to date)$/).waitFor()
    await row.getByText('Up to date', { exact: true }).waitFor({ timeout: 60_000 })
    await screenshot(dp, 'traits')
    expect(await dp.evaluate(() => 'e2eNoReload' in window)).toBe(true)
  }, 90_000)

  it('creates a two-step funnel of simulated events and opens its report', async () => {
    await nav(dp, 'Funnels')
    await dp.getByRole('heading', { level: 1, name: 'Funnels' }).waitFor()
    await dp.getByRole('button', { name: 'New funnel' }).click()
    const form = dp.getByRole('form', { name: 'New funnel' })
    await form.getByLabel('Name', { exact: true }).fill('View to cart')
    await form.getByLabel('Step 1 event').fill('Product Viewed')
    await form.getByLabel('Step 2 event').fill('Product Added')
    await form.getByRole('button', { name: 'Create funnel' }).click()
    await form.waitFor({ state: 'detached' })
    const item = dp.getByRole('list', { name: 'Funnels' }).getByRole('listitem').filter({ hasText: 'View to cart' })
    await item.getByText('Product Viewed → Product Added · window 1 d').waitFor()
    const open = item.getByRole('button', { name: 'Report of View to cart' })
    await open.click()
    expect(await open.getAttribute('aria-pressed')).toBe('true')
    const report = dp.getByRole('region', { name: 'Report: View to cart' })
    const chart = report.getByRole('list', { name: 'Steps of View to cart' })
    await chart.waitFor({ timeout: 30_000 })
    expect(await chart.getByRole('listitem').count()).toBe(2)
    await chart.getByText('1. Product Viewed', { exact: true }).waitFor()
    await chart.getByText('2. Product Added', { exact: true }).waitFor()
    expect(await chart.getByText(/^[\d,]+ profiles? · (\d[\d.,]*%|—) of entrants$/).count()).toBe(2)
    await chart.getByText(/converted · [\d,]+ profiles? dropped off · median/).waitFor()
    await report.getByText(/^[\d,]+ profiles? entered between .+ completed/).waitFor()
    await screenshot(dp, 'funnel')
    expect(await dp.evaluate(() => 'e2eNoReload' in window)).toBe(true)
  }, 60_000)

  it('opens the RFM grid, asks for a refresh and lists a cell’s profiles', async () => {
    await nav(dp, 'RFM')
    await dp.getByRole('heading', { level: 1, name: 'RFM' }).waitFor()
    const grid = dp.getByRole('region', { name: 'Cells' })
    const cells = grid.getByRole('list', { name: 'RFM cells' })
    await cells.waitFor()
    // The ten named cells, each with its count and revenue (zero before the first computation).
    expect(await cells.getByRole('listitem').count()).toBe(10)
    await grid.getByText(/^(Computed .* scored\.|Not computed yet)/).waitFor()
    await grid.getByRole('button', { name: 'Refresh now' }).click()
    await dp.getByText('A computation is queued: the grid updates when it has run (reload to see it).').waitFor()
    // A cell with profiles when the scores are computed (its textContent: "Loyal8 profilesRevenue …"), else the first.
    const withProfiles = cells.getByRole('button').filter({ hasNotText: /[^\d,.]0 profiles/ })
    const cell = (await withProfiles.count()) > 0 ? withProfiles.first() : cells.getByRole('button').first()
    const name = (await cell.locator('span').first().textContent())!
    await cell.click()
    expect(await cell.getAttribute('aria-pressed')).toBe('true')
    const members = dp.getByRole('region', { name: `Profiles in ${name}` })
    const table = members.getByRole('table', { name: `Profiles in ${name}` })
    await table
      .or(members.getByText(`No profiles in ${name}`))
      .first()
      .waitFor()
    if (await table.isVisible()) {
      await table.getByRole('row').nth(1).getByRole('link').click()
      // Its page shows the same cell, and its scores.
      const rfm = dp.getByRole('region', { name: 'RFM' })
      await rfm.getByText(name, { exact: true }).waitFor()
      await rfm
        .getByText(/^[1-5] of 5$/)
        .first()
        .waitFor()
      await nav(dp, 'RFM')
      await dp.getByRole('heading', { level: 1, name: 'RFM' }).waitFor()
    }
    await screenshot(dp, 'rfm')
    expect(await dp.evaluate(() => 'e2eNoReload' in window)).toBe(true)
  })

  it('opens a profile: its Consent and Privacy sections, and grants advertising consent', async () => {
    await nav(dp, 'Profiles')
    await dp.getByRole('heading', { level: 1, name: 'Profiles' }).waitFor()
    // The demo's simulated stream has built profiles by now.
    await dp.getByRole('table', { name: 'Profiles' }).getByRole('row').nth(1).getByRole('link').click()
    await dp.getByRole('heading', { name: 'Identities' }).waitFor()
    const consent = dp.getByRole('region', { name: 'Consent' })
    const ads = consent
      .getByRole('table', { name: 'Consent' })
      .getByRole('row')
      .filter({ has: dp.getByRole('cell', { name: 'Advertising', exact: true }) })
    await ads.waitFor()
    await dp.getByRole('region', { name: 'Privacy' }).waitFor()
    // The computed trait of the Traits step shows on the page as the server holds it now.
    const id = decodeURIComponent(new URL(dp.url()).pathname.split('/').pop()!)
    const held = (await gql(dp, 'query($id: ID!) { profile(id: $id) { computedTraits { name } } }', { id })) as {
      profile: { computedTraits: { name: string }[] }
    }
    if (held.profile.computedTraits.some((t) => t.name === 'Products viewed')) {
      await dp
        .getByRole('region', { name: 'Computed traits' })
        .getByRole('table', { name: 'Computed traits' })
        .getByRole('cell', { name: 'Products viewed', exact: true })
        .waitFor()
    }
    const grant = ads.getByRole('button', { name: 'Grant Advertising' })
    if (!(await grant.isVisible())) {
      // Its events granted it already: deny it first, so that granting changes something.
      await ads.getByRole('button', { name: 'Deny Advertising' }).click()
      await ads.getByText('Denied', { exact: true }).waitFor()
    }
    await grant.click()
    await consent.getByText('Advertising: consent granted (recorded as your decision).').waitFor()
    await ads.getByText('Granted', { exact: true }).waitFor()
    await ads.getByText('An operator', { exact: true }).waitFor()
    expect(await grant.count()).toBe(0)
    await screenshot(dp, 'profile-consent')
    expect(await dp.evaluate(() => 'e2eNoReload' in window)).toBe(true)
  })

  it('opens the Privacy screen: the suppression list and the requests', async () => {
    await nav(dp, 'Privacy')
    await dp.getByRole('heading', { level: 1, name: 'Privacy' }).waitFor()
    await dp.getByRole('region', { name: 'Suppression list' }).getByText('Suppressed identifiers').waitFor()
    const requests = dp.getByRole('region', { name: 'Requests' })
    await requests
      .getByRole('table', { name: 'Privacy requests' })
      .or(requests.getByText('No privacy requests yet'))
      .first()
      .waitFor()
    await screenshot(dp, 'privacy')
    expect(await dp.evaluate(() => 'e2eNoReload' in window)).toBe(true)
  })

  it('opens the campaigns screen: the simulated campaigns with their numbers, sorted, and one in detail', async () => {
    await nav(dp, 'Campaigns')
    await dp.getByRole('heading', { level: 1, name: 'Campaigns' }).waitFor()
    const table = dp.getByRole('table', { name: 'Campaigns' })
    const rows = table.getByRole('row')
    await rows.nth(1).waitFor()
    // The heading row and the demo's four simulated campaigns, each labelled so.
    expect(await rows.count()).toBe(5)
    expect(await table.getByText('Simulated', { exact: true }).count()).toBe(4)
    await table.getByRole('button', { name: 'Spend' }).click()
    await table.locator('th[aria-sort="descending"]', { hasText: 'Spend' }).waitFor()
    await rows.nth(1).getByRole('button').first().click()
    await dp.getByRole('heading', { name: 'What touched it' }).waitFor()
    await dp.getByRole('heading', { name: /^Trust-gate decisions/ }).waitFor()
    await dp.locator('.recharts-surface').first().waitFor()
    await screenshot(dp, 'campaigns')
    expect(await dp.evaluate(() => 'e2eNoReload' in window)).toBe(true)
    await demo.close()
  })

  it('creates an API key whose secret is shown once, uses it, and revokes it', async () => {
    await page.goto('/settings/api-keys')
    await page.getByRole('heading', { name: 'API keys' }).waitFor()
    await page.getByText('No API keys yet').waitFor()
    await page.getByRole('button', { name: 'Create API key' }).click()
    const dialog = page.getByRole('dialog', { name: 'Create API key' })
    await dialog.getByLabel('Name').fill('Warehouse sync')
    await dialog.getByLabel(/^Write/).check()
    await dialog.getByRole('button', { name: 'Create key' }).click()

    const shown = page.getByRole('dialog', { name: 'API key created' }).getByLabel('API key')
    await shown.waitFor()
    const secret = (await shown.textContent())!.trim()
    expect(secret).toMatch(/^stratum_/)
    await screenshot(page, 'api-key-secret')
    expect(await viewerByKey(secret)).toEqual({ tenant: { name: tenant }, scopes: ['READ', 'WRITE'] })

    await page.getByRole('button', { name: 'Done' }).click()
    const row = page.getByRole('row', { name: /Warehouse sync/ })
    await row.waitFor()
    expect(await page.getByText(secret).count()).toBe(0)
    expect(await row.getByText('Active').count()).toBe(1)
    await screenshot(page, 'api-keys')

    await row.getByRole('button', { name: 'Revoke API key Warehouse sync' }).click()
    await page.getByRole('dialog', { name: 'Revoke this API key?' }).getByRole('button', { name: 'Revoke key' }).click()
    await row.getByText('Revoked').waitFor()
    expect(await viewerByKey(secret)).toBeNull()
  })

  it('opens GraphiQL with the session’s CSRF header filled in', async () => {
    await page.getByRole('link', { name: /API explorer/ }).click()
    await page.waitForURL('**/graphiql')
    const csrf = (await context.cookies()).find((c) => c.name === 'stratum_csrf')!
    await page.getByText(`"X-CSRF-Token"`).waitFor()
    await page.getByText(csrf.value).waitFor()

    // On a phone the response pane sits under the editors: run the query
    // and read its answer there.
    await onPhone(page, async () => {
      await page.getByRole('button', { name: /^Execute query/ }).click()
      await page.getByRole('menuitem', { name: 'Me', exact: true }).click()
      const response = page.locator('.graphiql-response')
      // (Monaco draws one token per element; a long e-mail address wraps.)
      await response.getByText('"OWNER"').waitFor()
      const box = (await response.boundingBox())!
      expect(box.x).toBeGreaterThanOrEqual(0)
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width)
      expect(box.width).toBeGreaterThan(PHONE.width / 2)
      expect(box.height).toBeGreaterThan(PHONE.height / 4)
      await page.screenshot({ path: `${SCREENSHOTS}graphiql-phone.png` })
    })
    await page.goBack()
  })

  it('invites a member who joins through the link, and shows members and the audit log', async () => {
    await page.goto('/settings/invitations')
    await page.getByRole('textbox', { name: 'Email' }).fill(colleague)
    await page.getByRole('button', { name: 'Send invitation' }).click()
    const link = page.getByLabel('Invitation link')
    await link.waitFor()
    expect(await link.textContent()).toContain('/invite#token=')
    await page
      .getByRole('row', { name: new RegExp(colleague) })
      .getByText('Pending')
      .waitFor()
    await screenshot(page, 'invitations')

    // The invitee opens the link in a browser of their own and joins with a new password.
    invitee = await browser.newContext({ baseURL: baseUrl, viewport: DESKTOP })
    invitee.setDefaultTimeout(15_000)
    theirs = await invitee.newPage()
    watch(theirs, 'colleague')
    await theirs.goto((await link.textContent())!.trim())
    await theirs.getByRole('heading', { level: 1, name: 'Join a Stratum workspace' }).waitFor()
    await screenshot(theirs, 'accept-invite')
    await theirs.getByLabel('Password').fill(colleaguePassword)
    await theirs.getByRole('button', { name: 'Accept invitation' }).click()
    await theirs.getByRole('heading', { name: 'Overview' }).waitFor()
    await theirs.getByRole('banner').getByText(tenant).waitFor()

    await page.goto('/settings/members')
    await page.getByRole('row', { name: new RegExp(email) }).waitFor()
    await screenshot(page, 'members')
    await page.getByRole('combobox', { name: `Role of ${colleague}` }).selectOption('ADMIN')
    await page.getByText(`${colleague} is now Admin`).waitFor()

    // On a phone the settings sections are one select, not a row of tabs
    // scrolled out of sight.
    await onPhone(page, async () => {
      expect(await page.getByRole('navigation', { name: 'Settings' }).isVisible()).toBe(false)
      await page.getByLabel('Settings section').selectOption({ label: 'Audit log' })
      await page.waitForURL('**/settings/audit-log')
    })

    await page.goto('/settings/audit-log')
    await page.getByRole('table', { name: 'Audit log entries' }).waitFor()
    await page.getByLabel('Actions').fill('api_key.revoke')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.getByText('Showing 1 of 1').waitFor()
    await page.getByRole('button', { name: 'Clear' }).click()
    await page
      .getByRole('cell', { name: /auth\.log_in/ })
      .first()
      .waitFor()
    await screenshot(page, 'audit-log')

    // The journey so far wrote more entries than one page holds.
    const shown = page.getByText(/^Showing \d+ of \d+$/)
    const total = Number((await shown.textContent())!.split(' of ')[1])
    expect(total).toBeGreaterThan(10)
    await page.getByRole('button', { name: 'Load more' }).click()
    await page.getByText(`Showing ${Math.min(total, 20)} of ${total}`).waitFor()
  })

  it('renames the workspace and requires MFA: a member without it must enrol and sign in again', async () => {
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Workspace' }).click()
    await page.getByRole('textbox', { name: 'Name' }).fill(`${tenant} Ltd`)
    await page.getByRole('checkbox', { name: 'Require two-factor authentication' }).check()
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Workspace settings saved').waitFor()
    await page.getByRole('banner').getByText(`${tenant} Ltd`).waitFor()
    await screenshot(page, 'workspace')

    // The colleague, still signed in without MFA, opens a screen that loads
    // data: the server refuses it, and the app sends them to enrolment.
    await theirs.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
    await theirs.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Members' }).click()
    // (Generous wait: the journey has drained the tenant's rate-limit bucket,
    // and the client waits out THROTTLED answers before it reloads the viewer.)
    await theirs.getByText(/requires two-factor authentication/).waitFor({ timeout: 45_000 })
    await theirs.getByRole('button', { name: 'Set up two-factor authentication' }).waitFor()
    await theirs.waitForURL((u) => u.pathname === '/settings/security')
    expect(new URL(theirs.url()).pathname).toBe('/settings/security')
    await screenshot(theirs, 'mfa-required')

    // They enrol, store their codes and sign in again, now with the second factor.
    await theirs.getByRole('button', { name: 'Set up two-factor authentication' }).click()
    const secret = (await theirs.getByLabel('TOTP secret').textContent())!.trim()
    await theirs.getByLabel('Authentication code').fill(totp(secret))
    await theirs.getByRole('button', { name: 'Turn on two-factor authentication' }).click()
    await theirs.getByRole('button', { name: 'I have stored them' }).click()
    await theirs.getByText('Two-factor authentication is on. Sign in again to continue.').waitFor()
    await theirs.getByLabel('Email').fill(colleague)
    await theirs.getByLabel('Password').fill(colleaguePassword)
    await theirs.getByRole('button', { name: 'Sign in' }).click()
    await theirs.getByLabel('Authentication code').fill(totp(secret, Date.now() + 30_000))
    await theirs.getByRole('button', { name: 'Verify' }).click()
    // Back where they were, with nothing left to enrol.
    await theirs.getByRole('button', { name: 'Turn off' }).waitFor()
    await theirs.waitForURL((u) => u.pathname === '/settings/security')
    expect(new URL(theirs.url()).pathname).toBe('/settings/security')
    expect(await theirs.getByText(/requires two-factor authentication/).count()).toBe(0)
    await invitee.close()
  })

  it('shows the billing tab: the new workspace’s Professional trial, its usage and billing disabled', async () => {
    await page.goto('/settings/billing')
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()
    // The e2e server runs without STRIPE_API_KEY: the tab says so, truthfully.
    const disabled = page.getByRole('region', { name: 'Billing disabled' })
    await disabled.getByText('Billing is disabled on this server.').waitFor()
    const plan = page.getByRole('region', { name: 'Plan' })
    await plan.getByText('Trial ends').waitFor()
    expect(await plan.getByText('Professional', { exact: true }).count()).toBe(1)
    expect(await plan.getByRole('button', { name: 'Upgrade to Enterprise' }).isDisabled()).toBe(true)
    await plan
      .getByText('Checkout and the billing portal are off because billing is disabled on this server.')
      .waitFor()
    const members = page.getByRole('progressbar', { name: /^Members of the workspace/ })
    await members.waitFor()
    expect(Number(await members.getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(1)
    await page
      .getByRole('table', { name: 'Features by plan' })
      .getByRole('row', { name: /Competitor intel/ })
      .waitFor()
    await screenshot(page, 'billing')
  })

  it('adds the sandbox on the Platforms screen, syncs it, and sees its campaigns labelled Simulated', async () => {
    await nav(page, 'Platforms')
    await heading('Platforms')
    // The e2e server has no platform app credentials: real platforms say so instead of a fake connect.
    await page.getByRole('region', { name: 'Meta' }).getByText('Not configured on this server').waitFor()
    expect(await page.getByRole('button', { name: 'Connect Meta' }).count()).toBe(0)
    await page.getByRole('button', { name: 'Add sandbox account' }).click()
    const conn = page.getByRole('region', { name: /^Sandbox \(simulated\) Simulated Connected/ })
    await conn.getByRole('checkbox', { name: /Sandbox/ }).waitFor()
    expect(await conn.getByRole('checkbox', { name: /Sandbox/ }).isChecked()).toBe(true)
    await conn.getByRole('button', { name: 'Sync now' }).click()
    // The server's River workers run it: queued, then succeeded, live on syncRunUpdated.
    const runs = conn.getByRole('table', { name: 'Recent sync runs' })
    const row = runs.getByRole('row', { name: /Daily insights/ })
    await row.getByText('Succeeded').waitFor({ timeout: 60_000 })
    expect(Number((await row.getByRole('cell').nth(5).textContent())!.replace(/\D/g, ''))).toBeGreaterThan(0)
    await screenshot(page, 'platforms')

    await nav(page, 'Campaigns')
    await heading('Campaigns')
    const table = page.getByRole('table', { name: 'Campaigns' })
    await table.getByRole('row').nth(1).waitFor()
    // The sandbox's four simulated campaigns, each labelled so.
    expect(await table.getByRole('row').count()).toBe(5)
    expect(await table.getByText('Simulated', { exact: true }).count()).toBe(4)
  }, 90_000)
})

// A workspace without a flag: an operator puts a fresh workspace on Starter
// (setTenantPlan, the tool for sales-led deals) — the operator flag granted
// with the binary's `stratum admin grant-operator` on the e2e server's
// database, as a platform operator would. Its gated buttons then say which
// plan unlocks them. The positive control is the journey above: the demo
// workspace (Enterprise) and the new one (on its trial) dry-run and edit rules.
describe.sequential('a workspace on Starter', () => {
  const bin = inject('stratumBin')
  const databaseUrl = inject('databaseUrl')
  const opsEmail = `ops-${randomBytes(4).toString('hex')}@example.com`
  let ops: BrowserContext
  let op: Page

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && op && !op.isClosed()) await screenshotFailure(op, task.name, 'operator')
  })

  it.skipIf(!bin || !databaseUrl)(
    'shows “Unlocks with Professional” on the dry run and the autopilot level instead of failing',
    async () => {
      ops = await browser.newContext({ baseURL: baseUrl, viewport: DESKTOP })
      ops.setDefaultTimeout(15_000)
      op = await ops.newPage()
      watch(op, 'operator')
      await op.goto('/login')
      await op.getByRole('link', { name: 'Create an account' }).click()
      await op.getByLabel('Organisation name').fill('Starter Shop')
      await op.getByLabel('Work email').fill(opsEmail)
      await op.getByLabel('Password').fill(password)
      await op.getByRole('button', { name: 'Create account' }).click()
      await op.getByRole('heading', { name: 'Overview' }).waitFor()

      const granted = spawnSync(bin!, ['admin', 'grant-operator', opsEmail], {
        env: { ...process.env, DATABASE_URL: databaseUrl!, STRATUM_ENV: 'development', STRATUM_LOG_LEVEL: 'warn' },
        encoding: 'utf8',
      })
      expect(granted.status, granted.stderr).toBe(0)
      // Operator fields need a session issued after the grant.
      await ops.clearCookies()
      await op.goto('/login')
      await op.getByLabel('Email').fill(opsEmail)
      await op.getByLabel('Password').fill(password)
      await op.getByRole('button', { name: 'Sign in' }).click()
      await op.getByRole('heading', { name: 'Overview' }).waitFor()

      const tenantId = ((await gql(op, '{ viewer { tenant { id } } }')) as { viewer: { tenant: { id: string } } })
        .viewer.tenant.id
      const set = await gql(
        op,
        'mutation($t: ID!) { setTenantPlan(input: {tenantId: $t, plan: "STARTER"}) { billing { plan status effectivePlan } userErrors { message } } }',
        { t: tenantId },
      )
      expect(set).toEqual({
        setTenantPlan: { billing: { plan: 'STARTER', status: 'ACTIVE', effectivePlan: 'STARTER' }, userErrors: [] },
      })

      // Rules are on Starter; their dry run is not.
      await op.goto('/automation')
      await op.getByRole('heading', { level: 1, name: 'Automation' }).waitFor()
      await op.getByRole('button', { name: 'New rule' }).click()
      const dryRun = op.getByRole('button', { name: 'Dry run' })
      await op.getByText('Unlocks with Professional').first().waitFor()
      expect(await dryRun.isDisabled()).toBe(true)
      expect(await dryRun.getAttribute('aria-describedby')).toBeTruthy()
      expect(await op.getByRole('button', { name: 'Create rule' }).isEnabled()).toBe(true)
      await screenshot(op, 'automation-locked')

      await op.goto('/automation?tab=autopilot')
      const change = op.getByRole('button', { name: 'Change level' })
      await change.waitFor()
      await op
        .getByRole('tabpanel', { name: 'Autopilot & kill switch' })
        .getByText('Unlocks with Professional')
        .waitFor()
      expect(await change.isDisabled()).toBe(true)
      await op.getByRole('link', { name: 'See plans' }).click()
      await op.waitForURL('**/settings/billing')
      const plan = op.getByRole('region', { name: 'Plan' })
      await plan.getByRole('button', { name: 'Upgrade to Professional' }).waitFor()
      expect(await plan.getByText('Starter', { exact: true }).count()).toBeGreaterThan(0)
      await screenshot(op, 'billing-starter')
      await ops.close()
    },
  )
})

/** Runs a GraphQL operation as the page's session (its cookies and CSRF token); fails on any error. */
async function gql(p: Page, query: string, variables: Record<string, unknown> = {}): Promise<unknown> {
  const body = await p.evaluate(
    async ({ query, variables }) => {
      const csrf = document.cookie
        .split('; ')
        .find((c) => c.startsWith('stratum_csrf='))
        ?.slice('stratum_csrf='.length)
      const res = await fetch('/graphql', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': decodeURIComponent(csrf ?? '') },
        body: JSON.stringify({ query, variables }),
      })
      return (await res.json()) as { data?: unknown; errors?: unknown[] }
    },
    { query, variables },
  )
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`)
  return body.data
}

/** What an API key sees of itself; null when the server refuses it. */
async function viewerByKey(secret: string): Promise<unknown> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${secret}` },
    body: JSON.stringify({ query: '{ viewer { tenant { name } scopes } }' }),
  })
  if (res.status === 401) return null
  const body = (await res.json()) as { data?: { viewer: unknown } }
  return body.data?.viewer ?? null
}

/** Runs `steps` at phone width, then restores the desktop viewport the journey runs at (also when a step fails). */
async function onPhone(p: Page, steps: () => Promise<void>) {
  await p.setViewportSize(PHONE)
  try {
    await steps()
  } finally {
    await p.setViewportSize(DESKTOP)
  }
}

/**
 * Fails unless the signed-in header is one row: on a phone its menu
 * button, the connection's state and the account menu share a line.
 */
async function oneRowHeader(p: Page) {
  const banner = p.getByRole('banner')
  const middle = async (name: string, l: ReturnType<Page['getByRole']>) => {
    const box = await l.boundingBox()
    if (!box) throw new Error(`header: no ${name}`)
    return box.y + box.height / 2
  }
  const row = [
    await middle('menu button', banner.getByRole('button', { name: 'Menu', exact: true })),
    await middle('connection state', banner.getByTestId('connection-status')),
    await middle('account menu', banner.getByRole('button', { name: /^Account menu for/ })),
  ]
  const bannerBox = (await banner.boundingBox())!
  if (Math.max(...row) - Math.min(...row) > 4 || bannerBox.height > 64) {
    throw new Error(
      `header: not one row (centres at ${row.map(Math.round).join(', ')} px, ${bannerBox.height} px high)`,
    )
  }
}

/** Signs in with the journey's account from the log-in screen, passing the MFA challenge with `secondFactor`. */
async function signIn(secondFactor: () => Promise<void>) {
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await heading('Two-factor authentication')
  await secondFactor()
}

/** Answers the MFA challenge with a backup code (each works once). */
async function useBackupCode(code: string) {
  await page.getByRole('button', { name: 'Use a backup code instead' }).click()
  await page.getByLabel('Backup code').fill(code)
  await page.getByRole('button', { name: 'Verify' }).click()
}

/**
 * Reports what helps explain a failed step: page errors and GraphQL errors
 * (THROTTLED ones in brief: the client waits and retries them by itself).
 */
function watch(p: Page, who: string) {
  p.on('pageerror', (err) => process.stderr.write(`[browser:${who}] ${err.stack ?? err.message}\n`))
  p.on('response', async (res) => {
    if (!res.url().endsWith('/graphql') || res.request().method() !== 'POST') return
    const body = await res.text().catch(() => '')
    if (!body.includes('"errors"')) return
    const op = (res.request().postDataJSON() as { operationName?: string } | null)?.operationName
    process.stderr.write(`[graphql:${who}] ${op}: ${body.includes('"THROTTLED"') ? 'THROTTLED' : body}\n`)
  })
}
