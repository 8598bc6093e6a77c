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
import TraitsScreen from '.'
import { ComputedTraitsCard } from './ComputedTraitsCard'

type Vars = Record<string, unknown> & { input?: Record<string, unknown>; first?: number; after?: string | null }

interface Def {
  id: string
  name: string
  aggregation: string
  event: string
  filter: { property: string; operator: string; value: string } | null
  valueProperty: string | null
  windowDays: number | null
  status: 'PENDING' | 'RUNNING' | 'DONE'
  done: number
  total: number
}

function node(d: Def) {
  return {
    __typename: 'TraitDefinition',
    id: d.id,
    name: d.name,
    aggregation: d.aggregation,
    event: d.event,
    filter: d.filter ? { __typename: 'TraitFilter', ...d.filter } : null,
    valueProperty: d.valueProperty,
    windowDays: d.windowDays,
    backfill: {
      __typename: 'TraitBackfill',
      status: d.status,
      progress: { __typename: 'TraitBackfillProgress', done: d.done, total: d.total },
    },
    createdAt: '2026-12-01T10:00:00Z',
    updatedAt: '2026-12-01T10:00:00Z',
  }
}

const REVENUE: Def = {
  id: 'def-rev',
  name: 'Pro revenue',
  aggregation: 'SUM',
  event: 'Order Completed',
  filter: { property: 'plan', operator: 'EQUALS', value: 'pro' },
  valueProperty: 'total',
  windowDays: 30,
  status: 'RUNNING',
  done: 250,
  total: 1000,
}
const LOGINS: Def = {
  id: 'def-log',
  name: 'Logins',
  aggregation: 'COUNT',
  event: 'Login',
  filter: null,
  valueProperty: null,
  windowDays: null,
  status: 'DONE',
  done: 1000,
  total: 1000,
}

const userError = (message: string, field: string[]) => ({
  __typename: 'UserError',
  field,
  message,
  code: 'BAD_USER_INPUT',
})

/** A fake API answering the screen's operations; it records requests. */
class FakeApi extends ApolloLink {
  requests: { name: string; vars: Vars }[] = []
  defs: Def[] = [REVENUE, LOGINS]
  /** When set, create and update refuse with this error at ["input","filter","value"]. */
  refuseValue: string | null = null

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
    const input = v.input ?? {}
    switch (name) {
      case 'Features':
        return {
          viewer: {
            __typename: 'Viewer',
            features: [
              { __typename: 'Feature', key: 'cdp', enabled: true, source: 'PLAN', unlockedBy: 'PROFESSIONAL' },
            ],
          },
        }
      case 'TraitDefinitions':
        return {
          traitDefinitions: {
            __typename: 'TraitDefinitionConnection',
            totalCount: this.defs.length,
            edges: this.defs.map((d) => ({ __typename: 'TraitDefinitionEdge', cursor: d.id, node: node(d) })),
            pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: this.defs.at(-1)?.id ?? null },
          },
        }
      case 'CreateTraitDefinition':
      case 'UpdateTraitDefinition': {
        const key = name === 'CreateTraitDefinition' ? 'createTraitDefinition' : 'updateTraitDefinition'
        if (this.refuseValue) {
          return {
            [key]: {
              __typename: 'TraitDefinitionPayload',
              definition: null,
              userErrors: [userError(this.refuseValue, ['input', 'filter', 'value'])],
            },
          }
        }
        const d: Def = {
          id: (input.id as string | undefined) ?? 'def-new',
          name: input.name as string,
          aggregation: input.aggregation as string,
          event: input.event as string,
          filter: (input.filter as Def['filter']) ?? null,
          valueProperty: (input.valueProperty as string | null) ?? null,
          windowDays: (input.windowDays as number | null) ?? null,
          status: 'PENDING',
          done: 0,
          total: 0,
        }
        this.defs = [d, ...this.defs.filter((x) => x.id !== d.id)]
        return { [key]: { __typename: 'TraitDefinitionPayload', definition: node(d), userErrors: [] } }
      }
      case 'DeleteTraitDefinition':
        this.defs = this.defs.filter((d) => d.id !== input.id)
        return {
          deleteTraitDefinition: {
            __typename: 'DeleteTraitDefinitionPayload',
            deletedDefinitionId: input.id,
            userErrors: [],
          },
        }
    }
    throw new Error(`unexpected operation ${name}`)
  }
}

