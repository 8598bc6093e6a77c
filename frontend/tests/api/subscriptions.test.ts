// serverTime subscription round trips over every subscription transport a
// client uses: graphql-transport-ws (graphql-ws), Server-Sent Events
// (graphql-sse, distinct connections mode) and Apollo Client's split link.
import { gql, type TypedDocumentNode } from '@apollo/client'
import { createClient as createSSEClient } from 'graphql-sse'
import { createClient as createWSClient } from 'graphql-ws'
import { describe, expect, inject, it } from 'vitest'
import WebSocket from 'ws'

import { createApolloClient } from '../../src/apollo.ts'

/** The server's clock, pushed every intervalSeconds (public: it proves the live link works). */
const ServerTimeDocument: TypedDocumentNode<{ serverTime: string }, { intervalSeconds: number }> = gql`
  subscription ServerTime($intervalSeconds: Int!) {
    serverTime(intervalSeconds: $intervalSeconds)
  }
`

const baseUrl = inject('baseUrl')
const httpUrl = `${baseUrl}/graphql`
const wsUrl = httpUrl.replace(/^http/, 'ws')
const query = 'subscription { serverTime(intervalSeconds: 1) }'

type Result = { data?: { serverTime?: string } | null; errors?: unknown }

/** Reads n events from a subscription iterator, then completes it. */
async function take(it: AsyncIterableIterator<Result>, n: number): Promise<string[]> {
  const times: string[] = []
  for await (const result of it) {
    expect(result.errors).toBeUndefined()
    times.push(result.data!.serverTime!)
    if (times.length >= n) break // return(): the client sends complete
  }
  return times
}

function expectTicks(times: string[]) {
  expect(times).toHaveLength(2)
  const [a, b] = times.map((t) => Date.parse(t))
  expect(a).not.toBeNaN()
  expect(b).toBeGreaterThan(a!)
}

describe('graphql-ws (graphql-transport-ws)', () => {
  it('completes a serverTime subscription round trip', async () => {
    const closes: number[] = []
    const client = createWSClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      on: { closed: (e) => closes.push((e as { code: number }).code) },
    })
    try {
      expectTicks(await take(client.iterate({ query }), 2))
      // The socket stays usable after the subscription completed.
      const info = await take(client.iterate({ query }), 1)
      expect(info).toHaveLength(1)
    } finally {
      await client.dispose()
    }
    expect(closes.every((c) => c === 1000)).toBe(true)
  })

  it('answers a query over the socket', async () => {
    const client = createWSClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 })
    try {
      const it = client.iterate<{ serverInfo: { version: string; time: string } }>({
        query: '{ serverInfo { version time } }',
      })
      const first = await it.next()
      expect(first.done).toBe(false)
      expect(first.value!.data!.serverInfo.version).toBeTruthy()
      expect((await it.next()).done).toBe(true)
    } finally {
      await client.dispose()
    }
  })
})

describe('graphql-sse (distinct connections)', () => {
  it('completes a serverTime subscription round trip', async () => {
    const client = createSSEClient({ url: httpUrl, retryAttempts: 0 })
    try {
      expectTicks(await take(client.iterate({ query }), 2))
    } finally {
      client.dispose()
    }
  })
})

describe('Apollo Client (HttpLink + GraphQLWsLink)', () => {
  it('queries over HTTP and subscribes over the websocket', async () => {
    const { client, wsClient } = createApolloClient({
      httpUri: httpUrl,
      wsUrl,
      webSocketImpl: WebSocket,
    })
    let sockets = 0
    wsClient.on('connected', () => sockets++)
    try {
      const info = await client.query<{ serverInfo: { version: string } }>({
        query: gql`
          query Info {
            serverInfo {
              version
            }
          }
        `,
      })
      expect(info.data?.serverInfo.version).toBeTruthy()
      expect(sockets).toBe(0) // queries do not use the websocket

      const times = await new Promise<string[]>((resolve, reject) => {
        const got: string[] = []
        const sub = client.subscribe({ query: ServerTimeDocument, variables: { intervalSeconds: 1 } }).subscribe({
          next: (r) => {
            if (r.error) return reject(r.error)
            got.push(r.data!.serverTime)
            if (got.length === 2) {
              sub.unsubscribe()
              resolve(got)
            }
          },
          error: reject,
        })
      })
      expectTicks(times)
      expect(sockets).toBe(1)
    } finally {
      await wsClient.dispose()
      client.stop()
    }
  })
})
