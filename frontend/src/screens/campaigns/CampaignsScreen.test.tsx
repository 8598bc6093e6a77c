import { ApolloClient, ApolloLink } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { Observable } from 'rxjs'
import { describe, expect, it } from 'vitest'

import { ToastProvider } from '../../components/ui'
import { setViewportWidth } from '../../test/viewport'
import { trustCache } from '../../trust/testProviders'
import CampaignsScreen, { nextSort } from '.'
import { lastDays } from './dates'

interface Row {
  id: string
  name: string
  platform: 'META' | 'GOOGLE' | 'SIMULATOR'
  state: 'ACTIVE' | 'PAUSED' | 'ARCHIVED'
  currency: string
  simulated: boolean
  account: string | null
  spend: number // micros
  value: number // micros
  conversions: number
}

const money = (micros: number, currency: string) => ({
  __typename: 'Money',
  micros: String(micros),
  amount: micros / 1e6,
  currency,
})

function node(r: Row) {
  return {
    __typename: 'Campaign',
    id: r.id,
    name: r.name,
    platform: r.platform,
    state: r.state,
    currency: r.currency,
    simulated: r.simulated,
    account: r.account
      ? {
          __typename: 'AdAccountRef',
          id: `acct-${r.id}`,
          name: r.account,
          timeZone: r.platform === 'META' ? 'Europe/Berlin' : 'America/New_York',
        }
      : null,
    metrics: {
      __typename: 'CampaignMetrics',
      totals: {
        __typename: 'CampaignMetricValues',
        spend: money(r.spend, r.currency),
        conversionValue: money(r.value, r.currency),
        conversions: r.conversions,
        roas: r.spend ? r.value / r.spend : null,
        cpa: r.conversions ? money(Math.round(r.spend / r.conversions), r.currency) : null,
        ctr: 0.02,
      },
    },
  }
}

type Vars = Record<string, unknown> & {
  search?: string | null
  platform?: string | null
  status?: string | null
  orderBy?: { field: string; direction: string; from?: string; to?: string } | null
}

