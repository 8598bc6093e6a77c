import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import { relayStylePagination } from '@apollo/client/utilities'
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom'
import { Observable } from 'rxjs'
import { describe, expect, it } from 'vitest'

import { createConnection, type Connection } from '../../connection/connection'
import { ConnectionProvider } from '../../connection/ConnectionProvider'
import type { Role } from '../../gql/graphql'
import { TestSession, testSession, testViewer } from '../../test/session'
import ProfilesScreen from '.'
import ProfileDetail from './ProfileDetail'

type Vars = Record<string, unknown> & {
  filter?: { search?: string; lifecycleStage?: string; hasIdentifier?: string }
  first?: number
  after?: string | null
  id?: string
  profileId?: string
  input?: { profileId: string; identifiers?: Ident[] }
}

interface Ident {
  type: string
  value: string
}

interface Evt {
  messageId: string
  type: string
  name: string | null
  timestamp: string
  properties: Record<string, unknown>
}

interface Prof {
  id: string
  identities: Ident[]
  traits: Record<string, unknown>
  stage: string
  events: Evt[]
  purchases: number
  revenue: number
  merges: { survivorId: string; absorbedId: string; at: string; undoneAt: string | null }[]
  refused: { identity: Ident; linkedTo: Ident; reason: string; detail: string; at: string }[]
  computedTraits?: { name: string; value: string; computedAt: string; definitionId: string }[]
}

const ANN: Prof = {
  id: 'UHJvZmlsZTox',
  identities: [
    { type: 'USER_ID', value: 'u-ann' },
    { type: 'EMAIL', value: 'ann@example.com' },
    { type: 'ANONYMOUS_ID', value: 'anon-1' },
  ],
  traits: { plan: 'pro', seats: 3, beta: true },
  stage: 'CUSTOMER',
  events: [
    {
      messageId: 'm-2',
      type: 'TRACK',
      name: 'Order Completed',
      timestamp: '2026-12-01T12:00:00Z',
      properties: { total: 42.5, currency: 'EUR', items: [{ sku: 'A1' }] },
    },
    { messageId: 'm-1', type: 'IDENTIFY', name: null, timestamp: '2026-12-01T11:00:00Z', properties: {} },
  ],
  purchases: 1,
  revenue: 42.5,
  merges: [{ survivorId: 'UHJvZmlsZTox', absorbedId: 'UHJvZmlsZTo5', at: '2026-12-01T11:30:00Z', undoneAt: null }],
  refused: [
    {
      identity: { type: 'EMAIL', value: 'shared@example.com' },
      linkedTo: { type: 'USER_ID', value: 'u-bob' },
      reason: 'TYPE_LIMIT',
      detail: 'at most 3 e-mail identifiers',
      at: '2026-12-01T11:45:00Z',
    },
  ],
}

const ANON: Prof = {
  id: 'UHJvZmlsZToy',
  identities: [{ type: 'ANONYMOUS_ID', value: 'anon-2' }],
  traits: {},
  stage: 'ANONYMOUS',
  events: [],
  purchases: 0,
  revenue: 0,
  merges: [],
  refused: [],
}

/** The id an absorbed profile had: it answers ANN. */
const ABSORBED_ID = 'UHJvZmlsZTo5'

const jsonFields = (o: Record<string, unknown>) =>
  Object.entries(o).map(([key, v]) => ({ __typename: 'JsonField', key, value: JSON.stringify(v) }))

const identity = (i: Ident) => ({ __typename: 'Identity', ...i })

function page<T>(items: T[], cursor: (t: T) => string, v: Vars) {
  const start = v.after ? items.findIndex((t) => cursor(t) === v.after) + 1 : 0
  const slice = items.slice(start, start + (v.first ?? 20))
  const end = start + slice.length
  return {
    slice,
    pageInfo: {
      __typename: 'PageInfo',
      hasNextPage: end < items.length,
      endCursor: slice.length ? cursor(slice[slice.length - 1]!) : null,
    },
  }
}

