import { act, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, Route, Routes } from 'react-router-dom'
import { describe, expect, it } from 'vitest'

import { createConnection } from '../../connection/connection'
import { ConnectionProvider } from '../../connection/ConnectionProvider'
import { TestSession, testSession, testViewer } from '../../test/session'
import { renderWithApi } from '../../trust/testProviders'
import { AppLayout } from './AppLayout'

function renderLayout(path = '/automation') {
  const connection = createConnection({ random: () => 0 })
  const viewer = testViewer('OWNER', {
    tenant: { id: 'VGVuYW50OjE', name: 'Demo Co (simulated)', requireMfa: false, simulated: true },
  })
  renderWithApi(
    <ConnectionProvider connection={connection}>
      <TestSession value={testSession(viewer)}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route element={<AppLayout />}>
              <Route path="*" element={<h1>Automation</h1>} />
            </Route>
          </Routes>
        </MemoryRouter>
      </TestSession>
    </ConnectionProvider>,
  )
  return { connection, user: userEvent.setup() }
}

describe('AppLayout', () => {
  it('has one top bar that holds the phone menu button beside the tenant, status, theme and user menu', async () => {
    const { connection, user } = renderLayout()
    act(() => connection.events.connected())
    const banner = screen.getByRole('banner')
    const menu = within(banner).getByRole('button', { name: 'Menu' })
    expect(within(banner).getByText('Demo Co (simulated)')).toBeInTheDocument()
    expect(within(banner).getByTestId('connection-status')).toHaveTextContent('Live')
    expect(within(banner).getByRole('button', { name: /^Theme:/ })).toBeInTheDocument()
    expect(within(banner).getByRole('button', { name: /^Account menu for/ })).toBeInTheDocument()

    // The menu button opens the navigation, which follows the top bar.
    const nav = screen.getByRole('navigation', { name: 'Main', hidden: true })
    expect(menu).toHaveAttribute('aria-controls', nav.id)
    expect(menu).toHaveAttribute('aria-expanded', 'false')
    expect(banner.compareDocumentPosition(nav)).toBe(Node.DOCUMENT_POSITION_FOLLOWING)
    await user.click(menu)
    expect(menu).toHaveAttribute('aria-expanded', 'true')
    expect(within(nav).getByRole('link', { name: 'Settings' })).toBeInTheDocument()
  })

  it('says on a phone that the data is simulated in one word', () => {
    renderLayout()
    const badge = within(screen.getByRole('banner')).getByText('Simulated')
    expect(badge).toHaveTextContent('Simulated data')
    expect(within(badge).getByText('data')).toHaveClass('max-sm:hidden')
  })

  it('marks only the entry of the screen shown as current (EMQ, not also Conversions)', () => {
    renderLayout('/conversions/emq')
    const nav = screen.getByRole('navigation', { name: 'Main', hidden: true })
    expect(within(nav).getByRole('link', { name: 'EMQ', hidden: true })).toHaveAttribute('aria-current', 'page')
    expect(within(nav).getByRole('link', { name: 'Conversions', hidden: true })).not.toHaveAttribute('aria-current')
  })
})
