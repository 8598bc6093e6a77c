import type { MockLink } from '@apollo/client/testing'
import { MockedProvider } from '@apollo/client/testing/react'
import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, Route, Routes } from 'react-router-dom'
import { describe, expect, it } from 'vitest'

import { LogInDocument, VerifyMfaDocument } from '../../session/operations'
import { TestSession, testSession, testViewer } from '../../test/session'
import LoginScreen from './LoginScreen'
import MfaChallengeScreen from './MfaChallengeScreen'

const input = { email: 'ada@example.com', password: 'correct horse battery' }
const viewer = { __typename: 'Viewer' as const, ...testViewer() }
const userError = (field: string[] | null, message: string, code: 'UNAUTHENTICATED' | 'BAD_USER_INPUT') => ({
  __typename: 'UserError' as const,
  field,
  message,
  code,
})

function logIn(result: {
  mfaRequired: boolean
  challengeToken: string | null
  viewer: typeof viewer | null
  userErrors: ReturnType<typeof userError>[]
}): MockLink.MockedResponse {
  return {
    request: { query: LogInDocument, variables: { input } },
    result: { data: { logIn: { __typename: 'AuthPayload', ...result } } },
  }
}

function renderLogin(mocks: MockLink.MockedResponse[], session = testSession(null)) {
  render(
    <MockedProvider mocks={mocks}>
      <TestSession value={session}>
        <MemoryRouter initialEntries={['/login']}>
          <Routes>
            <Route path="/login" element={<LoginScreen />} />
            <Route path="/mfa" element={<MfaChallengeScreen />} />
          </Routes>
        </MemoryRouter>
      </TestSession>
    </MockedProvider>,
  )
  return session
}

async function submitCredentials() {
  const user = userEvent.setup()
  await user.type(screen.getByLabelText('Email'), input.email)
  await user.type(screen.getByLabelText('Password'), input.password)
  await user.click(screen.getByRole('button', { name: 'Sign in' }))
  return user
}

describe('LoginScreen', () => {
  it('says which fields are missing without calling the API', async () => {
    renderLogin([])
    await userEvent.setup().click(screen.getByRole('button', { name: 'Sign in' }))
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription(/Enter your email/)
    expect(screen.getByLabelText('Password')).toHaveAttribute('aria-invalid', 'true')
  })

  it('shows a wrong password as a form error and a bad email on its field', async () => {
    renderLogin([
      logIn({
        mfaRequired: false,
        challengeToken: null,
        viewer: null,
        userErrors: [
          userError(null, 'Wrong email or password', 'UNAUTHENTICATED'),
          userError(['input', 'email'], 'Unknown domain', 'BAD_USER_INPUT'),
        ],
      }),
    ])
    await submitCredentials()
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong email or password')
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription(/Unknown domain/)
  })

  it('adopts the session when no second factor is needed', async () => {
    const session = renderLogin([logIn({ mfaRequired: false, challengeToken: null, viewer, userErrors: [] })])
    await submitCredentials()
    await waitFor(() => expect(session.establish).toHaveBeenCalledOnce())
  })

  it('goes through the MFA challenge with the challenge token, by TOTP or backup code', async () => {
    const session = renderLogin([
      logIn({ mfaRequired: true, challengeToken: 'chal-1', viewer: null, userErrors: [] }),
      {
        request: { query: VerifyMfaDocument, variables: { input: { challengeToken: 'chal-1', code: '000000' } } },
        result: {
          data: {
            verifyMfa: {
              __typename: 'AuthPayload',
              mfaRequired: false,
              challengeToken: null,
              viewer: null,
              userErrors: [userError(['input', 'code'], 'That code is not right', 'BAD_USER_INPUT')],
            },
          },
        },
      },
      {
        request: { query: VerifyMfaDocument, variables: { input: { challengeToken: 'chal-1', code: 'abcde-fghij' } } },
        result: {
          data: {
            verifyMfa: { __typename: 'AuthPayload', mfaRequired: false, challengeToken: null, viewer, userErrors: [] },
          },
        },
      },
    ])
    const user = await submitCredentials()
    expect(await screen.findByRole('heading', { name: 'Two-factor authentication' })).toBeInTheDocument()
    expect(screen.getByText(/Signing in as ada@example.com/)).toBeInTheDocument()

    await user.type(screen.getByLabelText('Authentication code'), '000000')
    await user.click(screen.getByRole('button', { name: 'Verify' }))
    expect(await screen.findByText('That code is not right')).toBeInTheDocument()

    await user.click(screen.getByRole('button', { name: 'Use a backup code instead' }))
    await user.type(screen.getByLabelText('Backup code'), 'abcde-fghij')
    await user.click(screen.getByRole('button', { name: 'Verify' }))
    await waitFor(() => expect(session.establish).toHaveBeenCalledOnce())
  })

  it('shows why the last session ended', () => {
    renderLogin([], testSession(null, { notice: 'Your session expired, sign in again.' }))
    expect(screen.getByRole('status')).toHaveTextContent('Your session expired, sign in again.')
  })
})
