import type { MockLink } from '@apollo/client/testing'
import { MockedProvider } from '@apollo/client/testing/react'
import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import { UsageDocument } from './operations'
import { SeatUsage, seatMessage } from './SeatUsage'

const seats = { used: 2, max: 3, warning: false, plan: 'starter', raisedBy: 'professional' }

describe('seatMessage', () => {
  it('counts the seats, and from 80 % names the plan that raises the limit', () => {
    expect(seatMessage(seats)).toBe(
      '2 of 3 member seats taken on the Starter plan (pending invitations hold a seat each).',
    )
    expect(seatMessage({ ...seats, used: 3, warning: true })).toBe(
      '3 of 3 member seats taken on the Starter plan (pending invitations hold a seat each).' +
        ' New invitations are refused until a seat is free. Professional raises the limit.',
    )
    expect(
      seatMessage({ ...seats, used: 16, max: 20, warning: true, plan: 'professional', raisedBy: 'enterprise' }),
    ).toBe(
      '16 of 20 member seats taken on the Professional plan (pending invitations hold a seat each). Enterprise raises the limit.',
    )
    expect(seatMessage({ ...seats, used: 500, max: 500, warning: true, plan: 'enterprise', raisedBy: null })).toBe(
      '500 of 500 member seats taken on the Enterprise plan (pending invitations hold a seat each).' +
        ' New invitations are refused until a seat is free.',
    )
  })
})

function usage(used: number, warning: boolean): MockLink.MockedResponse {
  const limit = (l: string, u: number, max: number, w: boolean) => ({
    __typename: 'UsageLimit',
    limit: l,
    unit: l,
    used: u,
    max,
    warning: w,
    plan: 'starter',
    raisedBy: 'professional',
  })
  return {
    request: { query: UsageDocument },
    result: {
      data: {
        viewer: {
          __typename: 'Viewer',
          tenant: {
            __typename: 'Tenant',
            id: 'VGVuYW50OjE',
            usage: [limit('segments', 5, 5, true), limit('members', used, 3, warning)],
          },
        },
      },
    },
  }
}

describe('SeatUsage', () => {
  it('warns with the members limit, not another limit', async () => {
    render(
      <MockedProvider mocks={[usage(3, true)]}>
        <SeatUsage />
      </MockedProvider>,
    )
    expect(await screen.findByRole('status')).toHaveTextContent('3 of 3 member seats taken')
  })

  it('states the count quietly below the soft limit', async () => {
    render(
      <MockedProvider mocks={[usage(1, false)]}>
        <SeatUsage />
      </MockedProvider>,
    )
    expect(await screen.findByText(/1 of 3 member seats taken/)).toBeInTheDocument()
    expect(screen.queryByRole('status')).toBeNull()
  })
})