function profileNode(p: Prof, v: Vars) {
  const events = page(p.events, (e) => e.messageId, v)
  return {
    __typename: 'Profile',
    id: p.id,
    identities: p.identities.map(identity),
    canonicalIdentity: p.identities[0] ? identity(p.identities[0]) : null,
    traits: jsonFields(p.traits),
    computedTraits: (p.computedTraits ?? []).map(({ definitionId, ...t }) => ({
      __typename: 'ComputedTrait',
      ...t,
      definition: { __typename: 'TraitDefinition', id: definitionId },
    })),
    lifecycleStage: p.stage,
    firstSeenAt: '2026-11-01T09:00:00Z',
    lastSeenAt: p.events[0]?.timestamp ?? '2026-11-01T09:00:00Z',
    counters: {
      __typename: 'ProfileCounters',
      eventCount: p.events.length,
      sessionCount: p.events.length > 0 ? 1 : 0,
      purchaseCount: p.purchases,
      revenue: p.revenue,
    },
    mergeHistory: p.merges.map((m) => ({ __typename: 'ProfileMerge', ...m, undone: m.undoneAt !== null })),
    refusedLinks: p.refused.map((r) => ({
      __typename: 'RefusedLink',
      ...r,
      identity: identity(r.identity),
      linkedTo: identity(r.linkedTo),
    })),
    events: {
      __typename: 'ProfileEventConnection',
      edges: events.slice.map((e) => ({
        __typename: 'ProfileEventEdge',
        cursor: e.messageId,
        node: {
          __typename: 'ProfileEvent',
          messageId: e.messageId,
          type: e.type,
          name: e.name,
          timestamp: e.timestamp,
          receivedAt: e.timestamp,
          properties: jsonFields(e.properties),
          source: { __typename: 'EventSource', id: 'U291cmNlOjE', name: 'Website' },
        },
      })),
      pageInfo: events.pageInfo,
    },
  }
}

const SEARCH_MESSAGE = 'filter.search: at most 200 characters'

/** A fake API with the server's answers to the screens' operations; it records requests. */
class FakeApi extends ApolloLink {
  requests: { name: string; vars: Vars }[] = []
  featureOff = false
  profiles: Prof[] = [structuredClone(ANN), structuredClone(ANON)]
  /** The open profileUpdated subscriptions, to emit updates into. */
  updates: { profileId: string; emit: () => void }[] = []
  /** userErrors the next SplitProfile answers (none: it splits). */
  splitErrors: { field: string[]; message: string }[] = []

