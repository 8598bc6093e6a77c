// The dashboard and GraphiQL as the Go server serves them (embedded from
// dist/ when the binary was built). Skipped when the binary embeds no build.
import { describe, expect, inject, it } from 'vitest'

const baseUrl = inject('baseUrl')
const index = await fetch(`${baseUrl}/`)
const built = index.status === 200

describe.skipIf(!built)('embedded frontend', () => {
  it('serves the dashboard for / and client-side routes, GraphiQL for /graphiql', async () => {
    for (const path of ['/', '/campaigns/123']) {
      const res = await fetch(baseUrl + path)
      expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      expect(await res.text()).toContain('<div id="root">')
    }
    const gi = await fetch(`${baseUrl}/graphiql`)
    const html = await gi.text()
    expect(html).toContain('<div id="graphiql">')
    expect(html).not.toContain('/assets/main-') // GraphiQL is its own entry
  })

  it('keeps GraphiQL out of the dashboard bundle and caches hashed assets forever', async () => {
    const html = await (await fetch(`${baseUrl}/`)).text()
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!)
    expect(assets.length).toBeGreaterThan(0)
    expect(assets.some((a) => /graphiql|monaco/i.test(a))).toBe(false)
    const res = await fetch(baseUrl + assets[0]!)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toContain('immutable')
  })
})
