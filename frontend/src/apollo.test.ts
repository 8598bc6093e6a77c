import { gql } from '@apollo/client'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { createApolloClient } from './apollo'

const QUERY = gql`
  query Things {
    things
  }
`
const MUTATION = gql`
  mutation Touch {
    touch
  }
`

type Body = { data?: unknown; errors?: { message: string; extensions: Record<string, unknown> }[] }

/** A fetch that answers each call with the next body and records the requests. */
function fakeFetch(...bodies: Body[]) {
  const requests: { headers: Headers; body: { operationName: string } }[] = []
  const fn = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
    requests.push({ headers: new Headers(init?.headers), body: JSON.parse(String(init?.body)) })
    const body = bodies.shift() ?? { errors: [{ message: 'no more answers', extensions: {} }] }
    return new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } })
  })
  return { fetch: fn as unknown as typeof fetch, requests }
}

const unauthenticated: Body = { errors: [{ message: 'sign in', extensions: { code: 'UNAUTHENTICATED' } }] }
const ok: Body = { data: { things: ['a'] } }

function client(fetchImpl: typeof fetch, refresh: () => Promise<boolean>) {
  const onSessionExpired = vi.fn()
  const onMfaEnrollmentRequired = vi.fn()
  const { client, wsClient } = createApolloClient({
    httpUri: 'http://test/graphql',
    wsUrl: 'ws://test/graphql',
    fetch: fetchImpl,
    refresh,
    onSessionExpired,
    onMfaEnrollmentRequired,
  })
  return { client, onSessionExpired, onMfaEnrollmentRequired, dispose: () => void wsClient.dispose() }
}

describe('createApolloClient', () => {
  afterEach(() => {
    document.cookie = 'stratum_csrf=; max-age=0'
  })

  it('sends the CSRF cookie as X-CSRF-Token', async () => {
    document.cookie = 'stratum_csrf=c5rf'
    const { fetch, requests } = fakeFetch({ data: { touch: true } })
    const c = client(fetch, async () => true)
    await c.client.mutate({ mutation: MUTATION })
    expect(requests[0]!.headers.get('X-CSRF-Token')).toBe('c5rf')
    c.dispose()
  })

  it('renews the session once on UNAUTHENTICATED and retries', async () => {
    const { fetch, requests } = fakeFetch(unauthenticated, ok)
    const refresh = vi.fn(async () => true)
    const c = client(fetch, refresh)
    const { data } = await c.client.query({ query: QUERY })
    expect(data).toEqual({ things: ['a'] })
    expect(refresh).toHaveBeenCalledOnce()
    expect(requests.map((r) => r.body.operationName)).toEqual(['Things', 'Things'])
    expect(c.onSessionExpired).not.toHaveBeenCalled()
    c.dispose()
  })

  it('gives up after one renewal, and reports an expired session when renewal fails', async () => {
    const again = fakeFetch(unauthenticated, unauthenticated)
    const renewed = client(
      again.fetch,
      vi.fn(async () => true),
    )
    await expect(renewed.client.query({ query: QUERY })).rejects.toThrow('sign in')
    expect(again.requests).toHaveLength(2)
    renewed.dispose()

    const failed = fakeFetch(unauthenticated)
    const expired = client(
      failed.fetch,
      vi.fn(async () => false),
    )
    await expect(expired.client.query({ query: QUERY })).rejects.toThrow('sign in')
    expect(expired.onSessionExpired).toHaveBeenCalledOnce()
    expired.dispose()
  })

  it('retries a throttled query after the wait the server names, but never a mutation', async () => {
    const throttled: Body = {
      errors: [{ message: 'slow down', extensions: { code: 'THROTTLED', retryAfterSeconds: 0 } }],
    }
    const q = fakeFetch(throttled, ok)
    const c = client(q.fetch, async () => true)
    expect((await c.client.query({ query: QUERY })).data).toEqual({ things: ['a'] })
    expect(q.requests).toHaveLength(2)
    c.dispose()

    const m = fakeFetch(throttled, { data: { touch: true } })
    const cm = client(m.fetch, async () => true)
    await expect(cm.client.mutate({ mutation: MUTATION })).rejects.toThrow('slow down')
    expect(m.requests).toHaveLength(1)
    cm.dispose()
  })

  it('reports a refusal until the user enrols in MFA', async () => {
    const refused: Body = {
      errors: [{ message: 'enrol first', extensions: { code: 'FORBIDDEN', mfaEnrollmentRequired: true } }],
    }
    const f = fakeFetch(refused)
    const c = client(f.fetch, async () => true)
    await expect(c.client.query({ query: QUERY })).rejects.toThrow('enrol first')
    expect(c.onMfaEnrollmentRequired).toHaveBeenCalledOnce()
    expect(c.onSessionExpired).not.toHaveBeenCalled()
    c.dispose()
  })
})

