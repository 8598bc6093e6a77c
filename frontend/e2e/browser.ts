// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven
// by playwright-core (no browser download; CI installs the apt package).
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import axe from 'axe-core'
import { chromium, type Browser, type Page } from 'playwright-core'

/** Where screenshots go (git-ignored); rewritten on every run. */
export const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url))

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** The Chromium binary (CHROMIUM_PATH overrides); throws, saying how to install it, when missing. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!existsSync(path)) {
    throw new Error(
      `The browser tests need Chromium at ${path}, which does not exist. ` +
        'Install Debian’s package (apt-get install -y chromium) or set CHROMIUM_PATH. Never download a browser build.',
    )
  }
  return path
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ARGS, headless: true })
}

export const DESKTOP = { width: 1280, height: 800 }
export const PHONE = { width: 390, height: 844 }

/**
 * Screenshots the page at desktop and phone width (`<name>-desktop.png`,
 * `<name>-phone.png`), then restores the desktop viewport. Fails when the
 * page is wider than the phone (nothing may scroll sideways but tables) or
 * has serious accessibility problems.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  await checkAccessibility(page, name)
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.setViewportSize(DESKTOP)
  await page.screenshot({ path: `${SCREENSHOTS}${name}-desktop.png`, fullPage: true })
  await page.setViewportSize(PHONE)
  await page.screenshot({ path: `${SCREENSHOTS}${name}-phone.png`, fullPage: true })
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  await page.setViewportSize(DESKTOP)
  if (overflow > 0) throw new Error(`${name}: the page is ${overflow}px wider than a ${PHONE.width}px phone`)
}

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on the page and fails on every
 * violation of serious or critical impact, naming the rule and the elements.
 */
export async function checkAccessibility(page: Page, name: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axe.source })
  const violations = await page.evaluate(async () => {
    const { axe } = window as unknown as { axe: typeof import('axe-core') }
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`)
  })
  if (violations.length) throw new Error(`${name}: accessibility problems:\n  ${violations.join('\n  ')}`)
}

/** The page as it was when a step failed: `failed-<step>[-<who>].png`. */
export async function screenshotFailure(page: Page, step: string, who?: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const name = step.replace(/[^a-z0-9]+/gi, '-').slice(0, 60) + (who ? `-${who}` : '')
  await page.screenshot({ path: `${SCREENSHOTS}failed-${name}.png`, fullPage: true }).catch(() => {})
}

/** Empties the screenshot folder, so that it shows this run only. */
export function clearScreenshots(): void {
  rmSync(SCREENSHOTS, { recursive: true, force: true })
  mkdirSync(SCREENSHOTS, { recursive: true })
}
