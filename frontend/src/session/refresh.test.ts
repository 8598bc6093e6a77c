import { afterEach, describe, expect, it, vi } from 'vitest'

import { createRefresher } from './refresh'

function answer(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}
const renewed = { data: { refreshSession: { accessToken: 'jwt', userErrors: [] } } }

describe('createRefresher', () => {
  afterEach(() => {
    document.cookie = 'stratum_csrf=; max-age=0'
  })

  it('posts refreshSession with the CSRF header and reports success', async () => {
    document.cookie = 'stratum_csrf=old'
    const fetch = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => answer(renewed))
    const refresh = createRefresher('http://test/graphql', fetch as unknown as typeof globalThis.fetch)
    expect(await refresh()).toBe(true)
    const init = fetch.mock.calls[0]![1]!
    expect(new Headers(init.headers).get('X-CSRF-Token')).toBe('old')
    expect(init.credentials).toBe('same-origin')
    expect(JSON.parse(String(init.body)).query).toContain('refreshSession(input: {})')
  })

  it('shares one request between concurrent callers (a refresh token works once)', async () => {
    let release: (r: Response) => void = () => {}
    const fetch = vi.fn(() => new Promise<Response>((r) => (release = r)))
    const refresh = createRefresher('http://test/graphql', fetch as unknown as typeof globalThis.fetch)
    const both = Promise.all([refresh(), refresh()])
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledOnce())
    release(answer(renewed))
    expect(await both).toEqual([true, true])
  })

  it('fails on userErrors, HTTP errors and network errors', async () => {
    const cases = [
      async () =>
        answer({
          data: { refreshSession: { accessToken: null, userErrors: [{ code: 'UNAUTHENTICATED', message: 'no' }] } },
        }),
      async () => answer({}, 500),
      async () => {
        throw new TypeError('offline')
      },
    ]
    for (const impl of cases) {
      const refresh = createRefresher('http://test/graphql', vi.fn(impl) as unknown as typeof globalThis.fetch)
      expect(await refresh()).toBe(false)
    }
  })
})
