import type { MockLink } from '@apollo/client/testing'
import { MockedProvider } from '@apollo/client/testing/react'
import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'

import { SwitchTenantDocument } from '../../session/operations'
import { TestSession, testSession, testViewer } from '../../test/session'
import { ToastProvider } from '../ui'
import { TenantSwitcher } from './TenantSwitcher'

const acme = { id: 'VGVuYW50OjE', name: 'Acme' }
const globex = { id: 'VGVuYW50OjI', name: 'Globex' }
const viewer = testViewer('OWNER', {
  memberships: [
    { role: 'OWNER', tenant: acme },
    { role: 'VIEWER', tenant: globex },
  ],
})

const switched: MockLink.MockedResponse = {
  request: { query: SwitchTenantDocument, variables: { input: { tenantId: globex.id } } },
  result: {
    data: {
      switchTenant: {
        __typename: 'AuthPayload',
        mfaRequired: false,
        challengeToken: null,
        userErrors: [],
        viewer: {
          __typename: 'Viewer',
          ...viewer,
          role: 'VIEWER',
          user: { __typename: 'User', ...viewer.user },
          tenant: { __typename: 'Tenant', ...globex, requireMfa: false, simulated: false },
          memberships: viewer.memberships.map((m) => ({
            __typename: 'Membership',
            ...m,
            tenant: { __typename: 'Tenant', ...m.tenant },
          })),
        },
      },
    },
  },
}

function renderSwitcher(session = testSession(viewer), mocks: MockLink.MockedResponse[] = []) {
  render(
    <MockedProvider mocks={mocks}>
      <TestSession value={session}>
        <ToastProvider>
          <TenantSwitcher />
        </ToastProvider>
      </TestSession>
    </MockedProvider>,
  )
  return session
}

describe('TenantSwitcher', () => {
  it('names the only tenant as text', () => {
    renderSwitcher(testSession(testViewer()))
    expect(screen.queryByRole('combobox')).not.toBeInTheDocument()
    expect(screen.getByText('Acme')).toBeInTheDocument()
  })

  it('switches tenant, adopts the new session and says so', async () => {
    const session = renderSwitcher(testSession(viewer), [switched])
    const picker = screen.getByRole('combobox', { name: 'Tenant' })
    expect(screen.getByRole('option', { name: 'Globex · Viewer' })).toBeInTheDocument()
    await userEvent.setup().selectOptions(picker, globex.id)
    await waitFor(() => expect(session.establish).toHaveBeenCalledOnce())
    expect(await screen.findByText('Switched to Globex')).toBeInTheDocument()
  })
})
