import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit'

import { authHeaders, getAccessToken } from '../auth'
import { graphqlEndpoints } from '../endpoints'

export const DEFAULT_QUERY = `# Stratum GraphQL API.
#
# Signed in to the dashboard? Your access token
# is in the Headers tab below. Subscriptions run
# over a websocket.

query ServerInfo {
  serverInfo {
    version
    time
  }
}

subscription ServerTime {
  serverTime(intervalSeconds: 1)
}
`

/** The headers editor's initial text: the dashboard's token, if signed in. */
export function initialHeaders(token = getAccessToken()): string | undefined {
  const headers = authHeaders(token)
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
