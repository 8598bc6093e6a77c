// The live connection's real state, for the header and the "possibly stale"
// notice: fed by the graphql-ws client's events (connecting, connected,
// closed, ping/pong) and by the retry schedule it owns, so it knows when
// the next try is due.

/** What the dashboard knows about its websocket to the server. */
export type ConnectionState =
  /** The first connection (or one the app restarted, e.g. after log-in) is being made. */
  | { status: 'connecting' }
  /** Connected and acknowledged: events arrive as they happen. */
  | { status: 'live'; since: number }
  /**
   * The connection was lost at `lostAt` and no try to restore it has failed
   * yet; `nextTryAt` is when the next try starts (null while one is under way).
   */
  | { status: 'reconnecting'; lostAt: number; nextTryAt: number | null }
  /**
   * The server is not reachable: a try has failed. `since` is when the
   * connection was lost (or the first try failed); tries go on.
   */
  | { status: 'offline'; since: number; nextTryAt: number | null }

/** Waits this long for the server's pong before taking the socket for dead. */
export const PONG_TIMEOUT_MS = 5_000
/** The client pings after this long without a pong (the server pings too). */
export const KEEP_ALIVE_MS = 10_000
/** The longest wait between two tries. */
export const MAX_RETRY_WAIT_MS = 30_000

/**
 * The wait before retry number `retries` (0 for the first): 1 s, 2 s, 4 s…
 * up to 30 s, plus up to 1 s of jitter so that many dashboards do not
 * reconnect to a restarted server in the same instant.
 */
export function retryDelay(retries: number, random: () => number = Math.random): number {
  return Math.min(1000 * 2 ** retries, MAX_RETRY_WAIT_MS) + Math.floor(random() * 1000)
}

/** What of a graphql-ws client the connection needs: dropping a dead socket. */
export interface Terminable {
  terminate: () => void
}

export interface ConnectionOptions {
  /** The clock (epoch milliseconds); tests pass a fake one. */
  now?: () => number
  /** The jitter's random source, 0 ≤ x < 1. */
  random?: () => number
  pongTimeoutMs?: number
}

/** The connection's state and the graphql-ws hooks that feed it. */
export interface Connection {
  /** The current state (a new object on every change). */
  getState: () => ConnectionState
  /** Registers a listener for state changes; returns its removal. */
  subscribe: (listener: () => void) => () => void
  /**
   * Registers a listener for "live again after a loss": what changed while
   * the connection was down arrived as no event, so what is on screen must
   * be refetched. Returns its removal.
   */
  onReconnected: (listener: () => void) => () => void
  /** graphql-ws `on` listeners. */
  events: {
    connecting: (isRetry: boolean) => void
    connected: () => void
    closed: (event: unknown) => void
    ping: (received: boolean) => void
    pong: (received: boolean) => void
  }
  /** graphql-ws `retryWait`: waits out the schedule and says when the next try is. */
  retryWait: (retries: number) => Promise<void>
  /** Gives the connection the client it may terminate (a socket that stopped answering pings). */
  attach: (client: Terminable) => void
  /**
   * Drops the socket on purpose so that it reconnects at once (the session
   * changed): shown as connecting, not as a loss.
   */
  restart: () => void
}

/** A connection store; wire its `events` and `retryWait` into graphql-ws's createClient. */
export function createConnection({
  now = Date.now,
  random = Math.random,
  pongTimeoutMs = PONG_TIMEOUT_MS,
}: ConnectionOptions = {}): Connection {
  let state: ConnectionState = { status: 'connecting' }
  const listeners = new Set<() => void>()
  const reconnected = new Set<() => void>()
  let client: Terminable | null = null
  // The close being handled was asked for by restart(): not a loss.
  let restarting = false
  // The retry after a restart starts without waiting.
  let immediate = false
  let pongTimer: ReturnType<typeof setTimeout> | undefined

  const set = (next: ConnectionState) => {
    state = next
    listeners.forEach((l) => l())
  }
  return {
    getState: () => state,
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    onReconnected: (listener) => {
      reconnected.add(listener)
      return () => reconnected.delete(listener)
    },
    events: {
      connecting: (isRetry) => {
        immediate = false
        if (state.status !== 'reconnecting' && state.status !== 'offline') return
        // A first connect after the socket was closed for want of
        // subscriptions starts afresh; a retry is under way now.
        set(isRetry ? { ...state, nextTryAt: null } : { status: 'connecting' })
      },
      connected: () => {
        const recovered = state.status === 'reconnecting' || state.status === 'offline'
        set({ status: 'live', since: now() })
        if (recovered) reconnected.forEach((l) => l())
      },
      closed: () => {
        clearTimeout(pongTimer)
        if (restarting) {
          immediate = true
          set({ status: 'connecting' })
          return
        }
        switch (state.status) {
          case 'live':
            set({ status: 'reconnecting', lostAt: now(), nextTryAt: null })
            break
          case 'reconnecting':
            set({ status: 'offline', since: state.lostAt, nextTryAt: null })
            break
          case 'connecting':
            set({ status: 'offline', since: now(), nextTryAt: null })
            break
          case 'offline':
            if (state.nextTryAt !== null) set({ ...state, nextTryAt: null })
            break
        }
      },
      ping: (received) => {
        if (received) return
        clearTimeout(pongTimer)
        pongTimer = setTimeout(() => client?.terminate(), pongTimeoutMs)
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer)
      },
    },
    retryWait: (retries) => {
      const delay = immediate ? 0 : retryDelay(retries, random)
      immediate = false
      if (state.status === 'reconnecting' || state.status === 'offline') set({ ...state, nextTryAt: now() + delay })
      return new Promise((resolve) => setTimeout(resolve, delay))
    },
    attach: (c) => {
      client = c
    },
    restart: () => {
      // terminate() reports the close synchronously when there is a socket.
      restarting = true
      try {
        client?.terminate()
      } finally {
        restarting = false
      }
    },
  }
}
