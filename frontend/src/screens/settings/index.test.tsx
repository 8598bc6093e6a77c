import { MockedProvider } from '@apollo/client/testing/react'
import { render, screen, within } from '@testing-library/react'
import { MemoryRouter } from 'react-router-dom'
import { describe, expect, it } from 'vitest'

import type { Role } from '../../gql/graphql'
import { TestSession, testSession, testViewer } from '../../test/session'
import SettingsScreen from '.'

function renderSettings(role: Role, path: string) {
  render(
    <MockedProvider mocks={[]}>
      <TestSession value={testSession(testViewer(role))}>
        <MemoryRouter initialEntries={[path]}>
          <SettingsScreen />
        </MemoryRouter>
      </TestSession>
    </MockedProvider>,
  )
}

const tabs = () =>
  within(screen.getByRole('navigation', { name: 'Settings' }))
    .getAllByRole('link')
    .map((a) => a.textContent)

describe('SettingsScreen', () => {
  it('shows admins every section', () => {
    renderSettings('ADMIN', '/security')
    expect(tabs()).toEqual(['Security', 'Members', 'Invitations', 'API keys', 'Audit log'])
  })

  it('hides admin sections from analysts and viewers, and explains a direct link', () => {
    renderSettings('VIEWER', '/api-keys')
    expect(tabs()).toEqual(['Security', 'Members'])
    expect(screen.getByText('Not available to your role')).toBeInTheDocument()
  })
})
