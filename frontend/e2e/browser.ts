// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven
// by playwright-core (no browser download; CI installs the apt package).
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import axe from 'axe-core'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'

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
 * page is wider than the phone, when an element on it is (a table cut off
 * inside its scroll box, say: see wideElements), or when it has serious
 * accessibility problems.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  await checkAccessibility(page, name)
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.setViewportSize(DESKTOP)
  await page.screenshot({ path: `${SCREENSHOTS}${name}-desktop.png`, fullPage: true })
  await page.setViewportSize(PHONE)
  await page.screenshot({ path: `${SCREENSHOTS}${name}-phone.png`, fullPage: true })
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  const wide = await wideElements(page)
  await page.setViewportSize(DESKTOP)
  if (overflow > 0) throw new Error(`${name}: the page is ${overflow}px wider than a ${PHONE.width}px phone`)
  if (wide.length > 0) throw new Error(`${name}: wider than a ${PHONE.width}px phone:\n  ${wide.join('\n  ')}`)
}

/**
 * What does not fit the viewport's width: every element wider than the
 * viewport, and every element that reaches past its left or right edge
 * without a sideways-scrolling container around it (such a container shows
 * its own scrollbar). What nobody sees is skipped: visually hidden elements
 * (1 px), and those hidden by visibility or opacity (a chart's idle tooltip
 * box, say). Returns a line per element, empty when everything fits.
 */
export async function wideElements(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth
    const inScroller = (el: Element) => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const { overflowX } = getComputedStyle(p)
        if ((overflowX === 'auto' || overflowX === 'scroll') && p.scrollWidth > p.clientWidth) return true
      }
      return false
    }
    const describe = (el: Element, r: DOMRect) => {
      const name = el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 40) ?? ''
      const classes = el.getAttribute('class')?.slice(0, 60) ?? ''
      return `<${el.tagName.toLowerCase()} class="${classes}"> "${name}" spans ${Math.round(r.left)}–${Math.round(r.right)} px of ${width}`
    }
    const found: string[] = []
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect()
      if (r.width <= 1 || r.height <= 1) continue
      if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue
      const past = r.left < -0.5 || r.right > width + 0.5
      if (r.width > width + 0.5 || (past && !inScroller(el))) found.push(describe(el, r))
    }
    return found
  })
}

/**
 * Fails unless `target` can be used where it is: scrolled to, it lies
 * wholly inside the viewport, and a click would reach it (Playwright's
 * trial click: visible, stable, enabled, not covered). Nothing is clicked.
 */
export async function assertReachable(page: Page, target: Locator, what: string): Promise<void> {
  await target.scrollIntoViewIfNeeded()
  const box = await target.boundingBox()
  const { width, height } = page.viewportSize()!
  if (!box) throw new Error(`${what}: not rendered`)
  const inside = box.x >= 0 && box.y >= 0 && box.x + box.width <= width && box.y + box.height <= height
  if (!inside) {
    throw new Error(
      `${what}: at x ${Math.round(box.x)}–${Math.round(box.x + box.width)}, y ${Math.round(box.y)}–${Math.round(box.y + box.height)}, outside the ${width}×${height} viewport`,
    )
  }
  await target.click({ trial: true })
}

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on the page and fails on every
 * violation of serious or critical impact, naming the rule and the elements.
 */
export async function checkAccessibility(page: Page, name: string): Promise<void> {
  // Colours are checked as they end up, not halfway through a transition
  // (a theme switch animates `.transition-colors` elements: axe measured
  // one mid-way and found its contrast too low).
  await page.addStyleTag({
    content: '*, *::before, *::after { transition: none !important; animation: none !important; }',
  })
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
