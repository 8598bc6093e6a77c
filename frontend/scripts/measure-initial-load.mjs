// Measures the dashboard's initial route on a running server: the
// JavaScript it transfers (as sent — brotli to Chromium — and as gzip) and
// how long until the overview is interactive (its health gauge rendered
// with data), in headless Debian Chromium with a cold cache.
//
//   node scripts/measure-initial-load.mjs [base URL] [email] [password]
//
// Defaults: http://localhost:8080 and the demo owner `make run` seeds.
import { get } from 'node:http'
import { chromium } from 'playwright-core'

/** Bytes of url's body as sent with Accept-Encoding: gzip (not decompressed). */
function gzipSize(url) {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
      let n = 0
      res.on('data', (c) => (n += c.length))
      res.on('end', () => resolve(n))
    }).on('error', reject)
  })
}

const base = process.argv[2] ?? 'http://localhost:8080'
const email = process.argv[3] ?? 'demo@stratum.local'
const password = process.argv[4] ?? 'stratum-demo-2026'

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
})
try {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } })
  // Sign in through the API: the session cookies land in the context.
  const res = await context.request.post('/graphql', {
    data: { query: 'mutation($i: LogInInput!) { logIn(input: $i) { accessToken mfaRequired userErrors { message } } }',
      variables: { i: { email, password } } },
  })
  const login = (await res.json()).data?.logIn
  if (!login?.accessToken) throw new Error(`log-in failed: ${JSON.stringify(login)}`)

  const runs = []
  for (let i = 0; i < 5; i++) {
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
    const t0 = Date.now()
    await page.goto('/', { waitUntil: 'commit' })
    await page.getByRole('meter').first().waitFor({ state: 'visible', timeout: 30_000 })
    const interactiveMs = Date.now() - t0
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0]
      const scripts = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.js'))
      return {
        domInteractive: nav.domInteractive,
        domContentLoaded: nav.domContentLoadedEventEnd,
        scripts: scripts.map((r) => ({ url: r.name, transferred: r.transferSize, body: r.encodedBodySize, raw: r.decodedBodySize })),
        api: performance.getEntriesByType('resource').filter((r) => r.name.includes('/graphql'))
          .map((r) => ({ start: Math.round(r.startTime), ms: Math.round(r.duration) })),
      }
    })
    runs.push({ interactiveMs, ...timing })
    await page.close()
  }

  const first = runs[0]
  let gzip = 0
  for (const s of first.scripts) gzip += await gzipSize(s.url)
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  console.log(`initial route "/" on ${base}: ${first.scripts.length} scripts`)
  for (const s of first.scripts) console.log(`  ${new URL(s.url).pathname}  ${kb(s.raw)} raw, ${kb(s.body)} sent`)
  console.log(`JavaScript: ${kb(first.scripts.reduce((a, s) => a + s.raw, 0))} raw, ${kb(gzip)} gzip, ` +
    `${kb(first.scripts.reduce((a, s) => a + s.body, 0))} as sent (brotli)`)
  console.log(`API requests of the first load (start ms, duration ms): ${first.api.map((a) => `${a.start}+${a.ms}`).join(', ')}`)
  console.log(`median of ${runs.length} cold loads: DOMContentLoaded ${median(runs.map((r) => r.domContentLoaded)).toFixed(0)} ms, ` +
    `overview interactive (gauge with data) ${median(runs.map((r) => r.interactiveMs))} ms`)
} finally {
  await browser.close()
}
