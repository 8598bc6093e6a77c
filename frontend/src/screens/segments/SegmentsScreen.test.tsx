import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import { relayStylePagination } from '@apollo/client/utilities'
import { act, cleanup, render, renderHook, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom'
import { Observable } from 'rxjs'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { ToastProvider } from '../../components/ui'
import { TestSession, testSession, testViewer } from '../../test/session'
import SegmentsScreen from '.'
import { fromJSON, incomplete, newCondition, newFilter, newGroup, nodeOfError, toInput, type NodePaths } from './rules'
import { dayLabel } from './MembershipHistory'
import SegmentEditor, { useDebounced } from './SegmentEditor'

type Vars = Record<string, unknown> & {
  rules?: unknown
  input?: { id?: string; name?: string; kind?: string; rules?: unknown }
  id?: string
}

interface GqlError {
  message: string
  extensions: Record<string, unknown>
}

const SEGMENT_ID = 'U2VnbWVudDox'
const ORDERS_UUID = '0b6c4a52-8d1e-4f3a-9c2b-5e7d6f8a9b01'
/** The Orders trait's global id: base64url of "TraitDefinition:<uuid>". */
const ORDERS_TRAIT = btoa(`TraitDefinition:${ORDERS_UUID}`).replace(/=+$/, '')
const ANN = {
  __typename: 'Profile',
  id: 'UHJvZmlsZTox',
  lifecycleStage: 'CUSTOMER',
  canonicalIdentity: { __typename: 'Identity', type: 'USER_ID', value: 'u-ann' },
}

const SAVED_RULES = JSON.stringify({
  and: [
    {
      event: {
        name: 'Order Completed',
        count: { operator: 'AT_LEAST', value: 2 },
        window: { operator: 'WITHIN_LAST', value: '30' },
      },
    },
  ],
})

function segmentNode(extra: Record<string, unknown> = {}) {
  return {
    __typename: 'Segment',
    id: SEGMENT_ID,
    name: 'Big spenders',
    kind: 'DYNAMIC',
    size: 1,
    rules: SAVED_RULES,
    createdAt: '2026-12-01T10:00:00Z',
    updatedAt: '2026-12-01T10:00:00Z',
    refreshedAt: '2026-12-02T09:00:00Z',
    ...extra,
  }
}

/** A fake API answering the screens' operations; it records requests. */
class FakeApi extends ApolloLink {
  requests: { name: string; vars: Vars }[] = []
  /** What the next previews answer: a size, or errors. */
  previewErrors: GqlError[] = []
  createErrors: { field: string[]; message: string; code: string }[] = []
  /** Emits a membership change on each open subscription. */
  changes: (() => void)[] = []
  /** The membership changes per UTC day the history answers (other days: zeros); "today" is 2026-12-02. */
  history: Record<string, { entered: number; exited: number }> = {
    '2026-12-02': { entered: 4, exited: 1 },
    '2026-11-20': { entered: 2, exited: 3 },
  }

  override request(op: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const name = op.operationName ?? ''
    const vars = op.variables as Vars
    this.requests.push({ name, vars })
    if (name === 'SegmentMembershipChanged') {
      return new Observable((o) => {
        this.changes.push(() =>
          o.next({
            data: {
              segmentMembershipChanged: {
                __typename: 'SegmentMembershipChange',
                entered: 1,
                exited: 0,
                segment: segmentNode({ size: 2 }),
              },
            },
          }),
        )
      })
    }
    return new Observable((o) => {
      if (name === 'PreviewSegment' && this.previewErrors.length) {
        o.next({ data: null, errors: this.previewErrors })
      } else {
        o.next({ data: this.answer(name, vars) })
      }
      o.complete()
    })
  }

  called(name: string) {
    return this.requests.filter((r) => r.name === name)
  }

  private answer(name: string, v: Vars): Record<string, unknown> {
    const payload = (typename: string, segment: unknown, errors: unknown[] = []) => ({
      __typename: typename,
      segment: errors.length ? null : segment,
      userErrors: errors.map((e) => ({ __typename: 'UserError', ...(e as object) })),
    })
    switch (name) {
      case 'Segments':
        return {
          segments: {
            __typename: 'SegmentConnection',
            totalCount: 2,
            edges: [
              { __typename: 'SegmentEdge', cursor: 'c1', node: segmentNode() },
              {
                __typename: 'SegmentEdge',
                cursor: 'c2',
                node: segmentNode({
                  id: 'U2VnbWVudDoy',
                  name: 'Newsletter',
                  kind: 'STATIC',
                  size: 1200,
                  refreshedAt: null,
                }),
              },
            ],
            pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: 'c2' },
          },
        }
      case 'Segment':
        return {
          segment:
            v.id === SEGMENT_ID
              ? {
                  ...segmentNode(),
                  members: {
                    __typename: 'SegmentMemberConnection',
                    totalCount: 1,
                    edges: [
                      {
                        __typename: 'SegmentMemberEdge',
                        cursor: 'm1',
                        node: { __typename: 'SegmentMember', enteredAt: '2026-12-02T08:00:00Z', profile: ANN },
                      },
                    ],
                    pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: 'm1' },
                  },
                }
              : null,
        }
      case 'SegmentMembershipHistory': {
        const n = Number(v['days'])
        const days = Array.from({ length: n }, (_, i) => {
          const date = new Date(Date.UTC(2026, 11, 2 - (n - 1) + i)).toISOString().slice(0, 10)
          return { __typename: 'SegmentMembershipDay', date, entered: 0, exited: 0, ...this.history[date] }
        })
        return {
          segment: v.id === SEGMENT_ID ? { __typename: 'Segment', id: SEGMENT_ID, membershipHistory: days } : null,
        }
      }
      case 'SegmentTraitDefinitions':
        return {
          traitDefinitions: {
            __typename: 'TraitDefinitionConnection',
            edges: [
              {
                __typename: 'TraitDefinitionEdge',
                node: { __typename: 'TraitDefinition', id: ORDERS_TRAIT, name: 'Orders' },
              },
              {
                __typename: 'TraitDefinitionEdge',
                node: { __typename: 'TraitDefinition', id: 'VHJhaXREZWZpbml0aW9uOjI', name: 'Plan' },
              },
            ],
          },
        }
      case 'PreviewSegment':
        return { previewSegment: { __typename: 'SegmentPreview', size: 3, sample: [ANN] } }
      case 'CreateSegment':
        return { createSegment: payload('SegmentPayload', segmentNode({ name: v.input?.name }), this.createErrors) }
      case 'UpdateSegment':
        return { updateSegment: payload('SegmentPayload', segmentNode({ name: v.input?.name })) }
    }
    throw new Error(`unexpected operation ${name}`)
  }
}