/** A fake API answering the screen's queries from rows, as the server would (filters, order, one page). */
class FakeApi extends ApolloLink {
  requests: { name: string; vars: Vars }[] = []
  constructor(private rows: Row[]) {
    super()
  }
  override request(op: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const vars = op.variables as Vars
    this.requests.push({ name: op.operationName ?? '', vars })
    return new Observable((o) => {
      o.next({ data: this.answer(op.operationName ?? '', vars) })
      o.complete()
    })
  }
  private answer(name: string, v: Vars): Record<string, unknown> {
    if (name === 'CampaignDetail') return detail(this.rows.find((r) => r.id === v.id)!)
    let list = this.rows.filter(
      (r) =>
        (!v.platform || r.platform === v.platform) &&
        (!v.status || r.state === v.status) &&
        (!v.search || r.name.toLowerCase().includes(v.search.toLowerCase())),
    )
    const o = v.orderBy
    if (o) {
      const key = (r: Row): number | string =>
        o.field === 'NAME' ? r.name.toLowerCase() : o.field === 'SPEND' ? r.spend : r.spend ? r.value / r.spend : -1
      list = [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
      if (o.direction === 'DESC') list.reverse()
    }
    const sums = new Map<string, { spend: number; n: number }>()
    for (const r of list) {
      const t = sums.get(r.currency) ?? { spend: 0, n: 0 }
      sums.set(r.currency, { spend: t.spend + r.spend, n: t.n + 1 })
    }
    // Cursors are positions ("at:N"), as opaque to the screen as the server's.
    const start = typeof v.after === 'string' ? Number(v.after.slice(3)) : 0
    const first = Number(v.first)
    const page = list.slice(start, start + first)
    return {
      campaigns: {
        __typename: 'CampaignConnection',
        totalCount: list.length,
        totals: [...sums].sort().map(([currency, t]) => ({
          __typename: 'CurrencyMetricTotals',
          currency,
          campaigns: t.n,
          totals: {
            __typename: 'CampaignMetricValues',
            spend: { __typename: 'Money', micros: String(t.spend), amount: t.spend / 1e6 },
          },
        })),
        pageInfo: {
          __typename: 'PageInfo',
          hasNextPage: start + first < list.length,
          endCursor: `at:${start + page.length}`,
        },
        edges: page.map((r) => ({ __typename: 'CampaignEdge', node: node(r) })),
      },
    }
  }
}

function detail(r: Row) {
  return {
    node: {
      __typename: 'Campaign',
      id: r.id,
      name: r.name,
      currency: r.currency,
      simulated: r.simulated,
      metrics: {
        __typename: 'CampaignMetrics',
        points: [
          {
            __typename: 'CampaignMetricPoint',
            date: '2026-12-01',
            spend: { __typename: 'Money', amount: 10 },
            conversionValue: { __typename: 'Money', amount: 30 },
            conversions: 1,
            roas: 3,
          },
        ],
      },
    },
    actions: {
      __typename: 'ActionConnection',
      totalCount: 1,
      edges: [
        {
          __typename: 'ActionEdge',
          node: {
            __typename: 'Action',
            id: 'a1',
            type: 'REDUCE_BUDGET',
            status: 'QUEUED',
            createdAt: '2026-12-01T10:00:00Z',
            ruleName: 'Cut losers',
          },
        },
      ],
    },
    trustAuditLog: {
      __typename: 'TrustAuditEntryConnection',
      totalCount: 1,
      edges: [
        {
          __typename: 'TrustAuditEntryEdge',
          node: {
            __typename: 'TrustAuditEntry',
            id: 'g1',
            at: '2026-12-01T10:00:00Z',
            decision: 'HOLD',
            actionType: 'REDUCE_BUDGET',
            dryRun: false,
            reasons: ['autopilot level APPROVAL_REQUIRED: waiting for approval'],
          },
        },
      ],
    },
  }
}

const USD_ROWS: Row[] = [
  {
    id: 'c1',
    name: 'Brand search',
    platform: 'GOOGLE',
    state: 'ACTIVE',
    currency: 'USD',
    simulated: false,
    account: 'Acme US',
    spend: 120_500_000,
    value: 361_500_000,
    conversions: 4,
  },
  {
    id: 'c2',
    name: 'Prospecting',
    platform: 'META',
    state: 'PAUSED',
    currency: 'USD',
    simulated: false,
    account: 'Acme Meta',
    spend: 300_000_000,
    value: 300_000_000,
    conversions: 0,
  },
  {
    id: 'c3',
    name: 'Demo retargeting',
    platform: 'SIMULATOR',
    state: 'ACTIVE',
    currency: 'USD',
    simulated: true,
    account: null,
    spend: 50_000_000,
    value: 200_000_000,
    conversions: 2,
  },
]

const TODAY = new Date(2026, 11, 2)

function setup(rows: Row[] = USD_ROWS) {
  const api = new FakeApi(rows)
  const client = new ApolloClient({ link: api, cache: trustCache() })
  render(
    <ApolloProvider client={client}>
      <MemoryRouter initialEntries={['/campaigns']}>
        <ToastProvider>
          <CampaignsScreen today={TODAY} searchDelayMs={0} />
        </ToastProvider>
      </MemoryRouter>
    </ApolloProvider>,
  )
  return api
}

/** The table's campaign names, top to bottom. */
async function names(): Promise<string[]> {
  const table = await screen.findByRole('table', { name: 'Campaigns' })
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((r) => within(r).getAllByRole('button')[0]!.textContent ?? '')
}

describe('CampaignsScreen', () => {
  it('lists every platform with money in the campaign currency and labels simulated rows', async () => {
    setup()
    expect(await names()).toEqual(['Brand search', 'Prospecting', 'Demo retargeting'])
    const row = (name: string) => screen.getByRole('button', { name }).closest('tr')!
    expect(row('Brand search')).toHaveTextContent('$120.50')
    expect(row('Brand search')).toHaveTextContent('3×')
    expect(row('Brand search')).toHaveTextContent('Acme US')
    // Days are the account's: its time zone is shown beside its name.
    expect(row('Brand search')).toHaveTextContent('America/New_York')
    expect(row('Prospecting')).toHaveTextContent('Europe/Berlin')
    expect(row('Prospecting')).not.toHaveTextContent('America/New_York')
    expect(row('Prospecting')).toHaveTextContent('Paused')
    // Simulated: the simulator's row says so; a real one does not (positive control).
    expect(within(row('Demo retargeting')).getByText('Simulated')).toBeInTheDocument()
    expect(within(row('Brand search')).queryByText('Simulated')).toBeNull()
  })

  it('asks for the chosen days and sorts by a clicked heading, metric orderings over the same days', async () => {
    const api = setup()
    await names()
    const range = lastDays(TODAY, 30)
    expect(api.requests[0]!.vars).toMatchObject({ ...range, orderBy: null })
    await userEvent.click(screen.getByRole('button', { name: 'Spend' }))
    await waitFor(async () => expect(await names()).toEqual(['Prospecting', 'Brand search', 'Demo retargeting']))
    expect(screen.getByRole('columnheader', { name: /Spend/ })).toHaveAttribute('aria-sort', 'descending')
    expect(api.requests.at(-1)!.vars.orderBy).toEqual({ field: 'SPEND', direction: 'DESC', ...range })

    await userEvent.click(screen.getByRole('button', { name: /Spend/ }))
    await waitFor(async () => expect(await names()).toEqual(['Demo retargeting', 'Brand search', 'Prospecting']))
    expect(screen.getByRole('columnheader', { name: /Spend/ })).toHaveAttribute('aria-sort', 'ascending')

    await userEvent.selectOptions(screen.getByLabelText('Date range'), '7')
    await waitFor(() => expect(api.requests.at(-1)!.vars).toMatchObject(lastDays(TODAY, 7)))
    expect(api.requests.at(-1)!.vars.orderBy).toMatchObject(lastDays(TODAY, 7))
  })

  it('searches by name and filters by platform and status', async () => {
    const api = setup()
    await names()
    await userEvent.type(screen.getByLabelText('Search by name'), 'PROSP')
    await waitFor(async () => expect(await names()).toEqual(['Prospecting']))
    expect(api.requests.at(-1)!.vars.search).toBe('PROSP')
    await userEvent.clear(screen.getByLabelText('Search by name'))
    await waitFor(async () => expect(await names()).toHaveLength(3))

    await userEvent.selectOptions(screen.getByLabelText('Platform'), 'SIMULATOR')
    await waitFor(async () => expect(await names()).toEqual(['Demo retargeting']))
    await userEvent.selectOptions(screen.getByLabelText('Platform'), '')
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'PAUSED')
    await waitFor(async () => expect(await names()).toEqual(['Prospecting']))
    expect(api.requests.at(-1)!.vars).toMatchObject({ status: 'PAUSED', platform: null })
  })

  it('loads the next page with the same filters after the last cursor, and appends it', async () => {
    const many = Array.from({ length: 30 }, (_, i) => ({
      ...USD_ROWS[0]!,
      id: `m${i}`,
      name: `Campaign ${String(i).padStart(2, '0')}`,
    }))
    const api = setup(many)
    expect(await names()).toHaveLength(25)
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }))
    await waitFor(async () => expect(await names()).toHaveLength(30))
    expect((await names()).at(-1)).toBe('Campaign 29')
    expect(api.requests.at(-1)!.vars).toMatchObject({ after: 'at:25', first: 25, orderBy: null })
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull()
  })

  it('says so when nothing matches', async () => {
    setup()
    await names()
    await userEvent.type(screen.getByLabelText('Search by name'), 'no such campaign')
    expect(await screen.findByText('No campaigns')).toBeInTheDocument()
    expect(screen.getByText('None match this search and these filters.')).toBeInTheDocument()
  })

  it('shows the server’s spend totals per currency, never one across currencies', async () => {
    setup([
      ...USD_ROWS,
      { ...USD_ROWS[0]!, id: 'c4', name: 'Marque', currency: 'EUR', account: 'Acme FR', spend: 80_000_000 },
    ])
    await names()
    const totals = screen.getByTestId('spend-totals')
    expect(totals).toHaveTextContent('by currency (not added across currencies)')
    expect(totals).toHaveTextContent('€80.00 (1 campaign) · $470.50 (3 campaigns)')
    expect(screen.getByRole('button', { name: 'Marque' }).closest('tr')).toHaveTextContent('€80.00')
  })

  it('totals spend in one currency plainly (positive control of the mixed case)', async () => {
    setup()
    await names()
    const totals = screen.getByTestId('spend-totals')
    expect(totals).toHaveTextContent('Spend of all matching campaigns: $470.50')
    expect(totals).not.toHaveTextContent('by currency')
  })

  it('opens a campaign with its chart and the actions and gate decisions that touched it', async () => {
    setup()
    await names()
    await userEvent.click(screen.getByRole('button', { name: 'Demo retargeting' }))
    const actions = await screen.findByRole('list', { name: 'Actions on this campaign' })
    expect(actions).toHaveTextContent('Reduce budget')
    expect(actions).toHaveTextContent('by Cut losers')
    expect(screen.getByRole('list', { name: 'Gate decisions on this campaign' })).toHaveTextContent(
      'waiting for approval',
    )
    expect(screen.getByText('Spend over 1 days: $10.00.')).toBeInTheDocument()
  })
})

