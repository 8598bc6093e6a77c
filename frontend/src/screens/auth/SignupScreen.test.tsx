import { MockedProvider } from '@apollo/client/testing/react'
import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { describe, expect, it } from 'vitest'

import { TestSession, testSession } from '../../test/session'
import { passwordProblem } from './passwordRule'
import SignupScreen from './SignupScreen'

function renderSignup() {
  render(
    <MockedProvider>
      <TestSession value={testSession(null)}>
        <MemoryRouter initialEntries={['/signup']}>
          <SignupScreen />
        </MemoryRouter>
      </TestSession>
    </MockedProvider>,
  )
  return userEvent.setup()
}

describe('the password rule of a new account', () => {
  it('states every part of the rule the server applies, in a sentence', () => {
    renderSignup()
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(
      'At least 10 characters, not a commonly used password, and without the part of your email address before the @.',
    )
  })

  it('says in a sentence which part a password breaks, before sending it', async () => {
    const user = renderSignup()
    await user.type(screen.getByLabelText('Organisation name'), 'Acme')
    await user.type(screen.getByLabelText('Work email'), 'Alice@acme.test')
    await user.type(screen.getByLabelText('Password'), 'alice-in-wonderland')
    await user.click(screen.getByRole('button', { name: 'Create account' }))
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(
      /^The password must not contain "alice", the part of your email address before the @/,
    )
  })

  it('counts characters as the server does, and passes what the server would pass', () => {
    expect(passwordProblem('🙂🙂🙂🙂🙂', 'x@y.test')).toBe('Use at least 10 characters') // 10 UTF-16 units, 5 characters
    expect(passwordProblem('correct horse battery', 'alice@y.test')).toBeNull()
    expect(passwordProblem('bob-the-builder-7', 'bob@y.test')).toBeNull() // "bob" is too short to count
    expect(passwordProblem('xx-ALICE-xx-yy', ' Alice@y.test')).toMatch(/^The password must not contain "alice"/)
  })
})