/**
 * A server end of graphql-transport-ws, in memory: acknowledges
 * connection_init, or refuses the connection while `down`.
 */
class FakeSocket {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  static opened: FakeSocket[] = []
  static down = false

  readyState = FakeSocket.CONNECTING
  protocol: string
  onopen: (() => void) | null = null
  onmessage: ((e: { data: string }) => void) | null = null
  onclose: ((e: { code: number; reason: string }) => void) | null = null
  onerror: ((e: unknown) => void) | null = null

  constructor(_url: string, protocol: string) {
    this.protocol = protocol
    setTimeout(() => {
      if (FakeSocket.down) {
        this.readyState = FakeSocket.CLOSED
        this.onerror?.(new Event('error'))
        this.onclose?.({ code: 1006, reason: '' })
        return
      }
      FakeSocket.opened.push(this)
      this.readyState = FakeSocket.OPEN
      this.onopen?.()
    })
  }

  send(data: string) {
    const message = JSON.parse(data) as { type: string }
    if (message.type === 'connection_init') {
      setTimeout(() => this.onmessage?.({ data: JSON.stringify({ type: 'connection_ack' }) }))
    }
  }

  close(code = 1000, reason = '') {
    if (this.readyState === FakeSocket.CLOSED) return
    this.readyState = FakeSocket.CLOSED
    this.onclose?.({ code, reason })
  }
}

describe('the live connection', () => {
  afterEach(() => {
    vi.useRealTimers()
    FakeSocket.opened = []
    FakeSocket.down = false
  })

  it('reports live, reconnecting, offline and live again from the websocket, and refetches what is on screen', async () => {
    vi.useFakeTimers()
    const { fetch, requests } = fakeFetch(ok, ok)
    const { client, wsClient, connection } = createApolloClient({
      httpUri: 'http://test/graphql',
      wsUrl: 'ws://test/graphql',
      fetch,
      refresh: async () => true,
      webSocketImpl: FakeSocket,
    })
    const statuses: string[] = []
    connection.subscribe(() => {
      const s = connection.getState().status
      if (statuses.at(-1) !== s) statuses.push(s)
    })

    const watched = client.watchQuery({ query: QUERY }).subscribe(() => {})
    const events = client.subscribe({ query: gql('subscription Ticks { tick }') }).subscribe(() => {})
    await vi.advanceTimersByTimeAsync(10)
    expect(connection.getState().status).toBe('live')
    expect(requests).toHaveLength(1)

    // The server goes away and stays away for the first try.
    FakeSocket.down = true
    FakeSocket.opened[0]!.close(1001, 'going away')
    await vi.advanceTimersByTimeAsync(0)
    expect(connection.getState()).toMatchObject({ status: 'reconnecting', nextTryAt: expect.any(Number) })
    await vi.advanceTimersByTimeAsync(2_100)
    expect(connection.getState()).toMatchObject({ status: 'offline', nextTryAt: expect.any(Number) })
    expect(requests).toHaveLength(1)

    // It is back: the next try connects and the active query is fetched again.
    FakeSocket.down = false
    await vi.advanceTimersByTimeAsync(3_100)
    expect(connection.getState().status).toBe('live')
    expect(statuses).toEqual(['live', 'reconnecting', 'offline', 'live'])
    expect(requests.map((r) => r.body.operationName)).toEqual(['Things', 'Things'])

    events.unsubscribe()
    watched.unsubscribe()
    await wsClient.dispose()
  })
})
