import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import { relayStylePagination } from '@apollo/client/utilities'
import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { Observable } from 'rxjs'
import { describe, expect, it } from 'vitest'

import { ToastProvider } from '../../components/ui'
import type { Role } from '../../gql/graphql'
import { TestSession, testSession, testViewer } from '../../test/session'
import FunnelsScreen from '.'
import { placeErrors } from './FunnelEditor'
import { formatDuration, parsePath, rangeOf, windowParts } from './labels'

type Vars = Record<string, unknown> & {
  id?: string
  input?: Record<string, unknown>
  from?: string
  to?: string
  breakdownBy?: { source: string; path: string[] } | null
}

const CHECKOUT = {
  __typename: 'Funnel',
  id: 'RnVubmVsOjE',
  name: 'Checkout',
  windowSeconds: 86400,
  createdAt: '2026-12-01T10:00:00Z',
  steps: [
    { __typename: 'FunnelStep', event: 'Viewed', filter: null },
    {
      __typename: 'FunnelStep',
      event: 'Ordered',
      filter: { __typename: 'FunnelPropertyFilter', path: ['order', 'total'], operator: 'GREATER_THAN', value: '50' },
    },
  ],
}

const step = (index: number, event: string, entered: number, prev: number, first: number, median: number | null) => ({
  __typename: 'FunnelStepResult',
  index,
  event,
  entered,
  converted: entered,
  dropOff: index === 0 ? 0 : prev - entered,
  conversionFromPrevious: index === 0 ? 1 : entered / prev,
  conversionFromStart: entered / first,
  medianSecondsFromPrevious: median,
  medianSecondsFromStart: median,
})

class FakeApi extends ApolloLink {
  requests: { name: string; vars: Vars }[] = []
  funnels: Record<string, unknown>[] = [CHECKOUT]
  createErrors: { field: string[]; message: string }[] = []

  override request(op: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const name = op.operationName ?? ''
    const vars = op.variables as Vars
    this.requests.push({ name, vars })
    return new Observable((o) => {
      o.next({ data: this.answer(name, vars) })
      o.complete()
    })
  }

  called(name: string) {
    return this.requests.filter((r) => r.name === name)
  }

  private answer(name: string, v: Vars): Record<string, unknown> {
    switch (name) {
      case 'Funnels':
        return {
          funnels: {
            __typename: 'FunnelConnection',
            totalCount: this.funnels.length,
            edges: this.funnels.map((f) => ({ __typename: 'FunnelEdge', cursor: f.id, node: f })),
            pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
          },
        }
      case 'FunnelReport': {
        const steps = [step(0, 'Viewed', 200, 200, 200, null), step(1, 'Ordered', 50, 200, 200, 330)]
        return {
          funnelReport: {
            __typename: 'FunnelReport',
            from: v.from,
            to: v.to,
            entered: 200,
            converted: 50,
            conversionRate: 0.25,
            steps,
            breakdown: v.breakdownBy
              ? [
                  { __typename: 'FunnelBreakdownGroup', value: 'pro', other: false, steps },
                  { __typename: 'FunnelBreakdownGroup', value: null, other: true, steps },
                ]
              : null,
          },
        }
      }
      case 'CreateFunnel': {
        if (this.createErrors.length) {
          const errors = this.createErrors
          this.createErrors = []
          return {
            createFunnel: {
              __typename: 'FunnelPayload',
              funnel: null,
              userErrors: errors.map((e) => ({ __typename: 'UserError', ...e, code: 'BAD_USER_INPUT' })),
            },
          }
        }
        const input = v.input as { name: string; windowSeconds: number; steps: { event: string; filter: unknown }[] }
        const f = {
          __typename: 'Funnel',
          id: 'RnVubmVsOjI',
          name: input.name,
          windowSeconds: input.windowSeconds,
          createdAt: '2026-12-02T10:00:00Z',
          steps: input.steps.map((s) => ({ __typename: 'FunnelStep', event: s.event, filter: null })),
        }
        this.funnels = [f, ...this.funnels]
        return { createFunnel: { __typename: 'FunnelPayload', funnel: f, userErrors: [] } }
      }
      case 'DeleteFunnel':
        this.funnels = this.funnels.filter((f) => f.id !== (v.input as { id: string }).id)
        return {
          deleteFunnel: {
            __typename: 'DeleteFunnelPayload',
            deletedFunnelId: (v.input as { id: string }).id,
            userErrors: [],
          },
        }
      case 'Features':
        return { viewer: { __typename: 'Viewer', features: [] } }
    }
    throw new Error(`unexpected operation ${name}`)
  }
}