function Where() {
  return <output aria-label="Address">{useLocation().pathname}</output>
}

function setup(path: string, api = new FakeApi()) {
  const client = new ApolloClient({
    link: api,
    cache: new InMemoryCache({
      typePolicies: {
        Segment: { fields: { members: relayStylePagination() } },
        Query: { fields: { segments: relayStylePagination() } },
      },
    }),
  })
  const user = userEvent.setup()
  render(
    <ApolloProvider client={client}>
      <TestSession value={testSession(testViewer('ANALYST'))}>
        <ToastProvider>
          <MemoryRouter initialEntries={[path]}>
            <Routes>
              <Route path="/segments" element={<SegmentsScreen />} />
              <Route path="/segments/:id" element={<SegmentEditor previewDelayMs={0} />} />
            </Routes>
            <Where />
          </MemoryRouter>
        </ToastProvider>
      </TestSession>
    </ApolloProvider>,
  )
  return { api, user }
}

afterEach(cleanup)

const condition = (n: number) => screen.getByRole('group', { name: `Rules › condition ${n}` })

describe('SegmentsScreen', () => {
  it('lists the segments with their kind, size and last refresh, and opens the builder', async () => {
    const { user } = setup('/segments')
    const table = await screen.findByRole('table', { name: 'Segments' })
    const big = within(table).getByText('Big spenders').closest('tr')!
    expect(big).toHaveTextContent('Dynamic (follows the events)')
    expect(within(table).getByText('Newsletter').closest('tr')).toHaveTextContent('1,200')
    expect(within(table).getByText('Newsletter').closest('tr')).toHaveTextContent('Never')
    await user.click(screen.getByRole('button', { name: 'New segment' }))
    expect(screen.getByRole('status', { name: 'Address' })).toHaveTextContent('/segments/new')
  })
})

