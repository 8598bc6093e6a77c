import type { MockLink } from '@apollo/client/testing'
import { MockedProvider } from '@apollo/client/testing/react'
import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, Route, Routes } from 'react-router-dom'
import { describe, expect, it } from 'vitest'

import { ResetPasswordDocument } from '../../session/operations'
import type { SessionApi } from '../../session/SessionProvider'
import { TestSession, testSession } from '../../test/session'
import LoginScreen from './LoginScreen'
import ResetPasswordScreen, { PASSWORD_CHANGED } from './ResetPasswordScreen'

const TOKEN = 'abc234def'
const GOOD = 'a brand new passphrase'

function reset(userErrors: { field: string[]; message: string }[] = []): MockLink.MockedResponse {
  return {
    request: { query: ResetPasswordDocument, variables: { input: { token: TOKEN, newPassword: GOOD } } },
    result: {
      data: {
        resetPassword: {
          __typename: 'ResetPasswordPayload',
          success: userErrors.length === 0,
          userErrors: userErrors.map((e) => ({ __typename: 'UserError', code: 'BAD_USER_INPUT', ...e })),
        },
      },
    },
  }
}

function renderAt(path: string, mocks: MockLink.MockedResponse[], session: SessionApi = testSession(null)) {
  render(
    <MockedProvider mocks={mocks}>
      <TestSession value={session}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route path="/login" element={<LoginScreen />} />
            <Route path="/reset-password" element={<ResetPasswordScreen />} />
          </Routes>
        </MemoryRouter>
      </TestSession>
    </MockedProvider>,
  )
  return session
}

async function choose(password: string) {
  const user = userEvent.setup()
  await user.type(screen.getByLabelText('New password'), password)
  await user.click(screen.getByRole('button', { name: 'Save new password' }))
}

describe('ResetPasswordScreen', () => {
  it('sets the password with the link’s token and lands on log-in, which says so', async () => {
    renderAt(`/reset-password#token=${TOKEN}`, [reset()])
    await choose(GOOD)
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument()
    expect(screen.getByRole('status')).toHaveTextContent(PASSWORD_CHANGED)
  })

  it('signs this browser out too when it had a session', async () => {
    const session = renderAt(`/reset-password?token=${TOKEN}`, [reset()], testSession())
    await choose(GOOD)
    await waitFor(() => expect(session.signOut).toHaveBeenCalledOnce())
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument()
  })

  it('refuses a short password before sending, and shows the server’s rule on the field', async () => {
    renderAt(`/reset-password#token=${TOKEN}`, [
      reset([{ field: ['input', 'newPassword'], message: 'This password is on a list of commonly used passwords' }]),
    ])
    await choose('short')
    expect(screen.getByLabelText('New password')).toHaveAccessibleDescription(/Use at least 10 characters/)

    await userEvent.setup().clear(screen.getByLabelText('New password'))
    await choose(GOOD)
    expect(await screen.findByText('This password is on a list of commonly used passwords')).toBeInTheDocument()
    expect(screen.queryByRole('heading', { name: 'Sign in' })).toBeNull()
  })

  it('says when the link is used or expired, and offers a new one', async () => {
    renderAt(`/reset-password#token=${TOKEN}`, [
      reset([{ field: ['input', 'token'], message: 'This password reset link is invalid, expired or already used' }]),
    ])
    await choose(GOOD)
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'This password reset link is invalid, expired or already used',
    )
    expect(screen.getByRole('link', { name: 'Ask for a new link' })).toHaveAttribute('href', '/forgot-password')
  })

  it('says when the link has no token', () => {
    renderAt('/reset-password', [])
    expect(screen.getByRole('heading', { name: 'Reset link incomplete' })).toBeInTheDocument()
  })
})