function setup({ role = 'ANALYST', api = new FakeApi() }: { role?: Role; api?: FakeApi } = {}) {
  const cache = new InMemoryCache({ typePolicies: { Query: { fields: { traitDefinitions: relayStylePagination() } } } })
  const client = new ApolloClient({ link: api, cache })
  const user = userEvent.setup()
  render(
    <ApolloProvider client={client}>
      <TestSession value={testSession(testViewer(role))}>
        <MemoryRouter initialEntries={['/traits']}>
          <ToastProvider>
            <TraitsScreen />
          </ToastProvider>
        </MemoryRouter>
      </TestSession>
    </ApolloProvider>,
  )
  return { api, user }
}

const table = () => screen.findByRole('table', { name: 'Computed traits' })
const rowOf = (t: HTMLElement, name: string) => within(t).getByText(name).closest('tr')!
const dialog = () => screen.getByRole('dialog')

describe('TraitsScreen', () => {
  it('lists definitions with what they compute, their window and their backfill’s progress', async () => {
    setup()
    const t = await table()
    const rev = rowOf(t, 'Pro revenue')
    expect(rev).toHaveTextContent('Sum of total over “Order Completed” events where plan equals “pro”')
    expect(rev).toHaveTextContent('Last 30 days')
    expect(rev).toHaveTextContent('Computing')
    const bar = within(rev).getByRole('progressbar', { name: 'Backfill of Pro revenue: 250 of 1,000 profiles' })
    expect(bar).toHaveAttribute('aria-valuenow', '25')
    const log = rowOf(t, 'Logins')
    expect(log).toHaveTextContent('Count of events over “Login” events')
    expect(log).toHaveTextContent('All time')
    expect(log).toHaveTextContent('Up to date')
    expect(within(log).queryByRole('progressbar')).toBeNull()
  })

  it('creates a trait, checking fields before sending and showing the server’s errors on the field', async () => {
    const { api, user } = setup()
    await table()
    await user.click(screen.getByRole('button', { name: 'New trait' }))
    await user.click(within(dialog()).getByRole('button', { name: 'Create trait' }))
    expect(within(dialog()).getByLabelText('Name')).toHaveAttribute('aria-invalid', 'true')
    expect(within(dialog()).getByText('A name of 1 to 100 characters')).toBeInTheDocument()
    expect(api.called('CreateTraitDefinition')).toHaveLength(0)

    await user.type(within(dialog()).getByLabelText('Name'), 'Big orders')
    await user.selectOptions(within(dialog()).getByLabelText('Aggregation'), 'MAX')
    await user.type(within(dialog()).getByLabelText('Event name'), 'Order Completed')
    await user.type(within(dialog()).getByLabelText('Value property'), 'total')
    await user.selectOptions(within(dialog()).getByLabelText('Time window'), 'days')
    await user.clear(within(dialog()).getByLabelText('Days'))
    await user.type(within(dialog()).getByLabelText('Days'), '7')
    await user.click(within(dialog()).getByLabelText('Only events whose property matches'))
    await user.type(within(dialog()).getByLabelText('Property'), 'total')
    await user.selectOptions(within(dialog()).getByLabelText('Operator'), 'GREATER_THAN')
    await user.type(within(dialog()).getByLabelText('Value'), 'lots')
    await user.click(within(dialog()).getByRole('button', { name: 'Create trait' }))
    expect(within(dialog()).getByText('A number')).toBeInTheDocument() // checked here first
    expect(api.called('CreateTraitDefinition')).toHaveLength(0)

    api.refuseValue = 'GREATER_THAN compares numbers: the value must be a number'
    await user.clear(within(dialog()).getByLabelText('Value'))
    await user.type(within(dialog()).getByLabelText('Value'), '50')
    await user.click(within(dialog()).getByRole('button', { name: 'Create trait' }))
    expect(await within(dialog()).findByText(api.refuseValue)).toBeInTheDocument()
    expect(within(dialog()).getByLabelText('Value')).toHaveAttribute('aria-invalid', 'true')

    api.refuseValue = null
    await user.click(within(dialog()).getByRole('button', { name: 'Create trait' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(api.called('CreateTraitDefinition').at(-1)!.vars.input).toEqual({
      name: 'Big orders',
      aggregation: 'MAX',
      event: 'Order Completed',
      valueProperty: 'total',
      windowDays: 7,
      filter: { property: 'total', operator: 'GREATER_THAN', value: '50' },
    })
    expect(await within(await table()).findByText('Big orders')).toBeInTheDocument()
  })

  it('edits a definition from its current values, and deletes one after confirmation', async () => {
    const { api, user } = setup()
    const t = await table()
    await user.click(within(rowOf(t, 'Logins')).getByRole('button', { name: 'Edit Logins' }))
    expect(within(dialog()).getByLabelText('Name')).toHaveValue('Logins')
    expect(within(dialog()).queryByLabelText('Value property')).toBeNull() // COUNT takes none
    await user.clear(within(dialog()).getByLabelText('Name'))
    await user.type(within(dialog()).getByLabelText('Name'), 'Sign-ins')
    await user.click(within(dialog()).getByRole('button', { name: 'Save trait' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(api.called('UpdateTraitDefinition')[0]!.vars.input).toEqual({
      id: 'def-log',
      name: 'Sign-ins',
      aggregation: 'COUNT',
      event: 'Login',
      valueProperty: null,
      windowDays: null,
      filter: null,
    })

    await user.click(within(rowOf(await table(), 'Pro revenue')).getByRole('button', { name: 'Delete Pro revenue' }))
    expect(api.called('DeleteTraitDefinition')).toHaveLength(0) // not before confirming
    await user.click(within(dialog()).getByRole('button', { name: 'Delete trait' }))
    await waitFor(() => expect(api.called('DeleteTraitDefinition')).toHaveLength(1))
    expect(api.called('DeleteTraitDefinition')[0]!.vars.input).toEqual({ id: 'def-rev' })
  })

  it('offers no changes to a viewer, and says why', async () => {
    setup({ role: 'VIEWER' })
    const t = await table()
    expect(screen.getByRole('button', { name: 'New trait' })).toBeDisabled()
    expect(within(rowOf(t, 'Logins')).getByRole('button', { name: 'Edit Logins' })).toBeDisabled()
    expect(within(rowOf(t, 'Logins')).getByRole('button', { name: 'Delete Logins' })).toBeDisabled()
    expect(screen.getByText(/Only analysts, admins and owners/)).toBeInTheDocument()
  })
})

describe('ComputedTraitsCard', () => {
  it('shows each computed trait’s value and when it was computed', () => {
    render(
      <MemoryRouter>
        <ComputedTraitsCard
          traits={[
            {
              name: 'Favourite plan',
              value: '"pro"',
              computedAt: '2026-12-02T09:30:00Z',
              definition: { id: 'd1' },
            },
            {
              name: 'Orders',
              value: '3',
              computedAt: '2026-12-02T10:00:00Z',
              definition: { id: 'd2' },
            },
          ]}
        />
      </MemoryRouter>,
    )
    const t = screen.getByRole('table', { name: 'Computed traits' })
    expect(rowOf(t, 'Favourite plan')).toHaveTextContent(/Favourite plan\s*pro\s*/)
    expect(rowOf(t, 'Favourite plan')).not.toHaveTextContent('"pro"')
    expect(rowOf(t, 'Orders')).toHaveTextContent('3')
    expect(rowOf(t, 'Orders')).toHaveTextContent(/2026|Dec/)
  })

  it('says so when no trait has a value', () => {
    render(
      <MemoryRouter>
        <ComputedTraitsCard traits={[]} />
      </MemoryRouter>,
    )
    expect(screen.getByText('No computed traits')).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'computed trait' })).toHaveAttribute('href', '/traits')
  })
})
