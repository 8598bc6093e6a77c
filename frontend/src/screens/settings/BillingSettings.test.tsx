import { ApolloClient, ApolloLink } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import type { MockLink } from '@apollo/client/testing'
import { act, render, screen, waitFor, within } from '@testing-library/react'
import { Observable, type Observer } from 'rxjs'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { afterEach, describe, expect, it, vi } from 'vitest'

import type { BillingStatus, Plan, Role } from '../../gql/graphql'
import { TestSession, testSession, testViewer } from '../../test/session'
import { renderWithApi, trustCache } from '../../trust/testProviders'
import { BillingDocument, CreateBillingPortalSessionDocument, CreateCheckoutSessionDocument } from './billingOperations'
import { BillingSettings, checkoutOffers, lapseReason } from './BillingSettings'

type State = {
  plan: Plan
  effectivePlan: Plan
  status: BillingStatus
  trialEndsAt?: string | null
  currentPeriodEnd?: string | null
  cancelAtPeriodEnd?: boolean
  graceEndsAt?: string | null
}

const PLANS = ['STARTER', 'PROFESSIONAL', 'ENTERPRISE']

function state(s: State) {
  return {
    __typename: 'TenantBilling' as const,
    trialEndsAt: null,
    currentPeriodEnd: null,
    cancelAtPeriodEnd: false,
    graceEndsAt: null,
    ...s,
  }
}

function limit(key: string, description: string, unit: string, used: number, max: number) {
  return {
    __typename: 'UsageLimit',
    limit: key,
    description,
    unit,
    used,
    max,
    warning: used >= 0.8 * max,
    plan: 'professional',
    raisedBy: 'enterprise',
    periodStart: null,
  }
}

function billingMock(
  billing: ReturnType<typeof state>,
  {
    stripe = true,
    usage = [limit('members', 'Members of the workspace', 'members', 2, 20)],
  }: { stripe?: boolean; usage?: ReturnType<typeof limit>[] } = {},
): MockLink.MockedResponse {
  return {
    request: { query: BillingDocument },
    result: {
      data: {
        viewer: {
          __typename: 'Viewer',
          tenant: { __typename: 'Tenant', id: 'VGVuYW50OjE', billing, usage },
          features: [
            {
              __typename: 'Feature',
              key: 'autopilot',
              enabled: billing.effectivePlan !== 'STARTER',
              source: 'PLAN',
              description: 'Let approved rule proposals run without a person.',
              unlockedBy: 'PROFESSIONAL',
            },
          ],
        },
        billingCatalogue: {
          __typename: 'BillingCatalogue',
          stripeEnabled: stripe,
          plans: PLANS.map((plan) => ({
            __typename: 'CataloguePlan',
            plan,
            checkoutAvailable: stripe && plan !== 'STARTER',
          })),
          features: [
            {
              __typename: 'CatalogueFeature',
              key: 'autopilot',
              description: 'Let approved rule proposals run without a person.',
              unlockedBy: 'PROFESSIONAL',
            },
          ],
          limits: [
            {
              __typename: 'CatalogueLimit',
              limit: 'members',
              description: 'Members of the workspace',
              unit: 'members',
              values: [3, 20, 500].map((max, i) => ({ __typename: 'PlanLimitValue', plan: PLANS[i], max })),
            },
          ],
        },
      },
    },
    maxUsageCount: Infinity,
  }
}

function renderTab(mocks: MockLink.MockedResponse[], role: Role = 'OWNER', url = '/settings/billing') {
  renderWithApi(
    <TestSession value={testSession(testViewer(role))}>
      <MemoryRouter initialEntries={[url]}>
        <BillingSettings />
      </MemoryRouter>
    </TestSession>,
    mocks,
  )
  return userEvent.setup()
}

const planCard = async () => screen.findByRole('region', { name: 'Plan' })
const assign = vi.fn()

afterEach(() => {
  assign.mockReset()
  vi.unstubAllGlobals()
})

