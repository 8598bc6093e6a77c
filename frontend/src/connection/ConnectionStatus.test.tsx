import { act, render, screen, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { formatTimeOfDay } from '../lib/format'
import { createConnection, type Connection } from './connection'
import { ConnectionProvider } from './ConnectionProvider'
import { ConnectionStatus } from './ConnectionStatus'
import { StaleDataNotice } from './StaleDataNotice'

const T0 = new Date(2026, 0, 2, 14, 3, 20).getTime()
const hhmm = formatTimeOfDay(new Date(T0).toISOString())

function renderStatus(): Connection {
  const connection = createConnection({ random: () => 0 })
  render(
    <ConnectionProvider connection={connection}>
      <ConnectionStatus />
      <StaleDataNotice />
    </ConnectionProvider>,
  )
  return connection
}

const status = () => screen.getByTestId('connection-status')
const headline = () => within(status()).getByRole('status')

describe('ConnectionStatus', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(T0)
  })
  afterEach(() => vi.useRealTimers())

  it('says Connecting… until the server acknowledges, then Live', () => {
    const c = renderStatus()
    expect(headline()).toHaveTextContent(/^Connecting…$/)
    expect(status()).toHaveAttribute('data-state', 'connecting')
    act(() => c.events.connected())
    expect(headline()).toHaveTextContent(/^Live$/)
    expect(status()).toHaveAttribute('data-state', 'live')
    expect(screen.queryByTestId('stale-data')).toBeNull()
  })

  it('counts down to the next try while reconnecting, then says since when it is offline', async () => {
    const c = renderStatus()
    act(() => c.events.connected())
    act(() => c.events.closed({ code: 1001, reason: 'going away' }))
    expect(headline()).toHaveTextContent(/^Reconnecting$/)
    expect(status()).toHaveTextContent('Reconnecting…')

    let tried: Promise<void> = Promise.resolve()
    act(() => void (tried = c.retryWait(2))) // 4 s
    expect(status()).toHaveTextContent('Reconnecting (next try in 4s)')
    await act(async () => vi.advanceTimersByTimeAsync(1_000))
    expect(status()).toHaveTextContent('Reconnecting (next try in 3s)')
    await act(async () => {
      await vi.advanceTimersByTimeAsync(3_000)
      await tried
    })
    act(() => c.events.connecting(true))
    expect(status()).toHaveTextContent('Reconnecting…')

    act(() => c.events.closed({ code: 1006, reason: '' }))
    expect(headline()).toHaveTextContent(new RegExp(`^Offline since ${hhmm}$`))
    expect(status()).toHaveAttribute('data-state', 'offline')
    expect(status()).toHaveTextContent('trying now')
    act(() => void c.retryWait(3)) // 8 s
    expect(status()).toHaveTextContent(`Offline since ${hhmm} · next try in 8s`)
  })

  it('marks the data as possibly stale while not live, and drops the mark when live again', () => {
    const c = renderStatus()
    act(() => c.events.connected())
    expect(screen.queryByTestId('stale-data')).toBeNull()
    act(() => c.events.closed({ code: 1006, reason: '' }))
    expect(screen.getByTestId('stale-data')).toHaveTextContent(
      `Possibly out of date: the live connection to Stratum was lost at ${hhmm}`,
    )
    act(() => c.events.closed({ code: 1006, reason: '' }))
    expect(screen.getByTestId('stale-data')).toHaveTextContent(`lost at ${hhmm}`)
    act(() => c.events.connected())
    expect(headline()).toHaveTextContent(/^Live$/)
    expect(screen.queryByTestId('stale-data')).toBeNull()
  })

  it('keeps to a dot and a word on a phone, the whole headline still read out', () => {
    const c = renderStatus()
    act(() => c.events.connected())
    act(() => c.events.closed({ code: 1001, reason: 'going away' }))
    expect(headline()).toHaveTextContent(/^Reconnecting$/)
    act(() => c.events.closed({ code: 1006, reason: '' }))
    expect(headline()).toHaveTextContent(new RegExp(`^Offline since ${hhmm}$`))
    // Below `sm` only "Offline" shows; the time stays for screen readers
    // (and the trust screens' stale-data notice says it).
    expect(within(headline()).getByText(`since ${hhmm}`)).toHaveClass('max-sm:sr-only')
    expect(within(status()).getByText(/trying now/)).toHaveClass('hidden', 'sm:inline')
  })
})
