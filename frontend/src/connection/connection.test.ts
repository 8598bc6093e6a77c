import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { createConnection, MAX_RETRY_WAIT_MS, retryDelay } from './connection'

const T0 = Date.UTC(2026, 0, 2, 14, 3, 0)

function setup() {
  let clock = T0
  const connection = createConnection({ now: () => clock, random: () => 0.5, pongTimeoutMs: 5_000 })
  const terminate = vi.fn(() => connection.events.closed({ code: 4499, reason: 'Terminated' }))
  connection.attach({ terminate })
  const reconnected = vi.fn()
  connection.onReconnected(reconnected)
  const advance = (ms: number) => {
    clock += ms
    vi.advanceTimersByTime(ms)
  }
  /** A retry as graphql-ws makes it: waits, then says it is connecting. */
  const retry = async (retries: number) => {
    let waited = false
    const wait = connection.retryWait(retries).then(() => (waited = true))
    return {
      nextTryAt: () => connection.getState() as { nextTryAt: number | null },
      elapse: async () => {
        advance(retryDelay(retries, () => 0.5))
        await wait
        expect(waited).toBe(true)
        connection.events.connecting(true)
      },
    }
  }
  return { connection, terminate, reconnected, advance, retry, ev: connection.events }
}

describe('connection state', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('starts connecting and is live once the server acknowledges', () => {
    const { connection, ev, reconnected } = setup()
    expect(connection.getState()).toEqual({ status: 'connecting' })
    ev.connecting(false)
    expect(connection.getState()).toEqual({ status: 'connecting' })
    ev.connected()
    expect(connection.getState()).toEqual({ status: 'live', since: T0 })
    expect(reconnected).not.toHaveBeenCalled()
  })

  it('goes live → reconnecting (with the next try) → offline since the loss → live, and says it recovered', async () => {
    const { connection, ev, advance, retry, reconnected } = setup()
    ev.connecting(false)
    ev.connected()
    advance(60_000)
    const lostAt = T0 + 60_000
    ev.closed({ code: 1001, reason: 'going away' })
    expect(connection.getState()).toEqual({ status: 'reconnecting', lostAt, nextTryAt: null })

    const first = await retry(0)
    expect(connection.getState()).toEqual({ status: 'reconnecting', lostAt, nextTryAt: lostAt + 1_500 })
    await first.elapse()
    expect(connection.getState()).toEqual({ status: 'reconnecting', lostAt, nextTryAt: null })
    ev.closed({ code: 1006, reason: '' }) // the server is not there: the try failed
    expect(connection.getState()).toEqual({ status: 'offline', since: lostAt, nextTryAt: null })

    const second = await retry(1)
    expect(connection.getState()).toEqual({ status: 'offline', since: lostAt, nextTryAt: lostAt + 1_500 + 2_500 })
    await second.elapse()
    ev.closed({ code: 1006, reason: '' })
    expect(connection.getState()).toMatchObject({ status: 'offline', since: lostAt })
    expect(reconnected).not.toHaveBeenCalled()

    const third = await retry(2)
    await third.elapse()
    ev.connected()
    expect(connection.getState()).toEqual({ status: 'live', since: lostAt + 1_500 + 2_500 + 4_500 })
    expect(reconnected).toHaveBeenCalledOnce()
  })

  it('is offline at once when the very first connection fails', () => {
    const { connection, ev } = setup()
    ev.connecting(false)
    ev.closed({ code: 1006, reason: '' })
    expect(connection.getState()).toEqual({ status: 'offline', since: T0, nextTryAt: null })
  })

  it('treats a restart (new session) as connecting, retries at once and does not count it as a recovery', async () => {
    const { connection, ev, terminate, reconnected } = setup()
    ev.connected()
    connection.restart()
    expect(terminate).toHaveBeenCalledOnce()
    expect(connection.getState()).toEqual({ status: 'connecting' })
    let waited = false
    const wait = connection.retryWait(0).then(() => (waited = true))
    vi.advanceTimersByTime(0)
    await wait
    expect(waited).toBe(true)
    ev.connecting(true)
    ev.connected()
    expect(connection.getState()).toMatchObject({ status: 'live' })
    expect(reconnected).not.toHaveBeenCalled()

    // A later, real loss is a loss again (the restart mark did not linger).
    ev.closed({ code: 1006, reason: '' })
    expect(connection.getState()).toMatchObject({ status: 'reconnecting' })
  })

  it('a restart with no socket open leaves no mark: the next close is a loss', () => {
    const connection = createConnection({ now: () => T0 })
    connection.attach({ terminate: () => {} }) // graphql-ws reports nothing without a socket
    connection.restart()
    connection.events.connecting(false)
    connection.events.connected()
    connection.events.closed({ code: 1006, reason: '' })
    expect(connection.getState()).toEqual({ status: 'reconnecting', lostAt: T0, nextTryAt: null })
  })

  it('drops a socket that stops answering pings, and keeps one that answers', () => {
    const { connection, ev, terminate, advance } = setup()
    ev.connected()
    ev.ping(false)
    advance(4_999)
    ev.pong(true)
    advance(10_000)
    expect(terminate).not.toHaveBeenCalled()
    expect(connection.getState()).toMatchObject({ status: 'live' })

    ev.ping(true) // the server's ping: no pong is owed to us
    advance(10_000)
    expect(terminate).not.toHaveBeenCalled()

    ev.ping(false)
    advance(5_000)
    expect(terminate).toHaveBeenCalledOnce()
    expect(connection.getState()).toMatchObject({ status: 'reconnecting', lostAt: T0 + 29_999 })
  })

  it('starts afresh when a socket closed for want of subscriptions is opened again', () => {
    const { connection, ev, reconnected } = setup()
    ev.connected()
    ev.closed({ code: 1000, reason: 'Normal Closure' })
    ev.connecting(false)
    expect(connection.getState()).toEqual({ status: 'connecting' })
    ev.connected()
    expect(reconnected).not.toHaveBeenCalled()
  })
})

describe('retryDelay', () => {
  it('doubles from 1 s to at most 30 s, plus up to 1 s of jitter', () => {
    const none = () => 0
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((r) => retryDelay(r, none))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ])
    expect(retryDelay(0, () => 0.999)).toBe(1_999)
    expect(retryDelay(30, () => 0.999)).toBeLessThan(MAX_RETRY_WAIT_MS + 1_000)
  })
})
