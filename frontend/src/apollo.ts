import {
  ApolloClient,
  ApolloLink,
  CombinedGraphQLErrors,
  HttpLink,
  InMemoryCache,
  type ErrorLike,
} from '@apollo/client'
import { SetContextLink } from '@apollo/client/link/context'
import { ErrorLink } from '@apollo/client/link/error'
import { GraphQLWsLink } from '@apollo/client/link/subscriptions'
import { isSubscriptionOperation, relayStylePagination } from '@apollo/client/utilities'
import { createClient, type Client } from 'graphql-ws'
import { OperationTypeNode } from 'graphql'
import { from, mergeMap, timer } from 'rxjs'

import { createConnection, KEEP_ALIVE_MS, type Connection } from './connection/connection'
import { graphqlEndpoints } from './endpoints'
import { csrfHeaders } from './session/cookies'
import { createRefresher, type Refresher } from './session/refresh'
import { createSocketRenewal } from './session/socketRenewal'
import { trustQueryFields, trustTypePolicies } from './trust/cache'

export interface ApolloOptions {
  /** HTTP endpoint for queries and mutations (default: /graphql on this origin). */
  httpUri?: string
  /** Websocket endpoint for subscriptions (default: ws(s)://host/graphql). */
  wsUrl?: string
  /** WebSocket constructor where there is no global one (Node 20 tests use `ws`). */
  webSocketImpl?: unknown
  /** fetch for HTTP requests (default: the global one). */
  fetch?: typeof fetch
  /** Renews the session (default: refreshSession with the refresh cookie on httpUri). */
  refresh?: Refresher
  /** Called when the session has ended and cannot be renewed: the app shows the log-in screen. */
  onSessionExpired?: () => void
  /**
   * Called when the server refuses an operation until the user enrols in MFA
   * (the tenant started requiring it): the app reloads the viewer, whose
   * mfaEnrollmentRequired then sends the user to enrolment.
   */
  onMfaEnrollmentRequired?: () => void
  /** The live connection's state store (default: a new one on the real clock). */
  connection?: Connection
}

/** The dashboard's connection to the API. */
export interface Stratum {
  client: ApolloClient
  wsClient: Client
  /** The websocket's real state (live, reconnecting, offline…), for the header. */
  connection: Connection
  /** Renews the session with the refresh cookie (shared by concurrent callers). */
  refresh: Refresher
  /**
   * Drops the websocket so that open subscriptions reconnect with the
   * current cookies: call it whenever the session changes (log-in, log-out,
   * tenant switch).
   */
  reconnect: () => void
}

// Operations that establish or end a session: an UNAUTHENTICATED answer to
// them is final, never a reason to refresh.
const SESSION_OPERATIONS = new Set(['LogIn', 'SignUp', 'VerifyMfa', 'AcceptInvite', 'RefreshSession', 'LogOut'])

// A query refused by the rate limit is retried after the server's
// retryAfterSeconds, this many times at most, when the wait is this short.
const THROTTLE_RETRIES = 3
const THROTTLE_MAX_WAIT_SECONDS = 10

/** Seconds the server asks a THROTTLED operation to wait, or null when it is not throttled. */
function throttleDelay(error: ErrorLike): number | null {
  if (!CombinedGraphQLErrors.is(error)) return null
  const throttled = error.errors.find((e) => e.extensions?.['code'] === 'THROTTLED')
  if (!throttled) return null
  const after = throttled.extensions?.['retryAfterSeconds']
  return typeof after === 'number' && after >= 0 ? after : 1
}

function needsMfaEnrollment(error: ErrorLike): boolean {
  return CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.['mfaEnrollmentRequired'] === true)
}

function isUnauthenticated(error: ErrorLike): boolean {
  return CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.['code'] === 'UNAUTHENTICATED')
}

/**
 * Apollo Client for the dashboard. The session lives in httpOnly cookies
 * sent same-origin; every request carries the CSRF header the server
 * demands of cookie-authenticated mutations. Queries and mutations go over
 * HTTP, subscriptions over one graphql-transport-ws websocket (its upgrade
 * request carries the cookies). An UNAUTHENTICATED error, or a websocket
 * closed with 4401/4403, renews the session once and retries; when that
 * fails, onSessionExpired is called. A query refused by the rate limit
 * (THROTTLED) is retried after the wait the server names; one refused until
 * the user enrols in MFA calls onMfaEnrollmentRequired. The websocket's
 * state is tracked in `connection`; when it is live again after a loss,
 * the queries on screen are refetched (events of the gap were missed).
 */