describe('SegmentEditor', () => {
  it('builds an event condition with a property filter and a time window, and previews its size live', async () => {
    const { api, user } = setup('/segments/new')
    const c1 = await waitFor(() => condition(1))
    // Blanks first: the preview waits for them instead of answering with errors.
    expect(screen.getByRole('region', { name: 'Size preview' })).toHaveTextContent('Fill in the conditions')
    expect(api.called('PreviewSegment')).toHaveLength(0)
    await user.type(within(c1).getByLabelText('Event name'), 'Order Completed')
    await user.click(within(c1).getByRole('button', { name: 'Add property filter' }))
    const filter = within(c1).getByRole('group', { name: 'Property filter 1' })
    await user.type(within(filter).getByLabelText('Property', { exact: false }), 'total')
    await user.selectOptions(within(filter).getByLabelText('Operator'), 'GREATER_THAN')
    await user.type(within(filter).getByLabelText('Value'), '50')
    await user.clear(within(c1).getByLabelText('Count'))
    await user.type(within(c1).getByLabelText('Count'), '2')

    const preview = screen.getByRole('region', { name: 'Size preview' })
    await waitFor(() => expect(preview).toHaveTextContent('3 profiles'))
    expect(within(preview).getByRole('link', { name: 'u-ann' })).toBeInTheDocument()
    const last = api.called('PreviewSegment').at(-1)!
    expect(last.vars.rules).toEqual({
      and: [
        {
          event: {
            name: 'Order Completed',
            where: [{ path: ['total'], operator: 'GREATER_THAN', value: '50' }],
            count: { operator: 'AT_LEAST', value: 2 },
            window: { operator: 'WITHIN_LAST', value: '30' },
          },
        },
      ],
    })
  })

  it('builds a computed-trait condition picked by name and an RFM cell condition', async () => {
    const { api, user } = setup('/segments/new')
    const c1 = await waitFor(() => condition(1))
    await user.selectOptions(within(c1).getByLabelText('Condition'), 'computedTrait')
    await waitFor(() => expect(within(c1).getByRole('option', { name: 'Orders' })).toBeInTheDocument())
    await user.selectOptions(within(c1).getByLabelText('Computed trait'), 'Orders')
    await user.selectOptions(within(c1).getByLabelText('Operator'), 'GREATER_THAN')
    await user.type(within(c1).getByLabelText('Value'), '1')
    await user.click(screen.getByRole('button', { name: 'Add condition' }))
    await user.selectOptions(within(condition(2)).getByLabelText('Condition'), 'rfm')
    // Cells: a picker of the named cells.
    await user.selectOptions(within(condition(2)).getByLabelText('Value'), "Can't lose")
    await waitFor(() =>
      expect(api.called('PreviewSegment').at(-1)?.vars.rules).toEqual({
        and: [
          { computedTrait: ORDERS_TRAIT, operator: 'GREATER_THAN', value: '1' },
          { rfm: 'CELL', operator: 'EQUALS', value: 'CANT_LOSE' },
        ],
      }),
    )
    // Scores: a number with the score operators.
    await user.selectOptions(within(condition(2)).getByLabelText('RFM measure'), 'RECENCY')
    expect(
      within(within(condition(2)).getByLabelText('Operator'))
        .getAllByRole('option')
        .map((o) => o.getAttribute('value')),
    ).toEqual(['EQUALS', 'GREATER_THAN', 'LESS_THAN', 'BETWEEN', 'IN'])
    await user.selectOptions(within(condition(2)).getByLabelText('Operator'), 'GREATER_THAN')
    await user.type(within(condition(2)).getByLabelText('Value'), '3')
    await waitFor(() =>
      expect(api.called('PreviewSegment').at(-1)?.vars.rules).toEqual({
        and: [
          { computedTrait: ORDERS_TRAIT, operator: 'GREATER_THAN', value: '1' },
          { rfm: 'RECENCY', operator: 'GREATER_THAN', value: '3' },
        ],
      }),
    )
  })

  it('shows the server’s error on the condition that is wrong, not on the others', async () => {
    const api = new FakeApi()
    api.previewErrors = [
      {
        message: 'a whole number is expected',
        extensions: { code: 'BAD_USER_INPUT', field: ['rules', 'and', '1', 'value'] },
      },
    ]
    const { user } = setup('/segments/new', api)
    await waitFor(() => condition(1))
    await user.type(within(condition(1)).getByLabelText('Event name'), 'Login')
    await user.click(screen.getByRole('button', { name: 'Add condition' }))
    await user.selectOptions(within(condition(2)).getByLabelText('Condition'), 'field')
    await user.type(within(condition(2)).getByLabelText('Value'), 'many')
    await waitFor(() => expect(condition(2)).toHaveTextContent('a whole number is expected'))
    expect(condition(2)).toHaveAttribute('aria-invalid', 'true')
    expect(condition(1)).not.toHaveTextContent('a whole number is expected')
    expect(condition(1)).not.toHaveAttribute('aria-invalid')
    expect(screen.getByRole('region', { name: 'Size preview' })).toHaveTextContent('Fix the marked conditions')
  })

  it('saves a segment; userErrors land on their condition', async () => {
    const api = new FakeApi()
    api.createErrors = [
      {
        field: ['input', 'rules', 'and', '0', 'event', 'name'],
        message: 'an event name is 1 to 200 characters',
        code: 'BAD_USER_INPUT',
      },
    ]
    const { user } = setup('/segments/new', api)
    await waitFor(() => condition(1))
    await user.type(screen.getByLabelText('Name'), 'Buyers')
    await user.click(screen.getByRole('button', { name: 'Save segment' }))
    await waitFor(() => expect(condition(1)).toHaveTextContent('an event name is 1 to 200 characters'))
    expect(screen.getByRole('status', { name: 'Address' })).toHaveTextContent('/segments/new')

    api.createErrors = []
    await user.type(within(condition(1)).getByLabelText('Event name'), 'Order Completed')
    await user.click(screen.getByRole('button', { name: 'Save segment' }))
    await waitFor(() =>
      expect(screen.getByRole('status', { name: 'Address' })).toHaveTextContent(`/segments/${SEGMENT_ID}`),
    )
    const sent = api.called('CreateSegment').at(-1)!.vars.input!
    expect(sent.name).toBe('Buyers')
    expect(sent.kind).toBe('DYNAMIC')
  })

  it('opens a saved segment with its rules in the builder and its members', async () => {
    setup(`/segments/${SEGMENT_ID}`)
    const c1 = await waitFor(() => condition(1))
    expect(within(c1).getByLabelText('Event name')).toHaveValue('Order Completed')
    expect(within(c1).getByLabelText('Count')).toHaveValue(2)
    const members = await screen.findByRole('table', { name: 'Members' })
    expect(within(members).getByRole('link', { name: 'u-ann' })).toBeInTheDocument()
    expect(members).toHaveTextContent('Customer')
  })

  it('follows membership changes: the size updates, the members and the history are read again', async () => {
    const { api } = setup(`/segments/${SEGMENT_ID}`)
    await screen.findByRole('table', { name: 'Members' })
    await screen.findByRole('img', { name: 'Entered and exited per day, last 30 days' })
    await waitFor(() => expect(api.changes).toHaveLength(1))
    const reads = api.called('Segment').length
    const historyReads = api.called('SegmentMembershipHistory').length
    api.changes[0]!()
    await waitFor(() => expect(api.called('Segment').length).toBeGreaterThan(reads))
    await waitFor(() => expect(api.called('SegmentMembershipHistory').length).toBeGreaterThan(historyReads))
  })

  it('charts the members that entered and exited per day, with a table, over 7, 30 or 90 days', async () => {
    const { api, user } = setup(`/segments/${SEGMENT_ID}`)
    const card = await screen.findByRole('region', { name: 'Entered and exited, last 30 days' })
    const chart = await within(card).findByRole('img', { name: 'Entered and exited per day, last 30 days' })
    expect(api.called('SegmentMembershipHistory').at(-1)!.vars).toEqual({ id: SEGMENT_ID, days: 30 })
    // The summary describes the chart: totals and the busiest days.
    const summary = document.getElementById(chart.getAttribute('aria-describedby')!)!
    expect(summary).toHaveTextContent('6 entered and 4 exited in the last 30 days')
    expect(summary).toHaveTextContent(`most entries on ${dayLabel('2026-12-02')} (4)`)
    expect(summary).toHaveTextContent(`most exits on ${dayLabel('2026-11-20')} (3)`)
    // One slot per day; bars only where something happened, entries up, exits down.
    expect(chart.querySelectorAll('g[data-day]')).toHaveLength(30)
    expect(chart.querySelectorAll('rect[data-series="entered"]')).toHaveLength(2)
    expect(chart.querySelectorAll('rect[data-series="exited"]')).toHaveLength(2)
    const today = chart.querySelector('g[data-day="2026-12-02"]')!
    const up = today.querySelector('rect[data-series="entered"]')!
    const down = today.querySelector('rect[data-series="exited"]')!
    expect(Number(up.getAttribute('y')) + Number(up.getAttribute('height'))).toBe(60)
    expect(Number(down.getAttribute('y'))).toBe(60)
    expect(Number(up.getAttribute('height'))).toBeGreaterThan(Number(down.getAttribute('height')))
    // The same numbers as a table, every day included.
    const table = within(card).getByRole('table', { name: 'Entered and exited per day' })
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(30)
    expect(rows[29]).toHaveTextContent(`${dayLabel('2026-12-02')}41`)
    expect(rows[17]).toHaveTextContent(`${dayLabel('2026-11-20')}23`)
    expect(rows[0]).toHaveTextContent(`${dayLabel('2026-11-03')}00`)

    // 7 days: the 20 November changes fall out of range.
    expect(within(card).getByRole('button', { name: /last 30 days/ })).toHaveAttribute('aria-pressed', 'true')
    await user.click(within(card).getByRole('button', { name: /last 7 days/ }))
    const week = await screen.findByRole('region', { name: 'Entered and exited, last 7 days' })
    await waitFor(() => expect(within(week).getAllByRole('row')).toHaveLength(8))
    expect(api.called('SegmentMembershipHistory').at(-1)!.vars).toEqual({ id: SEGMENT_ID, days: 7 })
    expect(within(week).getByRole('img')).toHaveAccessibleName('Entered and exited per day, last 7 days')
    expect(week).toHaveTextContent('4 entered and 1 exited in the last 7 days')
    await user.click(within(week).getByRole('button', { name: /last 90 days/ }))
    const quarter = await screen.findByRole('region', { name: 'Entered and exited, last 90 days' })
    await waitFor(() => expect(within(quarter).getAllByRole('row')).toHaveLength(91))
    expect(api.called('SegmentMembershipHistory').at(-1)!.vars).toEqual({ id: SEGMENT_ID, days: 90 })
  })

  it('says so when no member entered or left in the period', async () => {
    const api = new FakeApi()
    api.history = {}
    setup(`/segments/${SEGMENT_ID}`, api)
    const card = await screen.findByRole('region', { name: 'Entered and exited, last 30 days' })
    await within(card).findByText('No members entered or left in this period')
    expect(within(card).queryByRole('img')).not.toBeInTheDocument()
    expect(within(card).queryByRole('table')).not.toBeInTheDocument()
  })
})