describe('checkoutOffers', () => {
  const s = (x: State) => state(x)
  it('offers the trialed plan and dearer ones, and nothing while a subscription runs', () => {
    expect(checkoutOffers(s({ plan: 'PROFESSIONAL', effectivePlan: 'PROFESSIONAL', status: 'TRIALING' }))).toEqual([
      'PROFESSIONAL',
      'ENTERPRISE',
    ])
    expect(checkoutOffers(s({ plan: 'STARTER', effectivePlan: 'STARTER', status: 'ACTIVE' }))).toEqual([
      'PROFESSIONAL',
      'ENTERPRISE',
    ])
    // An operator's Enterprise (no subscription): nothing dearer to buy.
    expect(checkoutOffers(s({ plan: 'ENTERPRISE', effectivePlan: 'ENTERPRISE', status: 'ACTIVE' }))).toEqual([])
    // A Stripe subscription changes plan in the portal (ADR 0014).
    expect(
      checkoutOffers(
        s({
          plan: 'PROFESSIONAL',
          effectivePlan: 'PROFESSIONAL',
          status: 'ACTIVE',
          currentPeriodEnd: '2027-01-01T00:00:00Z',
        }),
      ),
    ).toEqual([])
  })

  it('says why the subscribed plan does not apply, only when it does not', () => {
    expect(lapseReason(s({ plan: 'PROFESSIONAL', effectivePlan: 'PROFESSIONAL', status: 'TRIALING' }))).toBeNull()
    expect(
      lapseReason(
        s({ plan: 'PROFESSIONAL', effectivePlan: 'STARTER', status: 'TRIALING', trialEndsAt: '2026-11-20T12:00:00Z' }),
      ),
    ).toMatch(/^The Professional trial ended on .+\. Starter's features and limits apply; your data is kept\.$/)
  })
})

describe('BillingSettings', () => {
  it('shows a trial: the plan, its end, and checkout for the trialed and the dearer plan', async () => {
    vi.stubGlobal('location', { ...window.location, origin: 'https://stratum.example', assign })
    const checkout: MockLink.MockedResponse = {
      request: {
        query: CreateCheckoutSessionDocument,
        variables: {
          input: {
            plan: 'PROFESSIONAL',
            successUrl: 'https://stratum.example/settings/billing?checkout=done',
            cancelUrl: 'https://stratum.example/settings/billing',
          },
        },
      },
      result: {
        data: {
          createCheckoutSession: {
            __typename: 'CreateCheckoutSessionPayload',
            url: 'https://checkout.stripe.test/c/pay_1',
            userErrors: [],
          },
        },
      },
    }
    const user = renderTab([
      billingMock(
        state({
          plan: 'PROFESSIONAL',
          effectivePlan: 'PROFESSIONAL',
          status: 'TRIALING',
          trialEndsAt: '2026-12-14T09:00:00Z',
        }),
      ),
      checkout,
    ])
    const card = await planCard()
    expect(within(card).getByText('Trial', { selector: 'dd' })).toBeInTheDocument()
    expect(within(card).getByText('Trial ends')).toBeInTheDocument()
    expect(within(card).queryByText('Renews on')).toBeNull()
    expect(screen.queryByRole('region', { name: 'Billing disabled' })).toBeNull()
    const buttons = within(card)
      .getAllByRole('button')
      .map((b) => b.textContent)
    expect(buttons).toEqual(['Subscribe to Professional', 'Upgrade to Enterprise', 'Manage billing'])
    await user.click(within(card).getByRole('button', { name: 'Subscribe to Professional' }))
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith('https://checkout.stripe.test/c/pay_1'))
  })

  it('shows an active subscription: renewal date, the portal, and no second checkout', async () => {
    vi.stubGlobal('location', { ...window.location, origin: 'https://stratum.example', assign })
    const portal: MockLink.MockedResponse = {
      request: {
        query: CreateBillingPortalSessionDocument,
        variables: { input: { returnUrl: 'https://stratum.example/settings/billing' } },
      },
      result: {
        data: {
          createBillingPortalSession: {
            __typename: 'CreateBillingPortalSessionPayload',
            url: 'https://billing.stripe.test/p/session_1',
            userErrors: [],
          },
        },
      },
    }
    const user = renderTab([
      billingMock(
        state({
          plan: 'PROFESSIONAL',
          effectivePlan: 'PROFESSIONAL',
          status: 'ACTIVE',
          currentPeriodEnd: '2027-01-01T00:00:00Z',
        }),
      ),
      portal,
    ])
    const card = await planCard()
    expect(within(card).getByText('Renews on')).toBeInTheDocument()
    expect(within(card).queryByRole('button', { name: /Upgrade|Subscribe/ })).toBeNull()
    expect(
      within(card).getByText(/To change plan, cancel or update the payment method, use Manage billing/),
    ).toBeInTheDocument()
    await user.click(within(card).getByRole('button', { name: 'Manage billing' }))
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith('https://billing.stripe.test/p/session_1'))
  })

  it('says when a canceled subscription ends instead of renewing', async () => {
    renderTab([
      billingMock(
        state({
          plan: 'PROFESSIONAL',
          effectivePlan: 'PROFESSIONAL',
          status: 'ACTIVE',
          currentPeriodEnd: '2027-01-01T00:00:00Z',
          cancelAtPeriodEnd: true,
        }),
      ),
    ])
    const card = await planCard()
    expect(within(card).getByText('Ends on')).toBeInTheDocument()
    expect(within(card).getByText(/the subscription does not renew/)).toBeInTheDocument()
    expect(within(card).queryByText('Renews on')).toBeNull()
  })

  it('shows a past-due workspace with its grace end', async () => {
    renderTab([
      billingMock(
        state({
          plan: 'PROFESSIONAL',
          effectivePlan: 'PROFESSIONAL',
          status: 'PAST_DUE',
          currentPeriodEnd: '2027-01-01T00:00:00Z',
          graceEndsAt: '2026-12-09T09:00:00Z',
        }),
      ),
    ])
    const card = await planCard()
    expect(within(card).getByText('Payment past due', { selector: 'dd' })).toBeInTheDocument()
    expect(within(card).getByText('Grace period ends')).toBeInTheDocument()
    expect(within(card).getByText(/paid features stay on until then/)).toBeInTheDocument()
  })

  it('says the trial ended and Starter applies when the effective plan differs', async () => {
    renderTab([
      billingMock(
        state({
          plan: 'PROFESSIONAL',
          effectivePlan: 'STARTER',
          status: 'TRIALING',
          trialEndsAt: '2026-11-20T09:00:00Z',
        }),
      ),
    ])
    const card = await planCard()
    expect(within(card).getByText('Starter', { selector: 'p' })).toBeInTheDocument()
    expect(within(card).getByRole('status')).toHaveTextContent(
      /Subscribed plan: Professional\. The Professional trial ended on .+\. Starter's features and limits apply/,
    )
  })

  it('explains billing disabled and keeps checkout and the portal off', async () => {
    renderTab([
      billingMock(state({ plan: 'ENTERPRISE', effectivePlan: 'ENTERPRISE', status: 'ACTIVE' }), { stripe: false }),
    ])
    const disabled = await screen.findByRole('region', { name: 'Billing disabled' })
    expect(disabled).toHaveTextContent('Billing is disabled on this server.')
    expect(disabled).toHaveTextContent('nothing is sold or charged here')
    expect(disabled).toHaveTextContent('The demo workspace runs on Enterprise')
    expect(disabled).toHaveTextContent('STRIPE_API_KEY')
    const card = await planCard()
    expect(within(card).getByRole('button', { name: 'Manage billing' })).toBeDisabled()
    expect(within(card).getByText(/off because billing is disabled on this server/)).toBeInTheDocument()
  })

  it('shows each limit as a bar and warns in words from 80 %, not for a limit below it', async () => {
    renderTab([
      billingMock(state({ plan: 'PROFESSIONAL', effectivePlan: 'PROFESSIONAL', status: 'ACTIVE' }), {
        usage: [
          limit('members', 'Members of the workspace', 'members', 16, 20),
          limit('segments', 'Saved segments', 'segments', 79, 100),
        ],
      }),
    ])
    const members = await screen.findByRole('listitem', { name: 'Members of the workspace' })
    const bar = within(members).getByRole('progressbar', { name: 'Members of the workspace used' })
    expect(bar).toHaveAttribute('aria-valuenow', '16')
    expect(bar).toHaveAttribute('aria-valuemax', '20')
    expect(members).toHaveTextContent('16 of 20 members')
    expect(members).toHaveTextContent('80 % or more used — Enterprise raises this limit.')
    // The positive control's negative: 79 % has its bar and no warning.
    const segments = screen.getByRole('listitem', { name: 'Saved segments' })
    expect(within(segments).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '79')
    expect(segments).not.toHaveTextContent('80 % or more used')
  })

  it('shows the plans compared from the catalogue, with this workspace’s column', async () => {
    renderTab([billingMock(state({ plan: 'STARTER', effectivePlan: 'STARTER', status: 'ACTIVE' }))])
    const features = await screen.findByRole('table', { name: 'Features by plan' })
    const row = within(features).getByRole('row', { name: /Autopilot/ })
    expect(
      within(row)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual([
      'AutopilotLet approved rule proposals run without a person.',
      '—Not included',
      '✓Included',
      '✓Included',
      'Off',
    ])
    const limits = screen.getByRole('table', { name: 'Limits by plan' })
    expect(within(limits).getByRole('row', { name: /Members/ })).toHaveTextContent(/3\s*20\s*500/)
  })

  it('disables checkout and the portal for a non-owner and says why; the owner’s are enabled', async () => {
    const trial = state({ plan: 'PROFESSIONAL', effectivePlan: 'PROFESSIONAL', status: 'TRIALING' })
    renderTab([billingMock(trial)], 'ADMIN')
    let card = await planCard()
    for (const b of within(card).getAllByRole('button')) expect(b).toBeDisabled()
    expect(card).toHaveTextContent(
      "Only the workspace's owner can change the plan or open the billing portal; your role is Admin.",
    )
    document.body.innerHTML = ''

    renderTab([billingMock(trial)], 'OWNER')
    card = await planCard()
    expect(within(card).getAllByRole('button')).toHaveLength(3)
    for (const b of within(card).getAllByRole('button')) expect(b).toBeEnabled()
    expect(card).not.toHaveTextContent('Only the workspace')
  })

  it('shows a checkout userError precisely and sends no one away', async () => {
    vi.stubGlobal('location', { ...window.location, origin: 'https://stratum.example', assign })
    const refused: MockLink.MockedResponse = {
      request: { query: CreateCheckoutSessionDocument, variables: () => true },
      result: {
        data: {
          createCheckoutSession: {
            __typename: 'CreateCheckoutSessionPayload',
            url: null,
            userErrors: [
              {
                __typename: 'UserError',
                field: ['input', 'plan'],
                message:
                  'the Enterprise plan is not sold through Stripe on this server (STRIPE_PRICE_ENTERPRISE is unset)',
                code: 'BAD_USER_INPUT',
              },
            ],
          },
        },
      },
    }
    const user = renderTab([
      billingMock(state({ plan: 'PROFESSIONAL', effectivePlan: 'PROFESSIONAL', status: 'TRIALING' })),
      refused,
    ])
    const card = await planCard()
    await user.click(within(card).getByRole('button', { name: 'Upgrade to Enterprise' }))
    expect(await within(card).findByRole('alert')).toHaveTextContent(
      'the Enterprise plan is not sold through Stripe on this server (STRIPE_PRICE_ENTERPRISE is unset)',
    )
    expect(assign).not.toHaveBeenCalled()
  })

  it('updates live when billingChanged reports a change', async () => {
    const data = (b: ReturnType<typeof state>) => (billingMock(b).result as { data: Record<string, unknown> }).data
    const link = new BillingLink([
      data(state({ plan: 'PROFESSIONAL', effectivePlan: 'PROFESSIONAL', status: 'TRIALING' })),
      data(paid),
    ])
    render(
      <ApolloProvider client={new ApolloClient({ link, cache: trustCache() })}>
        <TestSession value={testSession(testViewer('OWNER'))}>
          <MemoryRouter>
            <BillingSettings />
          </MemoryRouter>
        </TestSession>
      </ApolloProvider>,
    )
    // Before the event (the positive control): the trial, read once.
    expect(await within(await planCard()).findByText('Trial', { selector: 'dd' })).toBeInTheDocument()
    await waitFor(() => expect(link.subscribed()).toBe(true))
    expect(link.reads).toBe(1)
    act(() => link.emit({ billingChanged: paid }))
    await screen.findByText('Renews on')
    expect(within(await planCard()).getByText('Active', { selector: 'dd' })).toBeInTheDocument()
    expect(link.reads).toBe(2)
  })
})

const paid = state({
  plan: 'PROFESSIONAL',
  effectivePlan: 'PROFESSIONAL',
  status: 'ACTIVE',
  currentPeriodEnd: '2027-01-01T00:00:00Z',
})

/** Answers the Billing query from `answers` in turn; BillingChanged receives what the test emits. */
class BillingLink extends ApolloLink {
  reads = 0
  private subs: Observer<ApolloLink.Result>[] = []
  constructor(private answers: Record<string, unknown>[]) {
    super()
  }
  override request(op: ApolloLink.Operation): Observable<ApolloLink.Result> {
    if (op.operationName === 'BillingChanged') {
      return new Observable((o) => {
        this.subs.push(o)
        return () => {
          this.subs = this.subs.filter((x) => x !== o)
        }
      })
    }
    return new Observable((o) => {
      if (op.operationName !== 'Billing') {
        o.error(new Error(`unexpected operation ${op.operationName}`))
        return
      }
      const answer = this.answers[Math.min(this.reads, this.answers.length - 1)]
      this.reads++
      o.next({ data: answer })
      o.complete()
    })
  }
  subscribed(): boolean {
    return this.subs.length > 0
  }
  emit(data: Record<string, unknown>) {
    for (const o of this.subs) o.next({ data })
  }
}
