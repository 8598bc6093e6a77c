import { MockedProvider } from '@apollo/client/testing/react'
import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import { ServerTime } from './ServerTime'
import { ServerTimeDocument } from './serverTime'

const time = '2026-01-02T03:04:05Z'
const tick = {
  request: { query: ServerTimeDocument, variables: { intervalSeconds: 1 } },
  result: { data: { serverTime: time } },
}

describe('ServerTime', () => {
  it('shows the time pushed by the serverTime subscription', async () => {
    render(
      <MockedProvider mocks={[tick]}>
        <ServerTime />
      </MockedProvider>,
    )
    const el = screen.getByTestId('server-time')
    expect(el).toHaveTextContent('connecting')
    expect(await screen.findByText(new Date(time).toLocaleTimeString())).toBe(el)
    expect(el).toHaveAttribute('datetime', time)
    expect(el.parentElement).toHaveAttribute('data-state', 'live')
    expect(screen.getByText('Live')).toBeInTheDocument()
  })

  it('shows the error when the subscription fails', async () => {
    const failing = { ...tick, result: undefined, error: new Error('socket closed') }
    render(
      <MockedProvider mocks={[failing]}>
        <ServerTime />
      </MockedProvider>,
    )
    expect(await screen.findByText(/socket closed/)).toBeInTheDocument()
    expect(screen.getByText('Offline')).toBeInTheDocument()
    expect(screen.getByTestId('server-time').parentElement).toHaveAttribute('data-state', 'error')
  })
})
