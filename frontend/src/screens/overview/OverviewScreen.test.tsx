import type { MockLink } from '@apollo/client/testing'
import { screen } from '@testing-library/react'
import { MemoryRouter } from 'react-router-dom'
import { describe, expect, it } from 'vitest'

import type { OverviewQuery } from '../../gql/graphql'
import { TestSession, testSession, testViewer } from '../../test/session'
import { OverviewDocument, TrustGateDocument } from '../../trust/operations'
import { renderWithApi } from '../../trust/testProviders'
import OverviewScreen from '.'

const gate = {
  trustGate: {
    __typename: 'TrustGate',
    autopilotMode: 'NORMAL',
    autopilotLevel: 'APPROVAL_REQUIRED',
    enforcementMode: 'ADVISORY',
    killSwitch: false,
    score: null,
    status: null,
    verdict: 'No signal health yet: automation waits for data.',
    decisionCounts: { __typename: 'DecisionCounts', pass: 0, hold: 0, block: 0 },
  },
}

const nothing: OverviewQuery = { signalHealth: null, platformHealth: [], platformStatuses: [] }

const operational = {
  signalHealth: null,
  platformHealth: [],
  platformStatuses: [
    {
      __typename: 'PlatformStatus',
      platform: 'META',
      status: 'OPERATIONAL',
      message: 'ok',
      changedAt: '2026-01-01T00:00:00Z',
      checkedAt: '2026-01-01T00:00:00Z',
    },
  ],
}

function renderOverview(overview: OverviewQuery | typeof operational, viewer = testViewer()) {
  const mocks: MockLink.MockedResponse[] = [
    { request: { query: OverviewDocument }, result: { data: overview } },
    { request: { query: TrustGateDocument }, result: { data: gate } },
  ]
  renderWithApi(
    <TestSession value={testSession(viewer)}>
      <MemoryRouter>
        <OverviewScreen />
      </MemoryRouter>
    </TestSession>,
    mocks,
  )
}

describe('OverviewScreen', () => {
  it('leads a workspace with nothing connected to its next step, truthfully, instead of empty cards', async () => {
    renderOverview(nothing)
    const next = await screen.findByRole('region', { name: 'Next step: nothing is connected yet' })
    expect(next).toHaveTextContent('Connectors to real ad platforms (Meta, Google, TikTok, Snapchat) are not part')
    expect(next).toHaveTextContent('Demo Co (simulated)')
    expect(screen.getByRole('link', { name: 'Set up two-factor authentication' })).toHaveAttribute(
      'href',
      '/settings/security',
    )
    expect(screen.getByRole('link', { name: 'Invite your team' })).toHaveAttribute('href', '/settings/invitations')
    expect(await screen.findByRole('region', { name: 'Trust gate' })).toBeInTheDocument()
    expect(screen.queryByText('No platform data yet')).toBeNull()
    expect(screen.queryByRole('region', { name: 'What makes the score' })).toBeNull()
    expect(screen.queryByRole('region', { name: 'Open incidents' })).toBeNull()
  })

  it('offers only the steps the viewer can take', async () => {
    const viewer = testViewer('ANALYST', {
      user: { id: 'VXNlcjox', email: 'a@example.com', mfaEnabled: true, emailVerified: true },
    })
    renderOverview(nothing, viewer)
    await screen.findByRole('region', { name: 'Next step: nothing is connected yet' })
    expect(screen.getByRole('link', { name: 'Draft automation rules and guardrails' })).toBeInTheDocument()
    expect(screen.queryByRole('link', { name: 'Set up two-factor authentication' })).toBeNull()
    expect(screen.queryByRole('link', { name: 'Invite your team' })).toBeNull()
  })

  it('shows the platform cards, not the next step, once a platform has reported', async () => {
    renderOverview(operational)
    expect(await screen.findByRole('region', { name: 'Platforms' })).toBeInTheDocument()
    expect(screen.getByRole('region', { name: 'What makes the score' })).toBeInTheDocument()
    expect(screen.queryByRole('region', { name: 'Next step: nothing is connected yet' })).toBeNull()
  })

  it('does not take a simulated workspace waiting for its first data for an unconnected one', async () => {
    renderOverview(
      nothing,
      testViewer('OWNER', { tenant: { id: 'VGVuYW50OjE', name: 'Demo', requireMfa: false, simulated: true } }),
    )
    expect(await screen.findByText('No platform data yet')).toBeInTheDocument()
    expect(screen.queryByRole('region', { name: 'Next step: nothing is connected yet' })).toBeNull()
  })
})
