import { MockedProvider } from '@apollo/client/testing/react'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { describe, expect, it } from 'vitest'

import { App } from './App'
import { ToastProvider } from './components/ui'
import { createConnection } from './connection/connection'
import { ConnectionProvider } from './connection/ConnectionProvider'
import type { SessionApi } from './session/SessionProvider'
import { TestSession, testSession, testViewer } from './test/session'

function renderAt(path: string, session: SessionApi) {
  render(
    <MockedProvider>
      <ConnectionProvider connection={createConnection()}>
        <TestSession value={session}>
          <ToastProvider>
            <MemoryRouter initialEntries={[path]}>
              <App />
            </MemoryRouter>
          </ToastProvider>
        </TestSession>
      </ConnectionProvider>
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

  it('says when a page does not exist, with a heading and a way back', async () => {
    renderAt('/nowhere', testSession())
    expect(await screen.findByRole('heading', { level: 1, name: 'Page not found' })).toBeInTheDocument()
    expect(screen.getByText('There is nothing at /nowhere.')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('link', { name: 'Back to the overview' }))
    expect(await screen.findByRole('heading', { level: 1, name: 'Overview' })).toBeInTheDocument()
  })

  it("shows the live connection's state in the header, and no clock", async () => {
    renderAt('/', testSession())
    const banner = await screen.findByRole('banner')
    expect(within(banner).getByTestId('connection-status')).toHaveTextContent('Connecting…')
    expect(banner.querySelector('time')).toBeNull()
  })
})