  override request(op: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const name = op.operationName ?? ''
    const vars = op.variables as Vars
    this.requests.push({ name, vars })
    if (name === 'ProfileUpdated') {
      return new Observable((o) => {
        const sub = {
          profileId: vars.profileId!,
          emit: () => o.next({ data: { profileUpdated: { __typename: 'Profile', id: vars.profileId } } }),
        }
        this.updates.push(sub)
        return () => {
          this.updates = this.updates.filter((s) => s !== sub)
        }
      })
    }
    return new Observable((o) => {
      if (this.featureOff) {
        o.next({
          data: null,
          errors: [
            {
              message: 'the cdp feature is not on this workspace’s plan',
              extensions: { code: 'FEATURE_DISABLED', feature: 'cdp', requiredPlan: 'PROFESSIONAL' },
            },
          ],
        })
      } else if ((vars.filter?.search?.length ?? 0) > 200) {
        o.next({
          data: null,
          errors: [
            {
              message: SEARCH_MESSAGE,
              path: ['profiles'],
              extensions: { code: 'BAD_USER_INPUT', field: ['filter', 'search'] },
            },
          ],
        })
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
    switch (name) {
      case 'Profiles': {
        const f = v.filter ?? {}
        const matching = this.profiles.filter(
          (p) =>
            (!f.search || p.identities.some((i) => i.value === f.search)) &&
            (!f.lifecycleStage || p.stage === f.lifecycleStage) &&
            (!f.hasIdentifier || p.identities.some((i) => i.type === f.hasIdentifier)),
        )
        const { slice, pageInfo } = page(matching, (p) => p.id, v)
        return {
          profiles: {
            __typename: 'ProfileConnection',
            totalCount: matching.length,
            edges: slice.map((p) => ({ __typename: 'ProfileEdge', cursor: p.id, node: profileNode(p, { first: 0 }) })),
            pageInfo,
          },
        }
      }
      case 'Profile': {
        const id = v.id === ABSORBED_ID ? ANN.id : v.id
        const p = this.profiles.find((q) => q.id === id)
        return { profile: p ? profileNode(p, v) : null }
      }
      case 'UnmergeProfile': {
        const ann = this.profiles.find((q) => q.id === ANN.id)!
        ann.merges = ann.merges.map((m) =>
          m.absorbedId === v.input!.profileId ? { ...m, undoneAt: '2026-12-02T10:00:00Z' } : m,
        )
        return {
          unmergeProfile: {
            __typename: 'UnmergeProfilePayload',
            profile: { __typename: 'Profile', id: v.input!.profileId },
            survivor: { __typename: 'Profile', id: ANN.id },
            userErrors: [],
          },
        }
      }
      case 'SplitProfile': {
        if (this.splitErrors.length > 0) {
          const errors = this.splitErrors
          this.splitErrors = []
          return {
            splitProfile: {
              __typename: 'SplitProfilePayload',
              profile: null,
              newProfile: null,
              userErrors: errors.map((e) => ({ __typename: 'UserError', ...e, code: 'BAD_USER_INPUT' })),
            },
          }
        }
        const moved = v.input!.identifiers!
        const ann = this.profiles.find((q) => q.id === ANN.id)!
        ann.identities = ann.identities.filter((i) => !moved.some((m) => m.type === i.type && m.value === i.value))
        return {
          splitProfile: {
            __typename: 'SplitProfilePayload',
            profile: { __typename: 'Profile', id: ANN.id },
            newProfile: { __typename: 'Profile', id: 'UHJvZmlsZTo3' },
            userErrors: [],
          },
        }
      }
      // The consent and privacy sections (their own tests: screens/privacy).
      case 'ProfileConsents':
        return { profileConsents: [] }
      case 'PrivacyRequests':
        return {
          privacyRequests: {
            __typename: 'PrivacyRequestConnection',
            totalCount: 0,
            edges: [],
            pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
          },
        }
    }
    throw new Error(`unexpected operation ${name}`)
  }
}

function cache() {
  // The app's cache merges the pages of `profiles` and of a profile's events (apollo.ts).
  return new InMemoryCache({
    typePolicies: {
      Profile: { fields: { events: relayStylePagination(['type', 'name']) } },
      Query: { fields: { profiles: relayStylePagination(['filter']) } },
    },
  })
}

function Where() {
  const location = useLocation()
  return <output aria-label="Address">{location.pathname}</output>
}

function setup(path: string, api = new FakeApi(), role: Role = 'VIEWER', connection: Connection = createConnection()) {
  const client = new ApolloClient({ link: api, cache: cache() })
  const user = userEvent.setup()
  render(
    <ApolloProvider client={client}>
      <ConnectionProvider connection={connection}>
        <TestSession value={testSession(testViewer(role))}>
          <MemoryRouter initialEntries={[path]}>
            <Routes>
              <Route path="/profiles" element={<ProfilesScreen />} />
              <Route path="/profiles/:id" element={<ProfileDetail />} />
              <Route path="/sources" element={<p>Sources screen</p>} />
            </Routes>
            <Where />
          </MemoryRouter>
        </TestSession>
      </ConnectionProvider>
    </ApolloProvider>,
  )
  return { api, user, connection }
}

const table = () => screen.findByRole('table', { name: 'Profiles' })
const rowOf = (t: HTMLElement, text: string) => within(t).getByText(text).closest('tr')!

describe('ProfilesScreen', () => {
  it('lists profiles with their canonical identity, lifecycle, last seen and counters', async () => {
    const { api } = setup('/profiles')
    const t = await table()
    const ann = rowOf(t, 'u-ann')
    expect(ann).toHaveTextContent('User ID')
    expect(ann).toHaveTextContent('Customer')
    expect(ann).not.toHaveTextContent('Anonymous')
    const anon = rowOf(t, 'anon-2')
    expect(anon).toHaveTextContent('Anonymous')
    expect(anon).toHaveTextContent('Anonymous ID')
    expect(within(ann).getByRole('link', { name: 'u-ann' })).toHaveAttribute('href', `/profiles/${ANN.id}`)
    expect(screen.getByText('2 profiles')).toBeInTheDocument()
    expect(api.called('Profiles')[0]!.vars).toEqual({ filter: {}, first: 20 })
  })

  it('searches by any identifier, trimmed', async () => {
    const { api, user } = setup('/profiles')
    const t = await table()
    expect(within(t).getByText('anon-2')).toBeInTheDocument() // before: both
    await user.type(screen.getByRole('searchbox', { name: /Identifier/ }), '  ann@example.com  ')
    await user.click(screen.getByRole('button', { name: 'Search' }))
    expect(await screen.findByText('1 profile')).toBeInTheDocument()
    expect(api.called('Profiles').at(-1)!.vars.filter).toEqual({ search: 'ann@example.com' })
    const after = await table()
    expect(within(after).getByText('u-ann')).toBeInTheDocument()
    expect(within(after).queryByText('anon-2')).toBeNull()
  })

  it('shows the server’s BAD_USER_INPUT message', async () => {
    const { user } = setup('/profiles')
    await table()
    expect(screen.queryByText(SEARCH_MESSAGE)).toBeNull()
    await user.type(screen.getByRole('searchbox', { name: /Identifier/ }), 'x'.repeat(201))
    await user.click(screen.getByRole('button', { name: 'Search' }))
    expect(await screen.findByText(SEARCH_MESSAGE)).toBeInTheDocument()
  })

  it('filters by lifecycle stage', async () => {
    const { api, user } = setup('/profiles')
    await table()
    await user.selectOptions(screen.getByLabelText('Lifecycle stage'), 'Anonymous')
    expect(await screen.findByText('1 profile')).toBeInTheDocument()
    expect(api.called('Profiles').at(-1)!.vars.filter).toEqual({ lifecycleStage: 'ANONYMOUS' })
    const t = await table()
    expect(within(t).getByText('anon-2')).toBeInTheDocument()
    expect(within(t).queryByText('u-ann')).toBeNull()
  })

  it('filters by a kind of identifier, and says when nothing matches', async () => {
    const { api, user } = setup('/profiles')
    await table()
    await user.selectOptions(screen.getByLabelText('Has identifier'), 'E-mail')
    expect(await screen.findByText('1 profile')).toBeInTheDocument()
    expect(api.called('Profiles').at(-1)!.vars.filter).toEqual({ hasIdentifier: 'EMAIL' })
    expect(within(await table()).queryByText('anon-2')).toBeNull()
    expect(screen.queryByText('No profiles match')).toBeNull()

    await user.selectOptions(screen.getByLabelText('Lifecycle stage'), 'Churned')
    expect(await screen.findByText('No profiles match')).toBeInTheDocument()
    expect(api.called('Profiles').at(-1)!.vars.filter).toEqual({ hasIdentifier: 'EMAIL', lifecycleStage: 'CHURNED' })
    expect(screen.queryByText('No profiles yet')).toBeNull() // a filter's empty result is not an empty workspace
  })

  it('loads more pages and says how many it shows', async () => {
    const api = new FakeApi()
    api.profiles = [
      ANN,
      ...Array.from({ length: 21 }, (_, i) => ({
        ...ANON,
        id: `p-${i}`,
        identities: [{ type: 'DEVICE_ID', value: `dev-${i}` }],
      })),
    ]
    const { user } = setup('/profiles', api)
    const t = await table()
    expect(screen.getByText('Showing 20 of 22 profiles')).toBeInTheDocument()
    expect(within(t).queryByText('dev-20')).toBeNull()
    await user.click(screen.getByRole('button', { name: 'Load more' }))
    expect(await within(t).findByText('dev-20')).toBeInTheDocument()
    expect(api.called('Profiles')[1]!.vars).toEqual({ filter: {}, first: 20, after: 'p-18' })
    expect(within(t).getByText('u-ann')).toBeInTheDocument() // appended, not replaced
    expect(screen.getByText('22 profiles')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull()
  })

  it('says so when there are no profiles, pointing to the sources', async () => {
    const api = new FakeApi()
    api.profiles = []
    const { user } = setup('/profiles', api)
    expect(await screen.findByText('No profiles yet')).toBeInTheDocument()
    expect(screen.queryByRole('table', { name: 'Profiles' })).toBeNull()
    await user.click(screen.getByRole('link', { name: 'send events to a source' }))
    expect(await screen.findByText('Sources screen')).toBeInTheDocument()
  })

  it('shows the plan that unlocks it when the cdp feature is off', async () => {
    const on = setup('/profiles')
    await table()
    expect(screen.queryByText(/Unlocks with/)).toBeNull() // positive control: on, no lock
    expect(on.api.called('Profiles')).toHaveLength(1)
    cleanup()

    const api = new FakeApi()
    api.featureOff = true
    setup('/profiles', api)
    expect(await screen.findByText('Unlocks with Professional')).toBeInTheDocument()
    expect(screen.queryByRole('table', { name: 'Profiles' })).toBeNull()
  })
})

describe('ProfileDetail', () => {
  const open = async (id = ANN.id) => {
    const ctx = setup(`/profiles/${id}`)
    await screen.findByRole('heading', { level: 1, name: 'u-ann' })
    return ctx
  }

  it('shows identities with their types, traits, counters and events', async () => {
    await open()
    const ids = screen.getByRole('table', { name: 'Identities' })
    expect(rowOf(ids, 'ann@example.com')).toHaveTextContent('E-mail')
    expect(rowOf(ids, 'anon-1')).toHaveTextContent('Anonymous ID')
    const traits = screen.getByRole('table', { name: 'Traits' })
    expect(rowOf(traits, 'plan')).toHaveTextContent(/^plan\s*pro$/) // a string unquoted
    expect(rowOf(traits, 'plan')).not.toHaveTextContent('"pro"')
    expect(rowOf(traits, 'seats')).toHaveTextContent('3')
    expect(rowOf(traits, 'beta')).toHaveTextContent('true')
    const counters = screen.getByRole('region', { name: 'Counters' })
    expect(within(counters).getByText('Events').nextSibling).toHaveTextContent('2')
    expect(within(counters).getByText('Purchases').nextSibling).toHaveTextContent('1')
    expect(within(counters).getByText('Revenue').nextSibling).toHaveTextContent('42.5')
    expect(within(counters).getByText('Sessions').nextSibling).toHaveTextContent(/^1$/)
    expect(counters).not.toHaveTextContent('Not counted yet')
    const events = screen.getByRole('list', { name: 'Events' })
    const items = within(events).getAllByRole('listitem')
    expect(items[0]).toHaveTextContent('Track')
    expect(items[0]).toHaveTextContent('Order Completed')
    expect(items[0]).toHaveTextContent('from Website')
    expect(items[1]).toHaveTextContent('Identify')
    expect(screen.queryByText(/merged into/)).toBeNull() // not reached through an absorbed id
  })

  it('expands an event to show its properties as JSON', async () => {
    const { user } = await open()
    expect(screen.queryByRole('region', { name: 'Properties of Order Completed' })).toBeNull()
    const button = screen.getByRole('button', { name: /^Show properties of Order Completed/ })
    expect(button).toHaveAttribute('aria-expanded', 'false')
    await user.click(button)
    const payload = screen.getByRole('region', { name: 'Properties of Order Completed' })
    expect(JSON.parse(payload.textContent ?? '')).toEqual({ total: 42.5, currency: 'EUR', items: [{ sku: 'A1' }] })
    expect(screen.getByRole('button', { name: /^Hide properties of Order Completed/ })).toHaveAttribute(
      'aria-expanded',
      'true',
    )
    // The other event stays closed.
    expect(screen.queryByText('No properties.')).toBeNull()
  })

  it('loads more events', async () => {
    const api = new FakeApi()
    const many = Array.from({ length: 25 }, (_, i) => ({
      messageId: `e-${i}`,
      type: 'PAGE',
      name: `Page ${i}`,
      timestamp: '2026-12-01T10:00:00Z',
      properties: { i },
    }))
    api.profiles = [{ ...ANN, events: many }]
    const { user } = setup(`/profiles/${ANN.id}`, api)
    const events = await screen.findByRole('list', { name: 'Events' })
    expect(within(events).getAllByRole('listitem')).toHaveLength(20)
    expect(within(events).queryByText('Page 24')).toBeNull()
    await user.click(screen.getByRole('button', { name: 'Load more' }))
    expect(await within(events).findByText('Page 24')).toBeInTheDocument()
    expect(within(events).getAllByRole('listitem')).toHaveLength(25)
    expect(api.called('Profile')[1]!.vars).toEqual({ id: ANN.id, first: 20, after: 'e-19' })
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull()
  })

  it('shows merge history and refused links with the reason in words', async () => {
    await open()
    const merges = screen.getByRole('table', { name: 'Merge history' })
    const merge = within(merges).getAllByRole('row')[1]!
    expect(merge).toHaveTextContent('This profile')
    expect(within(merge).getByRole('link', { name: ABSORBED_ID })).toHaveAttribute('href', `/profiles/${ABSORBED_ID}`)
    expect(merge).toHaveTextContent('Holds')
    const refused = screen.getByRole('table', { name: 'Refused links' })
    const link = rowOf(refused, 'shared@example.com')
    expect(link).toHaveTextContent('Too many identifiers of this type')
    expect(link).not.toHaveTextContent('TYPE_LIMIT')
    expect(link).toHaveTextContent('at most 3 e-mail identifiers')
    expect(link).toHaveTextContent('u-bob')
  })

  it('says so where a profile has no events, merges, refused links or traits', async () => {
    setup(`/profiles/${ANON.id}`)
    await screen.findByRole('heading', { level: 1, name: 'anon-2' })
    expect(screen.getByText('No events')).toBeInTheDocument()
    expect(screen.getByText('No merges')).toBeInTheDocument()
    expect(screen.getByText('No refused links')).toBeInTheDocument()
    expect(screen.getByText('No traits yet')).toBeInTheDocument()
    expect(screen.queryByRole('table', { name: 'Merge history' })).toBeNull()
  })

  it('replaces an absorbed profile’s address with its survivor’s and says it was merged', async () => {
    const { api } = setup(`/profiles/${ABSORBED_ID}`)
    const address = screen.getByRole('status', { name: 'Address' })
    expect(address).toHaveTextContent(`/profiles/${ABSORBED_ID}`)
    await waitFor(() => expect(address).toHaveTextContent(`/profiles/${ANN.id}`))
    expect(api.called('Profile').map((r) => r.vars.id)).toEqual([ABSORBED_ID, ANN.id])
    // The notice stays once the address is the survivor's.
    expect(await screen.findByText(/This profile was merged into u-ann/)).toBeInTheDocument()
    expect(screen.getByRole('heading', { level: 1, name: 'u-ann' })).toBeInTheDocument()
  })

  it('shows the profile as it is now when it is opened again, not as an earlier visit left it', async () => {
    // A computed trait's backfill changes no event of the profile: no live update says so.
    const { api, user } = setup('/profiles')
    await user.click(within(await table()).getByRole('link', { name: 'u-ann' }))
    await screen.findByRole('heading', { level: 1, name: 'u-ann' })
    expect(screen.getByText('No computed traits')).toBeInTheDocument()
    api.profiles[0]!.computedTraits = [
      { name: 'Orders', value: '2', computedAt: '2026-12-02T10:00:00Z', definitionId: 'VHJhaXQ6MQ' },
    ]
    await user.click(screen.getByRole('link', { name: '← Profiles' }))
    await user.click(within(await table()).getByRole('link', { name: 'u-ann' }))
    const traits = await screen.findByRole('table', { name: 'Computed traits' })
    expect(rowOf(traits, 'Orders')).toHaveTextContent('2')
    expect(screen.queryByText('No computed traits')).toBeNull()
  })

  it('says there is no such profile', async () => {
    setup('/profiles/bm9wZQ')
    expect(await screen.findByText('There is no such profile')).toBeInTheDocument()
  })

  describe('repairs and live updates', () => {
    const openAs = async (role: Role) => {
      const ctx = setup(`/profiles/${ANN.id}`, new FakeApi(), role)
      await screen.findByRole('heading', { level: 1, name: 'u-ann' })
      return ctx
    }
    const liveState = () => screen.getByRole('status', { name: 'Live updates' })

    it('says Live only while the socket is connected, and refetches on each update', async () => {
      const { api, connection } = await openAs('VIEWER')
      await waitFor(() => expect(api.updates).toHaveLength(1))
      expect(api.updates[0]!.profileId).toBe(ANN.id)
      expect(liveState()).toHaveTextContent('Not live') // not connected yet
      act(() => connection.events.connected())
      await waitFor(() => expect(liveState()).toHaveTextContent(/^Live$/))
      const before = api.called('Profile').length
      act(() => api.updates[0]!.emit())
      await waitFor(() => expect(api.called('Profile').length).toBe(before + 1))
      act(() => connection.events.closed(new Event('close')))
      await waitFor(() => expect(liveState()).toHaveTextContent('Not live'))
    })

    it('offers no repairs to a viewer', async () => {
      await openAs('VIEWER')
      expect(screen.getByRole('table', { name: 'Merge history' })).toBeInTheDocument()
      expect(screen.queryByRole('button', { name: /Unmerge/ })).toBeNull()
      expect(screen.queryByRole('button', { name: 'Split off…' })).toBeNull()
    })

    it('unmerges a merge-history entry after confirmation', async () => {
      const { api, user } = await openAs('ANALYST')
      const history = screen.getByRole('table', { name: 'Merge history' })
      await user.click(within(history).getByRole('button', { name: `Unmerge ${ABSORBED_ID}` }))
      const dialog = screen.getByRole('dialog', { name: 'Unmerge this profile?' })
      await user.click(within(dialog).getByRole('button', { name: 'Cancel' }))
      expect(screen.queryByRole('dialog')).toBeNull()
      expect(api.called('UnmergeProfile')).toHaveLength(0) // cancelled: nothing sent

      await user.click(within(history).getByRole('button', { name: `Unmerge ${ABSORBED_ID}` }))
      await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Unmerge' }))
      expect(await screen.findByText(/Unmerged: the profile is separate again/)).toBeInTheDocument()
      expect(api.called('UnmergeProfile')[0]!.vars.input).toEqual({ profileId: ABSORBED_ID })
      expect(screen.queryByRole('dialog')).toBeNull()
      expect(screen.getByRole('link', { name: 'Open it' })).toHaveAttribute('href', `/profiles/${ABSORBED_ID}`)
      // Refetched: the entry is undone and offers no second unmerge.
      await waitFor(() => expect(api.called('Profile').length).toBeGreaterThan(1))
      const after = screen.getByRole('table', { name: 'Merge history' })
      await waitFor(() => expect(within(after).getByText(/^Undone .+/)).toBeInTheDocument())
      expect(within(after).queryByRole('button', { name: /Unmerge/ })).toBeNull()
    })

    it('splits off chosen identities, showing the server’s refusal beside the identifier', async () => {
      const { api, user } = await openAs('ANALYST')
      await user.click(screen.getByRole('button', { name: 'Split off…' }))
      const dialog = screen.getByRole('dialog', { name: 'Split off identifiers?' })
      const confirm = within(dialog).getByRole('button', { name: 'Split off' })
      expect(confirm).toBeDisabled() // nothing chosen
      for (const v of ['u-ann', 'ann@example.com', 'anon-1'])
        await user.click(within(dialog).getByRole('checkbox', { name: new RegExp(v) }))
      expect(within(dialog).getByText('Keep at least one identifier on this profile.')).toBeInTheDocument()
      expect(confirm).toBeDisabled()
      await user.click(within(dialog).getByRole('checkbox', { name: /u-ann/ }))
      await user.click(within(dialog).getByRole('checkbox', { name: /ann@example.com/ }))

      // The server refuses anon-1 (the only one sent: index 0).
      api.splitErrors = [{ field: ['input', 'identifiers', '0'], message: 'not an identifier of this profile' }]
      await user.click(confirm)
      const refusal = await within(dialog).findByRole('alert')
      expect(refusal).toHaveTextContent('not an identifier of this profile')
      expect(refusal.closest('li')).toHaveTextContent('anon-1')
      expect(api.called('SplitProfile')[0]!.vars.input).toEqual({
        profileId: ANN.id,
        identifiers: [{ type: 'ANONYMOUS_ID', value: 'anon-1' }],
      })

      await user.click(confirm)
      expect(await screen.findByText(/Split off: the identifier is on a new profile/)).toBeInTheDocument()
      expect(screen.getByRole('link', { name: 'Open it' })).toHaveAttribute('href', '/profiles/UHJvZmlsZTo3')
      const ids = screen.getByRole('table', { name: 'Identities' })
      await waitFor(() => expect(within(ids).queryByText('anon-1')).toBeNull())
      expect(within(ids).getByText('u-ann')).toBeInTheDocument()
    })
  })
})
