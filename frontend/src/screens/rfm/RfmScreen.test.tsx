import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { Observable } from 'rxjs'
import { describe, expect, it } from 'vitest'

import { ToastProvider } from '../../components/ui'
import type { Role } from '../../gql/graphql'
import { TestSession, testSession, testViewer } from '../../test/session'
import RfmScreen from '.'

const CELLS = [
  ['CHAMPIONS', 'Champions', 3, 1250.5],
  ['LOYAL', 'Loyal', 0, 0],
  ['POTENTIAL_LOYAL', 'Potential Loyal', 1, 10],
  ['NEW', 'New', 0, 0],
  ['PROMISING', 'Promising', 0, 0],
  ['NEED_ATTENTION', 'Need Attention', 0, 0],
  ['AT_RISK', 'At Risk', 2, 99],
  ['CANT_LOSE', "Can't Lose", 0, 0],
  ['HIBERNATING', 'Hibernating', 0, 0],
  ['LOST', 'Lost', 0, 0],
] as const

type Vars = Record<string, unknown>

class FakeApi extends ApolloLink {
  requests: { name: string; vars: Vars }[] = []
  computed = true
  settingsErrors: { field: string[]; message: string }[] = []

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
      case 'RfmReport':
        return {
          rfmReport: {
            __typename: 'RfmReport',
            computedAt: this.computed ? '2026-12-02T06:00:00Z' : null,
            lookbackDays: 365,
            profiles: this.computed ? 6 : 0,
            cells: CELLS.map(([segment, n, count, revenue]) => ({
              __typename: 'RfmCell',
              segment,
              name: n,
              count: this.computed ? count : 0,
              revenue: this.computed ? revenue : 0,
            })),
          },
          rfmSettings: {
            __typename: 'RfmSettings',
            lookbackDays: 365,
            eventNames: ['Order Completed'],
            valueProperty: null,
          },
        }
      case 'RfmCellMembers': {
        const people =
          v.segment === 'CHAMPIONS'
            ? [
                ['UHJvZmlsZTox', 'ann@example.com'],
                ['UHJvZmlsZToy', 'bob@example.com'],
              ]
            : []
        return {
          rfmReport: {
            __typename: 'RfmReport',
            cells: [
              {
                __typename: 'RfmCell',
                segment: v.segment,
                count: people.length,
                members: {
                  __typename: 'ProfileConnection',
                  totalCount: people.length,
                  edges: people.map(([id, email]) => ({
                    __typename: 'ProfileEdge',
                    cursor: id,
                    node: {
                      __typename: 'Profile',
                      id,
                      canonicalIdentity: { __typename: 'Identity', type: 'EMAIL', value: email },
                      lastSeenAt: '2026-12-01T10:00:00Z',
                      rfm: { __typename: 'RfmScore', r: 5, f: 5, m: 4 },
                    },
                  })),
                  pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
                },
              },
            ],
          },
        }
      }
      case 'RefreshRfm':
        return { refreshRfm: { __typename: 'RefreshRfmPayload', queued: true, userErrors: [] } }
      case 'UpdateRfmSettings': {
        const errors = this.settingsErrors
        return {
          updateRfmSettings: {
            __typename: 'RfmSettingsPayload',
            settings: errors.length
              ? null
              : { __typename: 'RfmSettings', lookbackDays: 90, eventNames: ['Paid'], valueProperty: null },
            userErrors: errors.map((e) => ({ __typename: 'UserError', ...e, code: 'BAD_USER_INPUT' })),
          },
        }
      }
      case 'Features':
        return { viewer: { __typename: 'Viewer', features: [] } }
    }
    throw new Error(`unexpected operation ${name}`)
  }
}

function setup(role: Role = 'ADMIN', api = new FakeApi()) {
  const client = new ApolloClient({
    link: api,
    cache: new InMemoryCache({ typePolicies: { RfmReport: { merge: true } } }),
  })
  const user = userEvent.setup()
  render(
    <ApolloProvider client={client}>
      <ToastProvider>
        <TestSession value={testSession(testViewer(role))}>
          <MemoryRouter>
            <RfmScreen />
          </MemoryRouter>
        </TestSession>
      </ToastProvider>
    </ApolloProvider>,
  )
  return { api, user }
}

describe('RfmScreen', () => {
  it('shows every cell with its count and revenue, and when it was computed', async () => {
    setup()
    const cells = await screen.findByRole('list', { name: 'RFM cells' })
    const buttons = within(cells).getAllByRole('button')
    expect(buttons).toHaveLength(10)
    expect(buttons[0]).toHaveTextContent('Champions')
    expect(buttons[0]).toHaveTextContent('3 profiles')
    expect(buttons[0]).toHaveTextContent('1,250.5')
    expect(within(cells).getByRole('button', { name: /Can't lose/ })).toHaveTextContent('0 profiles')
    expect(screen.getByText(/Computed .* over the last 365 days: 6 customers scored/)).toBeInTheDocument()
  })

  it('says when nothing was computed yet (not zero customers)', async () => {
    const api = new FakeApi()
    api.computed = false
    setup('ADMIN', api)
    expect(await screen.findByText(/Not computed yet/)).toBeInTheDocument()
  })

  it("lists a cell's members when it is selected, linking to their profiles", async () => {
    const { user, api } = setup('VIEWER')
    await user.click(await screen.findByRole('button', { name: /Champions/ }))
    expect(screen.getByRole('button', { name: /Champions/ })).toHaveAttribute('aria-pressed', 'true')
    const table = await screen.findByRole('table', { name: 'Profiles in Champions' })
    expect(within(table).getByRole('link', { name: 'ann@example.com' })).toHaveAttribute(
      'href',
      '/profiles/UHJvZmlsZTox',
    )
    expect(api.called('RfmCellMembers')[0]!.vars).toMatchObject({ segment: 'CHAMPIONS', first: 20 })
    await user.click(screen.getByRole('button', { name: /At risk/ }))
    expect(await screen.findByText('No profiles in At risk')).toBeInTheDocument()
  })

  it('queues a refresh for analysts; viewers get no button', async () => {
    const { user, api } = setup('ANALYST')
    await user.click(await screen.findByRole('button', { name: 'Refresh now' }))
    await waitFor(() => expect(api.called('RefreshRfm')).toHaveLength(1))
    expect(await screen.findByText(/A computation is queued/)).toBeInTheDocument()
  })

  it('hides the refresh from viewers and keeps the settings read-only', async () => {
    setup('VIEWER')
    await screen.findByRole('list', { name: 'RFM cells' })
    expect(screen.queryByRole('button', { name: 'Refresh now' })).toBeNull()
    expect(screen.getByLabelText('Lookback (days)')).toBeDisabled()
    expect(screen.queryByRole('button', { name: 'Save settings' })).toBeNull()
  })

  it("saves the settings and shows the server's error on its field", async () => {
    const api = new FakeApi()
    api.settingsErrors = [{ field: ['input', 'lookbackDays'], message: 'the lookback is 1 to 3650 days' }]
    const { user } = setup('ADMIN', api)
    const lookback = await screen.findByLabelText('Lookback (days)')
    await user.clear(lookback)
    await user.type(lookback, '0')
    await user.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('the lookback is 1 to 3650 days')).toBeInTheDocument()
    expect(lookback).toHaveAttribute('aria-invalid', 'true')
    expect(api.called('UpdateRfmSettings')[0]!.vars).toEqual({
      input: { lookbackDays: 0, eventNames: ['Order Completed'], valueProperty: null },
    })
    api.settingsErrors = []
    await user.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Saved.')).toBeInTheDocument()
  })
})
