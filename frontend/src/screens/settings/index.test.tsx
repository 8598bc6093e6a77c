import { MockedProvider } from '@apollo/client/testing/react'
import { fireEvent, render, screen, within } from '@testing-library/react'
import { MemoryRouter, Route, Routes } from 'react-router-dom'
import { describe, expect, it } from 'vitest'

import { ToastProvider } from '../../components/ui'
import type { Role } from '../../gql/graphql'
import { TestSession, testSession, testViewer } from '../../test/session'
import SettingsScreen from '.'

function renderSettings(role: Role, path: string) {
  render(
    <MockedProvider mocks={[]}>
      <TestSession value={testSession(testViewer(role))}>
        <ToastProvider>
          <MemoryRouter initialEntries={[path]}>
            <Routes>
              <Route path="/settings/*" element={<SettingsScreen />} />
            </Routes>
          </MemoryRouter>
        </ToastProvider>
      </TestSession>
    </MockedProvider>,
  )
}

const tabs = () =>
  within(screen.getByRole('navigation', { name: 'Settings' }))
    .getAllByRole('link')
    .map((a) => a.textContent)

describe('SettingsScreen', () => {
  it('shows owners every section', () => {
    renderSettings('OWNER', '/settings/security')
    expect(tabs()).toEqual([
      'Security',
      'Members',
      'Invitations',
      'Notifications',
      'API keys',
      'Audit log',
      'Workspace',
      'Billing',
    ])
  })

  it('links every tab to its absolute path, whichever section is open', () => {
    renderSettings('OWNER', '/settings/audit-log')
    const nav = within(screen.getByRole('navigation', { name: 'Settings' }))
    expect(nav.getByRole('link', { name: 'Workspace' })).toHaveAttribute('href', '/settings/workspace')
    expect(nav.getByRole('link', { name: 'Audit log' })).toHaveAttribute('aria-current', 'page')
  })

  it('shows admins all but the workspace', () => {
    renderSettings('ADMIN', '/settings/workspace')
    expect(tabs()).toEqual(['Security', 'Members', 'Invitations', 'Notifications', 'API keys', 'Audit log', 'Billing'])
    expect(screen.getByText('Workspace needs the Owner role.')).toBeInTheDocument()
  })

  it('hides admin sections from analysts and viewers, and explains a direct link', () => {
    renderSettings('VIEWER', '/settings/api-keys')
    expect(tabs()).toEqual(['Security', 'Members', 'Billing'])
    expect(screen.getByText('Not available to your role')).toBeInTheDocument()
  })

  it('offers the same sections as one select for phones, opening the chosen one', () => {
    renderSettings('ADMIN', '/settings/members')
    const select = screen.getByLabelText('Settings section')
    expect(select).toHaveValue('members')
    expect(
      within(select)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(tabs())
    fireEvent.change(select, { target: { value: 'audit-log' } })
    expect(screen.getByLabelText('Settings section')).toHaveValue('audit-log')
    expect(
      within(screen.getByRole('navigation', { name: 'Settings' })).getByRole('link', { name: 'Audit log' }),
    ).toHaveAttribute('aria-current', 'page')
  })
})
