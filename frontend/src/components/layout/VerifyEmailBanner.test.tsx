import type { MockLink } from '@apollo/client/testing'
import { MockedProvider } from '@apollo/client/testing/react'
import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'

import { ResendVerificationEmailDocument } from '../../session/operations'
import { VerifyEmailBanner } from './VerifyEmailBanner'

function resent(
  userErrors: { code: 'CONFLICT' | 'FEATURE_DISABLED'; message: string }[] = [],
): MockLink.MockedResponse {
  return {
    request: { query: ResendVerificationEmailDocument },
    result: {
      data: {
        resendVerificationEmail: {
          __typename: 'EmailVerificationPayload',
          success: userErrors.length === 0,
          userErrors: userErrors.map((e) => ({ __typename: 'UserError', field: null, ...e })),
        },
      },
    },
  }
}

function renderBanner(mocks: MockLink.MockedResponse[]) {
  render(
    <MockedProvider mocks={mocks}>
      <VerifyEmailBanner email="new@example.com" />
    </MockedProvider>,
  )
}

describe('VerifyEmailBanner', () => {
  it('asks to verify the address and sends the link again on request', async () => {
    renderBanner([resent()])
    const banner = screen.getByRole('region', { name: 'Verify your email address' })
    expect(banner).toHaveTextContent('Verify your email address: open the link we sent to new@example.com.')
    await userEvent.setup().click(screen.getByRole('button', { name: 'Send the link again' }))
    expect(await screen.findByText('A new link is on its way to new@example.com.')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Send the link again' })).toBeNull()
  })

  it('says why no link was sent', async () => {
    renderBanner([resent([{ code: 'FEATURE_DISABLED', message: 'e-mail is not configured on this server' }])])
    await userEvent.setup().click(screen.getByRole('button', { name: 'Send the link again' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('e-mail is not configured on this server')
  })
})
