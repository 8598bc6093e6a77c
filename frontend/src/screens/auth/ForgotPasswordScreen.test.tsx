import type { MockLink } from '@apollo/client/testing'
import { MockedProvider } from '@apollo/client/testing/react'
import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, Route, Routes } from 'react-router-dom'
import { describe, expect, it } from 'vitest'

import { RequestPasswordResetDocument } from '../../session/operations'
import { TestSession, testSession } from '../../test/session'
import ForgotPasswordScreen from './ForgotPasswordScreen'
import LoginScreen from './LoginScreen'

function requested(email: string, userErrors: { field: string[]; message: string }[] = []): MockLink.MockedResponse {
  return {
    request: { query: RequestPasswordResetDocument, variables: { input: { email } } },
    result: {
      data: {
        requestPasswordReset: {
          __typename: 'RequestPasswordResetPayload',
          success: userErrors.length === 0,
          userErrors: userErrors.map((e) => ({ __typename: 'UserError', code: 'BAD_USER_INPUT', ...e })),
        },
      },
    },
  }
}

function renderAt(path: string, mocks: MockLink.MockedResponse[]) {
  render(
    <MockedProvider mocks={mocks}>
      <TestSession value={testSession(null)}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route path="/login" element={<LoginScreen />} />
            <Route path="/forgot-password" element={<ForgotPasswordScreen />} />
          </Routes>
        </MemoryRouter>
      </TestSession>
    </MockedProvider>,
  )
}

async function ask(email: string) {
  const user = userEvent.setup()
  await user.type(screen.getByLabelText('Email'), email)
  await user.click(screen.getByRole('button', { name: 'Send reset link' }))
}

describe('ForgotPasswordScreen', () => {
  it('is reached from log-in by "Forgot password?"', async () => {
    renderAt('/login', [])
    await userEvent.setup().click(screen.getByRole('link', { name: 'Forgot password?' }))
    expect(await screen.findByRole('heading', { name: 'Reset your password' })).toBeInTheDocument()
  })

  it('says the same for any address: never whether it has an account', async () => {
    const said: string[] = []
    for (const email of ['known@example.com', 'unknown@example.com']) {
      renderAt('/forgot-password', [requested(email)])
      await ask(email)
      const status = await screen.findByRole('status')
      said.push(status.textContent!.replace(email, '<address>'))
      expect(screen.queryByRole('button', { name: 'Send reset link' })).toBeNull()
      document.body.innerHTML = ''
    }
    expect(said[0]).toBe(said[1])
    expect(said[0]).toBe(
      '✓If an account uses <address>, a link to reset its password is on its way there. It works once, for 30 minutes.',
    )
  })

  it('checks the address before sending, and shows the server’s field error', async () => {
    renderAt('/forgot-password', [
      requested('a@b', [{ field: ['input', 'email'], message: 'enter a valid email address' }]),
    ])
    await userEvent.setup().click(screen.getByRole('button', { name: 'Send reset link' }))
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription(/Enter a valid email address/)

    await ask('a@b')
    expect(await screen.findByText('enter a valid email address')).toBeInTheDocument()
    expect(screen.queryByRole('status')).toBeNull()
  })
})
