import { MockedProvider } from '@apollo/client/testing/react'
import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import { SERVER_TIME } from '../operations'
import { ServerTime } from './ServerTime'
import { Shell } from './Shell'

const time = '2026-01-02T03:04:05Z'
const tick = {
  request: { query: SERVER_TIME, variables: { intervalSeconds: 1 } },
  result: { data: { serverTime: time } },
}

describe('Shell', () => {
  it('names the product and links to GraphiQL', () => {
    render(
      <MockedProvider mocks={[tick]}>
        <Shell>
          <p>content</p>
        </Shell>
      </MockedProvider>,
    )
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Stratum')
    expect(screen.getByRole('link', { name: 'GraphiQL' })).toHaveAttribute('href', '/graphiql')
    expect(screen.getByText('content')).toBeInTheDocument()
  })
})

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
  })

  it('shows the error when the subscription fails', async () => {
    const failing = { ...tick, result: undefined, error: new Error('socket closed') }
    render(
      <MockedProvider mocks={[failing]}>
        <ServerTime />
      </MockedProvider>,
    )
    expect(await screen.findByText(/socket closed/)).toBeInTheDocument()
    expect(screen.getByTestId('server-time').parentElement).toHaveAttribute('data-state', 'error')
  })
})