describe('CampaignsScreen on a phone', () => {
  it('stacks the campaigns as cards and sorts from a menu', async () => {
    setViewportWidth(390)
    const api = setup()
    const list = await screen.findByRole('list', { name: 'Campaigns' })
    expect(within(list).getAllByRole('listitem')).toHaveLength(3)
    // Each line is labelled with its column (positive control: the name line says Name).
    const first = within(list).getAllByRole('listitem')[0]!
    expect(within(first).getByText('Spend')).toBeInTheDocument()
    expect(within(first).getByText('Account')).toBeInTheDocument()
    expect(within(first).getAllByText('Name')).toHaveLength(1)
    expect(screen.queryByRole('table')).toBeNull()
    await userEvent.selectOptions(screen.getByLabelText('Sort by'), 'ROAS:DESC')
    await waitFor(() => expect(api.requests.at(-1)!.vars.orderBy).toMatchObject({ field: 'ROAS', direction: 'DESC' }))
    const names = async () =>
      within(await screen.findByRole('list', { name: 'Campaigns' }))
        .getAllByRole('listitem')
        .map((li) => within(li).getAllByRole('button')[0]!.textContent)
    await waitFor(async () => expect(await names()).toEqual(['Demo retargeting', 'Brand search', 'Prospecting']))
  })
})

describe('nextSort', () => {
  it('starts names A→Z and metrics largest first (CPA smallest first), then flips', () => {
    expect(nextSort(null, 'NAME')).toEqual({ field: 'NAME', direction: 'ASC' })
    expect(nextSort(null, 'ROAS')).toEqual({ field: 'ROAS', direction: 'DESC' })
    expect(nextSort(null, 'CPA')).toEqual({ field: 'CPA', direction: 'ASC' })
    expect(nextSort({ field: 'ROAS', direction: 'DESC' }, 'ROAS')).toEqual({ field: 'ROAS', direction: 'ASC' })
    expect(nextSort({ field: 'ROAS', direction: 'DESC' }, 'SPEND')).toEqual({ field: 'SPEND', direction: 'DESC' })
  })
})
