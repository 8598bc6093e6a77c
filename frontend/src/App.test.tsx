import { MockedProvider } from '@apollo/client/testing/react'
import { render, screen } from '@testing-library/react'
import { MemoryRouter } from 'react-router-dom'
import { describe, expect, it } from 'vitest'

import { App } from './App'
import { ServerTimeDocument } from './components/serverTime'
import { ToastProvider } from './components/ui'
import type { SessionApi } from './session/SessionProvider'
import { TestSession, testSession, testViewer } from './test/session'

const tick = {
  request: { query: ServerTimeDocument, variables: { intervalSeconds: 1 } },
  result: { data: { serverTime: '2026-01-01T00:00:00Z' } },
}

function renderAt(path: string, session: SessionApi) {
  render(
    <MockedProvider mocks={[tick]}>
      <TestSession value={session}>
        <ToastProvider>
          <MemoryRouter initialEntries={[path]}>
            <App />
          </MemoryRouter>
        </ToastProvider>
      </TestSession>
    </MockedProvider>,
  )
}

describe('App routes', () => {
  it('sends signed-out visitors to log-in', async () => {
    renderAt('/settings/members', testSession(null))
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in' })).toBeInTheDocument()
  })

  it('sends signed-in visitors from log-in to the overview, inside the app frame', async () => {
    renderAt('/login', testSession())
    expect(await screen.findByRole('heading', { name: 'Overview' })).toBeInTheDocument()
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: /API explorer/ })).toHaveAttribute('href', '/graphiql')
  })

  it('lets a member of a tenant that requires MFA only enrol', async () => {
    const viewer = testViewer('ANALYST', { mfaEnrollmentRequired: true })
    renderAt('/incidents', testSession(viewer))
    expect(await screen.findByRole('button', { name: 'Set up two-factor authentication' })).toBeInTheDocument()
    expect(screen.getByText(/Acme requires two-factor authentication/)).toBeInTheDocument()
  })

  it('says when a page does not exist', async () => {
    renderAt('/nowhere', testSession())
    expect(await screen.findByText('Page not found')).toBeInTheDocument()
  })
})