describe('rules', () => {
  it('turns a tree into the API’s input and finds the node of an error path', () => {
    const c = newCondition('trait')
    c.trait = 'address.city'
    c.operator = 'IN'
    c.value = 'Paris, Lyon'
    const e = newCondition('event')
    e.negate = true
    e.event.name = 'Login'
    e.event.countOp = 'AT_LEAST'
    e.event.windowValue = '14'
    const inner = newGroup('or', [c])
    const root = newGroup('and', [e, inner])
    const paths: NodePaths = new Map()
    expect(toInput(root, paths)).toEqual({
      and: [
        {
          not: {
            event: {
              name: 'Login',
              where: [],
              count: { operator: 'AT_LEAST', value: 1 },
              window: { operator: 'WITHIN_LAST', value: '14' },
            },
          },
        },
        { or: [{ trait: ['address', 'city'], operator: 'IN', values: ['Paris', 'Lyon'] }] },
      ],
    })
    expect(nodeOfError(paths, ['and', '1', 'or', '0', 'values'])).toBe(c.key)
    expect(nodeOfError(paths, ['and', '0', 'not', 'event', 'name'])).toBe(e.key)
    expect(nodeOfError(paths, ['and', '1'])).toBe(inner.key)
    expect(nodeOfError(paths, [])).toBe(root.key)
  })

  it('knows when blanks are left to fill', () => {
    const e = newCondition('event')
    expect(incomplete(newGroup('and', [e]))).toBe(true) // no event name
    e.event.name = 'Login'
    expect(incomplete(newGroup('and', [e]))).toBe(false)
    e.event.where = [newFilter()]
    expect(incomplete(newGroup('and', [e]))).toBe(true) // a filter without its property
    const id = newCondition('identifier') // EXISTS takes no value
    expect(incomplete(id)).toBe(false)
    id.operator = 'EQUALS'
    expect(incomplete(id)).toBe(true)
  })

  it('reads stored rules back into the same input', () => {
    const stored = {
      or: [
        { field: 'LAST_SEEN_AT', operator: 'BETWEEN', values: ['2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'] },
        { not: { identifier: 'EMAIL', operator: 'EXISTS' } },
      ],
    }
    const tree = fromJSON(JSON.stringify(stored))!
    expect(toInput(tree)).toEqual(stored)
    expect(fromJSON('not json')).toBeNull()
    // The later kinds: a stored definition uuid comes back as its global id.
    const later = fromJSON(
      JSON.stringify({
        and: [
          { computedTrait: ORDERS_UUID, operator: 'EXISTS' },
          { rfm: 'CELL', operator: 'IN', values: ['LOST', 'AT_RISK'] },
        ],
      }),
    )!
    expect(toInput(later)).toEqual({
      and: [
        { computedTrait: ORDERS_TRAIT, operator: 'EXISTS' },
        { rfm: 'CELL', operator: 'IN', values: ['LOST', 'AT_RISK'] },
      ],
    })
    expect(incomplete(newCondition('computedTrait'))).toBe(true)
  })
})

describe('useDebounced', () => {
  it('hands on the rules only once they stopped changing for the delay', () => {
    vi.useFakeTimers()
    try {
      const { result, rerender } = renderHook(({ v }) => useDebounced(v, 500), { initialProps: { v: 'a' } })
      rerender({ v: 'ab' })
      act(() => vi.advanceTimersByTime(300))
      rerender({ v: 'abc' })
      act(() => vi.advanceTimersByTime(499))
      expect(result.current).toBe('a')
      act(() => vi.advanceTimersByTime(1))
      expect(result.current).toBe('abc')
    } finally {
      vi.useRealTimers()
    }
  })
})
