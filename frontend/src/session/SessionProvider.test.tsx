import type { MockLink } from '@apollo/client/testing'
import { MockedProvider } from '@apollo/client/testing/react'
import { act, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { testViewer } from '../test/session'
import { createSignal } from './signal'
import { ViewerDocument } from './operations'
import { SESSION_EXPIRED, SessionProvider, useSession } from './SessionProvider'

const viewer = {
  __typename: 'Viewer',
  ...testViewer('ADMIN'),
  user: { __typename: 'User', id: 'VXNlcjox', email: 'owner@example.com', mfaEnabled: false, emailVerified: true },
  tenant: { __typename: 'Tenant', id: 'VGVuYW50OjE', name: 'Acme', requireMfa: false, simulated: false },
  memberships: [
    { __typename: 'Membership', role: 'ADMIN', tenant: { __typename: 'Tenant', id: 'VGVuYW50OjE', name: 'Acme' } },
  ],
}
const answer = (v: typeof viewer | null): MockLink.MockedResponse => ({
  request: { query: ViewerDocument },
  result: { data: { viewer: v } },
})

function Who() {
  const { viewer, notice, can } = useSession()
  return (
    <p>
      {viewer ? `${viewer.user?.email} admin:${can('ADMIN')} owner:${can('OWNER')}` : 'signed out'}
      {viewer?.mfaEnrollmentRequired && ' must enrol'}
      {notice && ` (${notice})`}
    </p>
  )
}

function renderSession(mocks: MockLink.MockedResponse[], refresh = vi.fn(async () => true)) {
  const connection = { refresh, reconnect: vi.fn() }
  const expiry = createSignal()
  const enrollment = createSignal()
  render(
    <MockedProvider mocks={mocks}>
      <SessionProvider
        connection={connection}
        onExpired={expiry.subscribe}
        onMfaEnrollmentRequired={enrollment.subscribe}
      >
        <Who />
      </SessionProvider>
    </MockedProvider>,
  )
  return { connection, expiry, enrollment }
}

describe('SessionProvider', () => {
  afterEach(() => {
    document.cookie = 'stratum_csrf=; max-age=0'
  })

  it('loads the viewer and answers role questions', async () => {
    const { connection } = renderSession([answer(viewer)])
    expect(screen.getByRole('status')).toHaveTextContent('Loading Stratum')
    expect(await screen.findByText('owner@example.com admin:true owner:false')).toBeInTheDocument()
    expect(connection.refresh).not.toHaveBeenCalled()
  })

  it('is signed out without a session, and does not try to renew one', async () => {
    const { connection } = renderSession([answer(null)])
    expect(await screen.findByText('signed out')).toBeInTheDocument()
    expect(connection.refresh).not.toHaveBeenCalled()
  })

  it('renews a lapsed session (CSRF cookie, no viewer) before showing anything', async () => {
    document.cookie = 'stratum_csrf=abc'
    const { connection } = renderSession([answer(null), answer(viewer)])
    expect(await screen.findByText(/owner@example.com/)).toBeInTheDocument()
    expect(connection.refresh).toHaveBeenCalledOnce()
  })

  it('says the session expired when renewal fails', async () => {
    document.cookie = 'stratum_csrf=abc'
    renderSession(
      [answer(null)],
      vi.fn(async () => false),
    )
    expect(await screen.findByText(`signed out (${SESSION_EXPIRED})`)).toBeInTheDocument()
  })

  it('signs out when the links report an expired session', async () => {
    const { connection, expiry } = renderSession([answer(viewer), answer(null)])
    await screen.findByText(/owner@example.com/)
    act(() => expiry.emit())
    expect(await screen.findByText(`signed out (${SESSION_EXPIRED})`)).toBeInTheDocument()
    expect(connection.reconnect).toHaveBeenCalledOnce()
  })

  it('reloads the viewer when the server asks for MFA enrolment first', async () => {
    const { enrollment } = renderSession([answer(viewer), answer({ ...viewer, mfaEnrollmentRequired: true })])
    await screen.findByText(/owner@example.com/)
    act(() => enrollment.emit())
    expect(await screen.findByText(/must enrol/)).toBeInTheDocument()
  })
})
