// E-mail and notifications as people receive them, on a server of this
// spec's own (the demo tenant's incidents stay apart from the journey's):
// a new account verifies its address and resets a forgotten password
// through the links in the development mail sink, and a webhook channel
// pointed at a local receiver gets a signed notification when an incident
// opens in the demo tenant.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'

import { startStratum, type Stratum } from '../tests/stratum'
import { DESKTOP, launchChromium, screenshot, screenshotFailure } from './browser'

const bin = inject('stratumBin')
const email = `mail-${randomBytes(4).toString('hex')}@example.com`
const password = 'correct horse battery staple'
const newPassword = 'a freshly chosen passphrase'
const DEMO_EMAIL = 'demo@stratum.local'
const DEMO_PASSWORD = 'stratum-demo-2026'

let server: Stratum | undefined
let browser: Browser | undefined
let context: BrowserContext
let page: Page
const pages: Page[] = []

interface SinkMessage {
  to: string[]
  subject: string
  text: string
}

/** Waits for the mail sink's newest message to `to` with `subject` (a job sends it after the request). */
async function awaitMail(to: string, subject: string): Promise<SinkMessage> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const res = await fetch(`${server!.baseUrl}/dev/mail/messages`)
    expect(res.status).toBe(200)
    const { messages } = (await res.json()) as { messages: SinkMessage[] }
    const found = messages.find((m) => m.to.includes(to) && m.subject === subject)
    if (found) return found
    if (Date.now() > deadline) throw new Error(`no message “${subject}” to ${to} in the mail sink`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** The link in a message that opens `path` on this server. */
function linkIn(m: SinkMessage, path: string): string {
  const link = m.text.split(/\s+/).find((w) => w.startsWith(`${server!.baseUrl}${path}#token=`))
  if (!link) throw new Error(`no ${path} link in:\n${m.text}`)
  return link
}

async function heading(p: Page, name: string | RegExp) {
  await p.getByRole('heading', { level: 1, name }).waitFor()
}

beforeAll(async () => {
  if (!bin) return
  server = await startStratum({ label: 'e2e-mail', bin, seedDemo: true })
  browser = await launchChromium()
  context = await browser.newContext({ baseURL: server.baseUrl, viewport: DESKTOP })
  context.setDefaultTimeout(15_000)
  page = await context.newPage()
  pages.push(page)
}, 90_000)

afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail') return
  for (const [i, p] of pages.entries()) if (!p.isClosed()) await screenshotFailure(p, task.name, `mail-${i}`)
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

// A server named by STRATUM_TEST_URL has no binary to start a second one from.
describe.skipIf(!bin).sequential('e-mail and notifications', () => {
  it('asks a new account to verify its address until the mailed link is followed', async () => {
    await page.goto('/signup')
    await page.getByLabel('Organisation name').fill('Mail Co')
    await page.getByLabel('Work email').fill(email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Create account' }).click()
    await heading(page, 'Overview')
    const banner = page.getByRole('region', { name: 'Verify your email address' })
    await banner.getByText(`open the link we sent to ${email}`).waitFor()
    await screenshot(page, 'verify-banner')

    const mail = await awaitMail(email, 'Confirm your e-mail address for Stratum')
    await page.goto(linkIn(mail, '/verify-email'))
    await heading(page, 'Confirm your email address')
    await page.getByRole('button', { name: 'Confirm my email address' }).click()
    await page.getByText('Your email address is verified.').waitFor()
    await page.getByRole('link', { name: 'Go to the overview' }).click()
    await heading(page, 'Overview')
    expect(await banner.count()).toBe(0)
  })

  it('resets a forgotten password through the mail sink: the old session ends, the new password signs in', async () => {
    const other = await browser!.newContext({ baseURL: server!.baseUrl, viewport: DESKTOP })
    other.setDefaultTimeout(15_000)
    const p = await other.newPage()
    pages.push(p)
    await p.goto('/login')
    await p.getByRole('link', { name: 'Forgot password?' }).click()
    await heading(p, 'Reset your password')
    await p.getByLabel('Email').fill(email)
    await p.getByRole('button', { name: 'Send reset link' }).click()
    await p.getByText(`If an account uses ${email}, a link to reset its password is on its way there.`).waitFor()
    await screenshot(p, 'forgot-password')

    const mail = await awaitMail(email, 'Reset your Stratum password')
    await p.goto(linkIn(mail, '/reset-password'))
    await heading(p, 'Choose a new password')
    await p.getByLabel('New password', { exact: true }).fill(newPassword)
    await screenshot(p, 'reset-password')
    await p.getByRole('button', { name: 'Save new password' }).click()
    await heading(p, 'Sign in')
    await p.getByText('Your password was changed and every session signed out.').waitFor()

    // The link works once.
    await p.goto(linkIn(mail, '/reset-password'))
    await p.getByLabel('New password', { exact: true }).fill('yet another passphrase')
    await p.getByRole('button', { name: 'Save new password' }).click()
    await p
      .getByRole('alert')
      .getByText(/invalid, expired or already used/)
      .waitFor()

    await p.goto('/login')
    await p.getByLabel('Email').fill(email)
    await p.getByLabel('Password').fill(password)
    await p.getByRole('button', { name: 'Sign in' }).click()
    await p.getByRole('alert').getByText('email or password is incorrect').waitFor()
    await p.getByLabel('Password').fill(newPassword)
    await p.getByRole('button', { name: 'Sign in' }).click()
    await heading(p, 'Overview')

    // The first browser's session ended with the reset.
    await page.goto('/settings/members')
    await heading(page, 'Sign in')
    await other.close()
  })

  it('notifies a webhook channel with a signed message when an incident opens', async () => {
    const receiver = await startReceiver()
    try {
      const demo = await browser!.newContext({ baseURL: server!.baseUrl, viewport: DESKTOP })
      demo.setDefaultTimeout(15_000)
      const dp = await demo.newPage()
      pages.push(dp)
      await dp.goto('/login')
      await dp.getByLabel('Email').fill(DEMO_EMAIL)
      await dp.getByLabel('Password').fill(DEMO_PASSWORD)
      await dp.getByRole('button', { name: 'Sign in' }).click()
      await heading(dp, 'Overview')

      await dp.goto('/settings/notifications')
      await dp.getByRole('button', { name: 'Add channel' }).first().click()
      const form = dp.getByRole('dialog', { name: 'Add notification channel' })
      await form.getByLabel('Kind').selectOption('WEBHOOK')
      await form.getByLabel('Name').fill('Ops receiver')
      await form.getByLabel('URL', { exact: true }).fill(receiver.url)
      await form.getByLabel('Incidents from severity').selectOption('LOW')
      await form.getByRole('button', { name: 'Add channel' }).click()
      const shown = dp.getByRole('dialog', { name: 'Webhook channel created' }).getByLabel('Signing secret')
      await shown.waitFor()
      receiver.secret = (await shown.textContent())!.trim()
      expect(receiver.secret).toMatch(/^whsec_/)
      await dp.getByRole('button', { name: 'Done' }).click()

      await dp.goto('/')
      await heading(dp, 'Overview')
      await dp.getByLabel('Signal to degrade').selectOption('EMQ')
      await dp.getByLabel('Severity').selectOption('MAJOR')
      await dp.getByRole('button', { name: 'Degrade signal (simulated)' }).click()

      const opened = await receiver.next('incident.opened', 60_000)
      expect(receiver.forged).toBe(0)
      expect(new URL(opened.url as string).pathname).toBe('/incidents')
      await demo.close()
    } finally {
      await receiver.close()
    }
  }, 120_000)
})

/**
 * A local webhook receiver that accepts a request only when its
 * Stratum-Signature (t=…,v1=…) is the HMAC-SHA256, under the channel's
 * secret, of the timestamp, a dot and the raw body, with the timestamp
 * within five minutes of this clock; it counts the others as forged.
 */
async function startReceiver() {
  const accepted: Record<string, unknown>[] = []
  const waiters: (() => void)[] = []
  const state = {
    secret: '',
    forged: 0,
    url: '',
    next: async (type: string, timeout: number): Promise<Record<string, unknown>> => {
      const deadline = Date.now() + timeout
      for (;;) {
        const found = accepted.find((b) => b['type'] === type)
        if (found) return found
        if (Date.now() > deadline) {
          throw new Error(`no signed “${type}” within ${timeout} ms (got ${accepted.map((b) => b['type']).join(', ')})`)
        }
        await new Promise<void>((r) => {
          waiters.push(r)
          setTimeout(r, 1_000)
        })
      }
    },
    close: () => new Promise<void>((r) => srv.close(() => r())),
  }
  const srv: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      if (!signed(state.secret, String(req.headers['stratum-signature'] ?? ''), body)) {
        state.forged++
        res.writeHead(401).end()
        return
      }
      accepted.push(JSON.parse(body.toString('utf8')) as Record<string, unknown>)
      res.writeHead(204).end()
      waiters.splice(0).forEach((w) => w())
    })
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  state.url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/stratum-hook`
  return state
}

/** Whether header signs body with secret, within five minutes of now. */
function signed(secret: string, header: string, body: Buffer): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.trim().split('=', 2) as [string, string]))
  const t = Number(parts['t'])
  if (!secret || !Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300 || !parts['v1']) return false
  const want = createHmac('sha256', secret).update(`${t}.`).update(body).digest()
  const got = Buffer.from(parts['v1'], 'hex')
  return got.length === want.length && timingSafeEqual(got, want)
}
