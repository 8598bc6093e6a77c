import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client'
import { SetContextLink } from '@apollo/client/link/context'
import { GraphQLWsLink } from '@apollo/client/link/subscriptions'
import { isSubscriptionOperation } from '@apollo/client/utilities'
import { createClient, type Client } from 'graphql-ws'

import { authHeaders, getAccessToken } from './auth'
import { graphqlEndpoints } from './endpoints'

export interface ApolloOptions {
  /** HTTP endpoint for queries and mutations (default: /graphql on this origin). */
  httpUri?: string
  /** Websocket endpoint for subscriptions (default: ws(s)://host/graphql). */
  wsUrl?: string
  /** Returns the current access token (default: localStorage). */
  getToken?: () => string | null
  /** WebSocket constructor where there is no global one (Node 20 tests use `ws`). */
  webSocketImpl?: unknown
}

/**
 * Apollo Client for the dashboard: queries and mutations over HTTP POST
 * (with the session cookie and, when signed in, a bearer token),
 * subscriptions over one graphql-transport-ws websocket.
 */
export function createApolloClient(opts: ApolloOptions = {}): {
  client: ApolloClient
  wsClient: Client
} {
  const getToken = opts.getToken ?? getAccessToken
  const endpoint = (kind: 'http' | 'ws') => graphqlEndpoints()[kind]

  const http = new HttpLink({ uri: opts.httpUri ?? endpoint('http'), credentials: 'same-origin' })
  const withAuth = new SetContextLink((prev) => ({
    headers: { ...(prev.headers as Record<string, string> | undefined), ...authHeaders(getToken()) },
  }))

  const wsClient = createClient({
    url: opts.wsUrl ?? endpoint('ws'),
    ...(opts.webSocketImpl ? { webSocketImpl: opts.webSocketImpl } : {}),
    lazy: true,
    // Read the token on every (re)connect so a refreshed token is used.
    connectionParams: () => authHeaders(getToken()),
    retryAttempts: Infinity,
    shouldRetry: () => true,
  })
  const ws = new GraphQLWsLink(wsClient)

  const link = ApolloLink.split(
    ({ query }) => isSubscriptionOperation(query),
    ws,
    withAuth.concat(http),
  )

  const client = new ApolloClient({ link, cache: new InMemoryCache() })
  return { client, wsClient }
}