const NOW = new Date('2026-12-02T10:00:00Z')

function setup(role: Role = 'ANALYST', api = new FakeApi()) {
  const client = new ApolloClient({
    link: api,
    cache: new InMemoryCache({ typePolicies: { Query: { fields: { funnels: relayStylePagination() } } } }),
  })
  const user = userEvent.setup()
  render(
    <ApolloProvider client={client}>
      <ToastProvider>
        <TestSession value={testSession(testViewer(role))}>
          <MemoryRouter>
            <FunnelsScreen now={NOW} />
          </MemoryRouter>
        </TestSession>
      </ToastProvider>
    </ApolloProvider>,
  )
  return { api, user }
}

describe('FunnelsScreen', () => {
  it("lists funnels with their steps and shows a funnel's step chart over the last 30 days", async () => {
    const { user, api } = setup('VIEWER')
    const list = await screen.findByRole('list', { name: 'Funnels' })
    expect(within(list).getByText('Viewed → Ordered · window 1 d')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'New funnel' })).toBeNull()
    await user.click(screen.getByRole('button', { name: 'Report of Checkout' }))
    const chart = await screen.findByRole('list', { name: 'Steps of Checkout' })
    expect(within(chart).getByText('1. Viewed')).toBeInTheDocument()
    expect(within(chart).getByText('50 profiles · 25% of entrants')).toBeInTheDocument()
    expect(within(chart).getByText(/25% converted · 150 profiles dropped off · median 5 min/)).toBeInTheDocument()
    expect(screen.getByText(/200 profiles entered .* 50 profiles completed \(25%\)/)).toBeInTheDocument()
    expect(api.called('FunnelReport')[0]!.vars).toEqual({
      id: CHECKOUT.id,
      from: '2026-11-03T00:00:00Z',
      to: '2026-12-03T00:00:00.000Z',
      breakdownBy: null,
    })
  })

  it('asks for a breakdown and shows each group, "other" last', async () => {
    const { user, api } = setup('VIEWER')
    await user.click(await screen.findByRole('button', { name: 'Report of Checkout' }))
    await screen.findByRole('list', { name: 'Steps of Checkout' })
    await user.selectOptions(screen.getByLabelText('Break down by'), 'EVENT_PROPERTY')
    await user.type(screen.getByLabelText('Breakdown key'), 'plan.tier')
    await user.click(screen.getByRole('button', { name: 'Show report' }))
    expect(await screen.findByRole('list', { name: 'Steps for pro' })).toBeInTheDocument()
    expect(screen.getByRole('list', { name: 'Steps for Other values' })).toBeInTheDocument()
    expect(api.called('FunnelReport').at(-1)!.vars.breakdownBy).toEqual({
      source: 'EVENT_PROPERTY',
      path: ['plan', 'tier'],
    })
  })

  it('creates a funnel with a filtered step, showing errors on the step they name', async () => {
    const api = new FakeApi()
    api.createErrors = [
      { field: ['input', 'steps', '1', 'filter', 'value'], message: 'GREATER_THAN compares with a decimal number' },
    ]
    const { user } = setup('ANALYST', api)
    await user.click(await screen.findByRole('button', { name: 'New funnel' }))
    const form = screen.getByRole('form', { name: 'New funnel' })
    await user.type(within(form).getByLabelText('Name'), 'Signup')
    await user.type(within(form).getByLabelText('Step 1 event'), 'Signed Up')
    await user.type(within(form).getByLabelText('Step 2 event'), 'Paid')
    await user.click(within(within(form).getByRole('group', { name: 'Step 2' })).getByRole('checkbox'))
    await user.type(within(form).getByLabelText('Step 2 property'), 'order.total')
    await user.selectOptions(within(form).getByLabelText('Step 2 comparison'), 'GREATER_THAN')
    await user.type(within(form).getByLabelText('Step 2 value'), 'fifty')
    await user.click(within(form).getByRole('button', { name: 'Create funnel' }))
    expect(await within(form).findByText('GREATER_THAN compares with a decimal number')).toBeInTheDocument()
    expect(within(form).getByLabelText('Step 2 value')).toHaveAttribute('aria-invalid', 'true')
    expect(api.called('CreateFunnel')[0]!.vars.input).toEqual({
      name: 'Signup',
      windowSeconds: 86400,
      steps: [
        { event: 'Signed Up', filter: null },
        { event: 'Paid', filter: { path: ['order', 'total'], operator: 'GREATER_THAN', value: 'fifty' } },
      ],
    })
    await user.clear(within(form).getByLabelText('Step 2 value'))
    await user.type(within(form).getByLabelText('Step 2 value'), '50')
    await user.click(within(form).getByRole('button', { name: 'Create funnel' }))
    await waitFor(() => expect(screen.queryByRole('form', { name: 'New funnel' })).toBeNull())
    expect(await screen.findByRole('list', { name: 'Steps of Signup' })).toBeInTheDocument()
  })

  it('bounds the steps: 2 to 10', async () => {
    const { user } = setup('ANALYST')
    await user.click(await screen.findByRole('button', { name: 'New funnel' }))
    expect(screen.getByRole('button', { name: 'Remove step 1' })).toBeDisabled()
    for (let i = 0; i < 8; i++) await user.click(screen.getByRole('button', { name: 'Add a step' }))
    expect(screen.getAllByRole('group', { name: /^Step \d+$/ })).toHaveLength(10)
    expect(screen.getByRole('button', { name: 'Add a step' })).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Remove step 1' })).toBeEnabled()
  })

  it('deletes a funnel after confirmation', async () => {
    const { user, api } = setup('ANALYST')
    await user.click(await screen.findByRole('button', { name: 'Delete Checkout' }))
    await user.click(screen.getByRole('button', { name: 'Delete funnel' }))
    await waitFor(() => expect(api.called('DeleteFunnel')).toHaveLength(1))
    expect(await screen.findByText('No funnels yet')).toBeInTheDocument()
  })
})

