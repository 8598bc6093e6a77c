import { print } from 'graphql'

import type { RefreshSessionMutation } from '../gql/graphql'
import { csrfHeaders, csrfToken } from './cookies'
import { RefreshSessionDocument } from './operations'

/** Renews the session; resolves true when a new session was issued. */
export type Refresher = () => Promise<boolean>

const LOCK_NAME = 'stratum.refresh-session'
const query = print(RefreshSessionDocument)

/**
 * Returns a function that renews the session with the httpOnly refresh
 * cookie. A refresh token works once and presenting a used one revokes the
 * whole session, so refreshes must never race: concurrent callers in one tab
 * share one request, and tabs take turns through a Web Lock. A tab that
 * waited for the lock and finds a new CSRF cookie knows another tab already
 * renewed the (shared) cookies and does not refresh again.
 */
export function createRefresher(httpUri: string, fetchImpl: typeof fetch = (...a) => fetch(...a)): Refresher {
  let inflight: Promise<boolean> | null = null
  return () => {
    if (inflight) return inflight
    const seen = csrfToken()
    inflight = withLock(async () => {
      const now = csrfToken()
      if (now && now !== seen) return true
      return refreshOnce(httpUri, fetchImpl)
    }).finally(() => {
      inflight = null
    })
    return inflight
  }
}

async function refreshOnce(httpUri: string, fetchImpl: typeof fetch): Promise<boolean> {
  try {
    const res = await fetchImpl(httpUri, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...csrfHeaders() },
      body: JSON.stringify({ operationName: 'RefreshSession', query }),
    })
    if (!res.ok) return false
    const body = (await res.json()) as { data?: RefreshSessionMutation | null }
    return Boolean(body.data?.refreshSession.accessToken)
  } catch {
    return false // offline or the server is down: treat as not renewed
  }
}

async function withLock(fn: () => Promise<boolean>): Promise<boolean> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  return locks ? await locks.request(LOCK_NAME, fn) : fn()
}
