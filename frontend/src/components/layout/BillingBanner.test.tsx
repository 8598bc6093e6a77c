import { useQuery } from '@apollo/client/react'
import type { MockLink } from '@apollo/client/testing'
import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { afterEach, describe, expect, it } from 'vitest'

import type { BillingStatus, Plan } from '../../gql/graphql'
import { BillingBannerDocument } from '../../screens/settings/billingOperations'
import { TestSession, testSession, testViewer } from '../../test/session'
import { renderWithApi } from '../../trust/testProviders'
import { BillingBanner, billingNotice } from './BillingBanner'

const NOW = new Date('2026-12-10T12:00:00Z')
const DAY = 24 * 60 * 60 * 1000
const inDays = (d: number) => new Date(NOW.getTime() + d * DAY).toISOString()

function state(s: Partial<ReturnType<typeof base>>) {
  return { ...base(), ...s }
}
function base() {
  return {
    __typename: 'TenantBilling' as const,
    plan: 'PROFESSIONAL' as Plan,
    effectivePlan: 'PROFESSIONAL' as Plan,
    status: 'TRIALING' as BillingStatus,
    trialEndsAt: null as string | null,
    currentPeriodEnd: null as string | null,
    cancelAtPeriodEnd: false,
    graceEndsAt: null as string | null,
  }
}

function bannerMock(billing: ReturnType<typeof state>, stripeEnabled = true): MockLink.MockedResponse {
  return {
    request: { query: BillingBannerDocument },
    result: {
      data: {
        viewer: {
          __typename: 'Viewer',
          tenant: { __typename: 'Tenant', id: 'VGVuYW50OjE', billing: { ...billing, stripeEnabled } },
        },
      },
    },
    maxUsageCount: Infinity,
  }
}

function renderBanner(mock: MockLink.MockedResponse) {
  renderWithApi(
    <TestSession value={testSession(testViewer('VIEWER'))}>
      <MemoryRouter>
        <Probe />
        <BillingBanner now={NOW} />
      </MemoryRouter>
    </TestSession>,
    [mock],
  )
  return userEvent.setup()
}

/** Shows when the banner's query has answered. */
function Probe() {
  const { data } = useQuery(BillingBannerDocument)
  return data ? <p>Billing read: {data.viewer?.tenant.billing?.status}</p> : null
}

afterEach(() => window.sessionStorage.clear())

describe('billingNotice', () => {
  it('counts down a trial’s last 3 days (rounded up), and is silent before them', () => {
    expect(billingNotice(state({ trialEndsAt: inDays(2.5) }), NOW)).toMatchObject({ kind: 'trial-ending', days: 3 })
    expect(billingNotice(state({ trialEndsAt: inDays(0.2) }), NOW)).toMatchObject({ kind: 'trial-ending', days: 1 })
    expect(billingNotice(state({ trialEndsAt: inDays(3.5) }), NOW)).toBeNull()
    expect(billingNotice(state({ trialEndsAt: inDays(13) }), NOW)).toBeNull()
  })

  it('names a trial and a grace period that ended, and a failed payment within grace', () => {
    expect(billingNotice(state({ trialEndsAt: inDays(-1), effectivePlan: 'STARTER' }), NOW)).toMatchObject({
      kind: 'trial-ended',
      plan: 'Professional',
    })
    expect(billingNotice(state({ status: 'PAST_DUE', graceEndsAt: inDays(4) }), NOW)).toMatchObject({
      kind: 'past-due',
    })
    expect(
      billingNotice(state({ status: 'PAST_DUE', graceEndsAt: inDays(-1), effectivePlan: 'STARTER' }), NOW),
    ).toMatchObject({ kind: 'grace-ended' })
    expect(billingNotice(state({ status: 'ACTIVE', currentPeriodEnd: inDays(20) }), NOW)).toBeNull()
    expect(billingNotice(state({ status: 'CANCELED', effectivePlan: 'STARTER' }), NOW)).toBeNull()
  })
})

describe('BillingBanner', () => {
  it('counts down the trial’s last days with a link to upgrade, and can be dismissed for the session', async () => {
    const user = renderBanner(bannerMock(state({ trialEndsAt: inDays(2.5) })))
    const banner = await screen.findByRole('region', { name: 'Billing' })
    expect(banner).toHaveTextContent(/Professional trial ends in 3 days \(.+\): its features turn off afterwards/)
    expect(screen.getByRole('link', { name: 'Upgrade' })).toHaveAttribute('href', '/settings/billing')
    await user.click(screen.getByRole('button', { name: 'Dismiss' }))
    expect(screen.queryByRole('region', { name: 'Billing' })).toBeNull()
    expect(window.sessionStorage.getItem('stratum.billingBanner.VGVuYW50OjE.trial-ending')).toBe('1')
  })

  it('shows nothing while a trial has more than 3 days left', async () => {
    renderBanner(bannerMock(state({ trialEndsAt: inDays(10) })))
    // The same query's answer is on the page before looking for the absence.
    await screen.findByText('Billing read: TRIALING')
    expect(screen.queryByRole('region', { name: 'Billing' })).toBeNull()
  })

  it('says a failed payment keeps paid features until the grace end', async () => {
    renderBanner(bannerMock(state({ status: 'PAST_DUE', graceEndsAt: '2026-12-14T09:00:00Z' })))
    const banner = await screen.findByRole('region', { name: 'Billing' })
    expect(banner).toHaveTextContent(/Payment failed — paid features stay on until .*2026/)
  })

  it('says paid features are off and data is kept once the grace period ended', async () => {
    renderBanner(bannerMock(state({ status: 'PAST_DUE', graceEndsAt: inDays(-2), effectivePlan: 'STARTER' })))
    const banner = await screen.findByRole('region', { name: 'Billing' })
    expect(banner).toHaveTextContent(
      "Professional's paid features are off and Starter's limits apply. Your data is kept.",
    )
  })

  it('links to Billing, not Upgrade, where billing is disabled', async () => {
    renderBanner(bannerMock(state({ trialEndsAt: inDays(1) }), false))
    await screen.findByRole('region', { name: 'Billing' })
    expect(screen.getByRole('link', { name: 'Billing' })).toHaveAttribute('href', '/settings/billing')
    expect(screen.queryByRole('link', { name: 'Upgrade' })).toBeNull()
  })
})