export function createApolloClient(opts: ApolloOptions = {}): Stratum {
  const endpoints = () => graphqlEndpoints()
  const httpUri = opts.httpUri ?? endpoints().http
  const refresh = opts.refresh ?? createRefresher(httpUri, opts.fetch)
  const expired = () => opts.onSessionExpired?.()

  const http = new HttpLink({ uri: httpUri, credentials: 'same-origin', ...(opts.fetch ? { fetch: opts.fetch } : {}) })
  const withCsrf = new SetContextLink((prev) => ({
    headers: { ...(prev.headers as Record<string, string> | undefined), ...csrfHeaders() },
  }))
  const renewOnce = new ErrorLink(({ error, operation, forward }) => {
    if (!isUnauthenticated(error) || SESSION_OPERATIONS.has(operation.operationName ?? '')) return
    if (operation.getContext()['renewed']) return
    return from(refresh()).pipe(
      mergeMap((ok) => {
        if (!ok) {
          expired()
          throw error
        }
        operation.setContext({ renewed: true })
        return forward(operation)
      }),
    )
  })

  const noticeEnrollment = new ErrorLink(({ error }) => {
    if (needsMfaEnrollment(error)) opts.onMfaEnrollmentRequired?.()
  })

  // Queries only: a retried mutation could apply twice.
  const waitOutThrottle = new ErrorLink(({ error, operation, forward }) => {
    const wait = throttleDelay(error)
    const tries = (operation.getContext()['throttleRetries'] as number | undefined) ?? 0
    if (wait === null || wait > THROTTLE_MAX_WAIT_SECONDS || tries >= THROTTLE_RETRIES) return
    if (operation.operationType !== OperationTypeNode.QUERY) return
    operation.setContext({ throttleRetries: tries + 1 })
    return timer(wait * 1000).pipe(mergeMap(() => forward(operation)))
  })

  const connection = opts.connection ?? createConnection()
  const renewal = createSocketRenewal(refresh, expired, connection.retryWait)
  const wsClient = createClient({
    url: opts.wsUrl ?? endpoints().ws,
    ...(opts.webSocketImpl ? { webSocketImpl: opts.webSocketImpl } : {}),
    lazy: true,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: renewal.retryWait,
    // Pings reveal a socket that died without a close (a network that
    // dropped); the connection terminates it when no pong comes back.
    keepAlive: KEEP_ALIVE_MS,
    on: {
      ...connection.events,
      closed: (event) => {
        renewal.closed(event)
        connection.events.closed(event)
      },
    },
  })
  connection.attach(wsClient)

  const link = ApolloLink.split(
    ({ query }) => isSubscriptionOperation(query),
    new GraphQLWsLink(wsClient),
    ApolloLink.from([noticeEnrollment, renewOnce, waitOutThrottle, withCsrf, http]),
  )

  const client = new ApolloClient({ link, cache: createCache() })
  connection.onReconnected(() => {
    void client.refetchQueries({ include: 'active' }).catch(() => {
      // a failed refetch leaves the data on screen; the next event or visit reloads it
    })
  })
  return { client, wsClient, connection, refresh, reconnect: connection.restart }
}

/** The cache: connections merge their pages, so "Load more" appends. */
function createCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      ...trustTypePolicies,
      // The signed-in viewer has no id: queries that read different parts
      // of it (the session, features, usage) merge into one object.
      Viewer: { merge: true },
      // The RFM report has no id either: the grid and a cell's members
      // (cells(segment:)) read different parts of it.
      RfmReport: { merge: true },
      // A profile's timeline: "Load more" appends its next page of events.
      Profile: { fields: { events: relayStylePagination(['type', 'name']) } },
      // A segment's members: "Load more" appends the next page.
      Segment: { fields: { members: relayStylePagination() } },
      Query: {
        fields: {
          members: relayStylePagination(),
          invites: relayStylePagination(),
          apiKeys: relayStylePagination(),
          sources: relayStylePagination(),
          traitDefinitions: relayStylePagination(),
          profiles: relayStylePagination(['filter']),
          funnels: relayStylePagination(),
          segments: relayStylePagination(),
          conversionDestinations: relayStylePagination(),
          // A destination's delivery log, one list per filter.
          deliveries: relayStylePagination(['destinationId', 'status', 'eventName']),
          audiences: relayStylePagination(['segmentId']),
          auditLog: relayStylePagination(['filter']),
          privacyRequests: relayStylePagination(['profileId']),
          ...trustQueryFields,
        },
      },
    },
  })
}