describe('funnel helpers', () => {
  it('reads durations, paths, windows and ranges', () => {
    expect(formatDuration(45)).toBe('45 s')
    expect(formatDuration(330)).toBe('5 min')
    expect(formatDuration(7500)).toBe('2 h 5 min')
    expect(formatDuration(3 * 86400 + 4 * 3600)).toBe('3 d 4 h')
    expect(formatDuration(null)).toBe('—')
    expect(parsePath('order. total')).toEqual(['order', 'total'])
    expect(parsePath('a..b')).toEqual(['a', '', 'b'])
    expect(parsePath(' ')).toEqual([])
    expect(windowParts(7200)).toEqual({ amount: 2, unit: 'hours' })
    expect(windowParts(90)).toEqual({ amount: 2, unit: 'minutes' })
    expect(rangeOf('2026-11-30', '2026-11-30')).toEqual({
      from: '2026-11-30T00:00:00Z',
      to: '2026-12-01T00:00:00.000Z',
    })
  })

  it('places userErrors on the field and step they name', () => {
    const e = (field: string[]) => ({ field, message: field.join('.'), code: 'BAD_USER_INPUT' as const })
    expect(
      placeErrors([
        e(['input', 'name']),
        e(['input', 'windowSeconds']),
        e(['input', 'steps']),
        e(['input', 'steps', '2', 'event']),
        e(['input', 'steps', '0', 'filter', 'path', '1']),
        e(['input', 'steps', '0', 'filter', 'operator']),
        e(['id']),
      ]),
    ).toEqual({
      name: 'input.name',
      window: 'input.windowSeconds',
      steps: 'input.steps',
      '2.event': 'input.steps.2.event',
      '0.path': 'input.steps.0.filter.path.1',
      '0.operator': 'input.steps.0.filter.operator',
      form: 'id',
    })
  })
})
