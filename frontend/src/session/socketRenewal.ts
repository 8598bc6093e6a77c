import type { Refresher } from './refresh'

// Close codes of the server's websocket auth checks: 4401 a credential it
// refuses, 4403 a session that expired or was revoked while open.
const AUTH_CLOSE_CODES = new Set([4401, 4403])

/** graphql-ws hooks that renew the session when the server closes the socket for auth reasons. */
export interface SocketRenewal {
  /** The `on.closed` listener: starts one renewal after an auth close. */
  closed: (event: unknown) => void
  /** The `retryWait` option: waits for a renewal in progress, otherwise backs off. */
  retryWait: (retries: number) => Promise<void>
}

/** Exponential back-off with jitter, capped at 30 s. */
export function backoff(retries: number): Promise<void> {
  const ms = Math.min(1000 * 2 ** retries, 30_000) + Math.random() * 1000
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Renews the session after an auth close so the reconnect (which graphql-ws
 * makes after 4403) carries the new cookies; when renewal fails the session
 * is over and `expired` is called.
 */
export function createSocketRenewal(refresh: Refresher, expired: () => void, wait = backoff): SocketRenewal {
  let renewal: Promise<void> | null = null
  return {
    closed: (event) => {
      const code = (event as { code?: unknown } | null | undefined)?.code
      if (typeof code !== 'number' || !AUTH_CLOSE_CODES.has(code) || renewal) return
      renewal = refresh()
        .then((ok) => {
          if (!ok) expired()
        })
        .finally(() => {
          renewal = null
        })
    },
    retryWait: (retries) => renewal ?? wait(retries),
  }
}
