import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit'

import { graphqlEndpoints } from '../endpoints'
import { csrfHeaders, csrfToken } from '../session/cookies'

export const DEFAULT_QUERY = `# Stratum GraphQL API.
#
# Signed in to the dashboard? Your session cookie
# rides along, and the Headers tab below holds the
# X-CSRF-Token that mutations need. API clients
# send "Authorization: Bearer <token or API key>".
# Subscriptions run over a websocket.

query Me {
  viewer {
    user { email }
    tenant { name }
    role
  }
}

subscription ServerTime {
  serverTime(intervalSeconds: 1)
}
`

/**
 * The headers editor's initial text: the signed-in dashboard session's
 * CSRF header (the session itself is an httpOnly cookie the browser sends).
 */
export function initialHeaders(token = csrfToken()): string | undefined {
  const headers = csrfHeaders(token)
  return Object.keys(headers).length ? JSON.stringify(headers, null, 2) : undefined
}

/**
 * Queries and mutations go over HTTP POST to /graphql; subscriptions over a
 * graphql-transport-ws websocket on the same path (the headers editor's
 * values become the connection_init payload).
 */
export function createFetcher(loc: Pick<Location, 'protocol' | 'host'> = window.location): Fetcher {
  const { http, ws } = graphqlEndpoints(loc)
  return createGraphiQLFetcher({ url: http, subscriptionUrl: ws })
}
